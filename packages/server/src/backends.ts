// Config -> the concrete store, bus, presence and rate limiter: the only module that names
// implementations. Single node (default): SQLite + in-process bus and presence. DATABASE_URL
// selects PostgreSQL; REDIS_URL adds the Redis bus, presence and rate limiter, and the nodes
// sharing both form one cluster (docs/scaling.md).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Bus } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import { RedisBus } from './bus/redis-bus.js';
import type { Config } from './config.js';
import { MemoryPresence } from './presence/memory-presence.js';
import type { Presence } from './presence/presence.js';
import { RedisPresence } from './presence/redis-presence.js';
import { MemoryRateLimiter } from './rate-limit/memory-rate-limiter.js';
import type { RateLimit } from './rate-limit/rate-limit.js';
import { RedisRateLimiter } from './rate-limit/redis-rate-limiter.js';
import { FileLinks } from './files/file-links.js';
import { UploadDir } from './files/upload-dir.js';
import { PgStore } from './store/pg/pg-store.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';

export interface Backends {
  store: Store;
  bus: Bus;
  presence: Presence;
  /** Sends per user (RATE_LIMIT): cluster-wide with Redis, else in process. */
  rateLimiter: RateLimit;
  /** Sends per client address (RATE_LIMIT_PER_IP): cluster-wide with Redis, else in process. */
  addressRateLimiter: RateLimit;
  /** UPLOAD_DIR, and the links the store signs MESSAGE.files with (its key is the directory's). */
  files: { dir: UploadDir; links: FileLinks };
}

export interface BackendLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** How long start-up waits for PostgreSQL or Redis before giving up (the process exits 1). */
const STARTUP_TIMEOUT_MS = 15_000;

/** Opens the backends the config selects; any given in `overrides` is used as is. */
export async function createBackends(config: Config, log: BackendLogger, overrides: Partial<Backends> = {}): Promise<Backends> {
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const files = overrides.files ?? (await openFiles(config));
    const signFile = files.links.info.bind(files.links);
    const store =
      overrides.store ??
      (config.databaseUrl !== null
        ? await new PgStore({
            connectionString: config.databaseUrl,
            poolMax: config.databasePoolMax,
            onError: (err) => log.error({ err }, 'postgresql connection error'),
            log,
            signFile,
          }).open()
        : await new SqliteStore({ dir: config.dataDir, log, signFile }).open());
    opened.push(store);
    if (config.redisUrl === null) {
      return {
        store,
        files,
        bus: overrides.bus ?? new MemoryBus(),
        presence: overrides.presence ?? new MemoryPresence(),
        rateLimiter: overrides.rateLimiter ?? new MemoryRateLimiter({ rate: config.rateLimit }),
        addressRateLimiter: overrides.addressRateLimiter ?? new MemoryRateLimiter({ rate: config.rateLimitPerIp }),
      };
    }
    const redis = { url: config.redisUrl, keyPrefix: config.redisPrefix, nodeId: randomUUID(), logger: log };
    log.info({ node: redis.nodeId }, 'cluster mode: joining through Redis');
    const bus = overrides.bus ?? (await new RedisBus(redis).open(STARTUP_TIMEOUT_MS));
    opened.push(bus);
    const presence = overrides.presence ?? (await new RedisPresence({ ...redis, expiryMs: config.presenceExpiryMs }).open(STARTUP_TIMEOUT_MS));
    opened.push(presence);
    const rateLimiter =
      overrides.rateLimiter ??
      (config.rateLimit > 0
        ? await new RedisRateLimiter({ ...redis, rate: config.rateLimit }).open(STARTUP_TIMEOUT_MS)
        : new MemoryRateLimiter({ rate: 0 }));
    opened.push(rateLimiter);
    // Its own key space: `${prefix}addr:rate:<address>` beside the users' `${prefix}rate:<id>`.
    const addressRateLimiter =
      overrides.addressRateLimiter ??
      (config.rateLimitPerIp > 0
        ? await new RedisRateLimiter({ ...redis, keyPrefix: `${config.redisPrefix}addr:`, rate: config.rateLimitPerIp }).open(STARTUP_TIMEOUT_MS)
        : new MemoryRateLimiter({ rate: 0 }));
    return { store, files, bus, presence, rateLimiter, addressRateLimiter };
  } catch (err) {
    await Promise.allSettled(opened.map((b) => b.close()));
    throw err;
  }
}

/** UPLOAD_DIR (default DATA_DIR/files), opened: its signing key read or made. */
export async function openFiles(config: Pick<Config, 'uploadDir' | 'dataDir'>): Promise<Backends['files']> {
  const dir = await new UploadDir(config.uploadDir ?? join(config.dataDir, 'files')).open();
  return { dir, links: new FileLinks(dir.key) };
}
