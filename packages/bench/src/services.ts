// PostgreSQL and Redis for the cluster scenario: whether they answer, a fresh schema and Redis key
// prefix for each setup (removed afterwards, also when the run fails or is cut short), and the CPU
// their processes use on this machine.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { cpuSecondsByCommand } from './proc.js';

const TIMEOUT_MS = 3000;

/** A client on `url` for `use`, ended afterwards; connecting gives up after connectTimeoutMs (0: never). */
export async function withPg<T>(url: string, use: (client: pg.Client) => Promise<T>, connectTimeoutMs = TIMEOUT_MS): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function withRedis<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: TIMEOUT_MS, maxRetriesPerRequest: 1, retryStrategy: () => null });
  let lastError: Error | null = null;
  redis.on('error', (err: Error) => (lastError = err));
  try {
    // connect() only says "Connection is closed"; the error event said why.
    await redis.connect().catch((err: Error) => {
      throw lastError ?? err;
    });
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** The URL without its password, for reports. */
export function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** Why the services cannot be used (not reachable, refused, no such database), or null when both answer. */
export async function unavailable(databaseUrl: string, redisUrl: string): Promise<string | null> {
  const problems: string[] = [];
  try {
    await withPg(databaseUrl, (c) => c.query('SELECT 1'));
  } catch (err) {
    problems.push(`PostgreSQL at ${shown(databaseUrl)}: ${(err as Error).message || (err as NodeJS.ErrnoException).code}`);
  }
  try {
    await withRedis(redisUrl, (r) => r.ping());
  } catch (err) {
    problems.push(`Redis at ${shown(redisUrl)}: ${(err as Error).message}`);
  }
  return problems.length ? `needs PostgreSQL and Redis: ${problems.join('; ')}` : null;
}

/** Removals still to do: run by dropAllScratch when the run is cut short. */
const live = new Set<Scratch>();

/**
 * A fresh PostgreSQL schema (`chat_bench_<pid>_<hex>` in the database of databaseUrl, selected by
 * the URL's search_path) and, with Redis, a fresh key prefix of the same name. drop() removes the
 * schema and every key under the prefix (SCAN + DEL: nothing else is touched).
 */
export class Scratch {
  readonly name = `chat_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  readonly prefix = `${this.name}:`;
  private dropping: Promise<void> | null = null;

  private constructor(
    private readonly adminUrl: string,
    private readonly redisUrl: string | null,
  ) {}

  static async create(databaseUrl: string, redisUrl: string | null): Promise<Scratch> {
    const scratch = new Scratch(databaseUrl, redisUrl);
    live.add(scratch);
    try {
      await withPg(databaseUrl, (c) => c.query(`CREATE SCHEMA ${scratch.name}`));
    } catch (err) {
      live.delete(scratch);
      throw err;
    }
    return scratch;
  }

  /** DATABASE_URL for the servers: the same database, this schema first in search_path. */
  get databaseUrl(): string {
    const sep = this.adminUrl.includes('?') ? '&' : '?';
    return `${this.adminUrl}${sep}options=${encodeURIComponent(`-c search_path=${this.name}`)}`;
  }

  /** The servers' environment for this setup. */
  env(): Record<string, string> {
    return this.redisUrl === null
      ? { DATABASE_URL: this.databaseUrl }
      : { DATABASE_URL: this.databaseUrl, REDIS_URL: this.redisUrl, REDIS_PREFIX: this.prefix };
  }

  /** Once the servers are stopped: the Redis keys, then the schema. Safe to call twice. */
  drop(): Promise<void> {
    this.dropping ??= (async () => {
      const errors: string[] = [];
      if (this.redisUrl !== null) {
        try {
          await withRedis(this.redisUrl, async (redis) => {
            let cursor = '0';
            do {
              const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
              cursor = next;
              if (keys.length > 0) await redis.del(...keys);
            } while (cursor !== '0');
          });
        } catch (err) {
          errors.push(`Redis keys ${this.prefix}*: ${(err as Error).message}`);
        }
      }
      try {
        await withPg(this.adminUrl, (c) => c.query(`DROP SCHEMA IF EXISTS ${this.name} CASCADE`));
      } catch (err) {
        errors.push(`schema ${this.name}: ${(err as Error).message}`);
      }
      live.delete(this);
      if (errors.length) throw new Error(`could not remove ${errors.join('; ')}`);
    })();
    return this.dropping;
  }
}

/** Drops every schema and prefix not dropped yet (the run is being cut short), within timeoutMs. */
export async function dropAllScratch(timeoutMs: number): Promise<void> {
  if (live.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...live].map((s) => s.drop())),
    new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
  ]);
  clearTimeout(timer);
}

const SERVICE_COMMANDS = ['postgres', 'redis-server'] as const;

/** utime + stime of every postgres and redis-server process on this machine, by pid. */
export type ServiceCpu = Map<number, { name: string; seconds: number }>;

export function serviceCpu(): ServiceCpu {
  return cpuSecondsByCommand(SERVICE_COMMANDS);
}

/**
 * CPU seconds the postgres and redis-server processes used since `before` (a process started
 * meanwhile counts whole; one that ended meanwhile is missed).
 */
export function serviceCpuSince(before: ServiceCpu): { postgres: number; redis: number } {
  const used = { postgres: 0, redis: 0 };
  for (const [pid, now] of serviceCpu()) {
    const delta = Math.max(0, now.seconds - (before.get(pid)?.seconds ?? 0));
    if (now.name === 'postgres') used.postgres += delta;
    else used.redis += delta;
  }
  return used;
}
