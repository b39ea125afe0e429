// What the Redis bus, presence and rate limiter share: how a connection is opened (fail fast
// while Redis is down, reconnect by itself), how it is closed, and how Lua scripts are run.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { OutageLog, type OutageLogger } from '../log/outage-log.js';
import { withTimeout } from '../util/timeout.js';

// The bus, presence and rate limiter bound their commands with the same helper.
export { withTimeout };

export type RedisLogger = OutageLogger;

export interface RedisConnectionOptions {
  /** Names the connection in logs. */
  name: string;
  logger?: RedisLogger;
  /** Rejects a command with no reply after this long (a half-open connection); none by default. */
  commandTimeoutMs?: number;
}

/** Longest wait between reconnection attempts. */
const MAX_RETRY_DELAY_MS = 1000;

/**
 * A connection that never queues commands while Redis is away: a command sent then rejects at
 * once, and one in flight when the connection drops rejects when it drops (never resent after a
 * reconnect, where it could overtake later commands). The connection reconnects by itself,
 * forever, and logs the first error of each outage and, once it is back, how many attempts failed
 * (an error per attempt, up to ten a second, is counted, not logged).
 */
export function openRedis(url: string, options: RedisConnectionOptions): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false, // the bus subscribes again itself, to know when it is done
    connectTimeout: 2000,
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RETRY_DELAY_MS),
  });
  // Always listening: without an 'error' listener ioredis prints every error to the console.
  const outage = new OutageLog({ log: options.logger ?? { error: () => {} }, component: `redis connection (${options.name})`, effect: 'reconnecting' });
  redis.on('error', (err: unknown) => outage.failed(err));
  redis.on('ready', () => outage.recovered());
  return redis;
}

/**
 * Resolves when the connection is ready; rejects when it ends first, or after `timeoutMs` with a
 * TimeoutError (util/timeout.ts) while it keeps reconnecting.
 */
export function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  let stopListening = (): void => {};
  const ready = new Promise<void>((resolve, reject) => {
    const onReady = () => resolve();
    const onEnd = () => reject(new Error('redis connection closed'));
    redis.on('ready', onReady);
    redis.on('end', onEnd);
    stopListening = () => {
      redis.off('ready', onReady);
      redis.off('end', onEnd);
    };
  });
  return withTimeout(ready, timeoutMs, 'redis connection').finally(stopListening);
}

/**
 * Returns a function giving a promise of the connection's first 'ready' (rejecting after
 * `timeoutMs`), or null once it has been ready: commands sent right after start-up wait for the
 * connection instead of failing, while commands during a later outage still fail fast. (Null, not
 * a resolved promise, so that a caller that need not wait sends in the same tick, in order.)
 */
export function firstReady(redis: Redis, timeoutMs: number): () => Promise<void> | null {
  let ready = redis.status === 'ready';
  let waiting: Promise<void> | null = null;
  if (!ready) {
    redis.once('ready', () => {
      ready = true;
    });
  }
  return () => {
    if (ready) return null;
    waiting ??= whenReady(redis, timeoutMs).finally(() => {
      waiting = null;
    });
    return waiting;
  };
}

/** Quits politely when connected (bounded), then stops any reconnecting: no handle is left. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    try {
      await withTimeout(redis.quit(), 1000, 'redis quit');
    } catch {
      // disconnect below
    }
  }
  redis.disconnect();
}

/** A Lua script, run by EVALSHA (EVAL when Redis does not have it cached yet), or always by EVAL. */
export class LuaScript {
  private readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Runs the script. Scripts whose order relative to other commands matters use `ordered`: EVAL
   * every time, so a NOSCRIPT retry (after Redis restarted) cannot let a later command overtake.
   */
  run(redis: Redis, keys: string[], args: Array<string | number>, ordered = false): Promise<unknown> {
    if (ordered) return redis.eval(this.source, keys.length, ...keys, ...args);
    return redis.evalsha(this.sha, keys.length, ...keys, ...args).catch((err: unknown) => {
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return redis.eval(this.source, keys.length, ...keys, ...args);
      throw err;
    });
  }
}
