// The real PostgreSQL and Redis the cluster tests need (127.0.0.1:5432 and :6379 unless
// TEST_DATABASE_URL / TEST_REDIS_URL say otherwise). Each test gets its own PostgreSQL schema and
// Redis key prefix and removes them afterwards; nothing shared is flushed. When a service does
// not answer, the tests print "skipped: …" locally and fail in CI (CI=true).
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterEach, beforeEach } from 'vitest';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || defaultPort), hostname, () => done(true));
  });
}

/**
 * Whether the services answer; prints one "skipped: …" line when not, and throws in CI, where
 * .ci/run starts them. Call at the top of a test file: `const ok = await servicesAvailable(['postgres'])`.
 */
export async function servicesAvailable(needed: Array<'postgres' | 'redis'>): Promise<boolean> {
  const missing: string[] = [];
  if (needed.includes('postgres') && !(await reachable(TEST_DATABASE_URL, 5432))) missing.push(`PostgreSQL at ${TEST_DATABASE_URL}`);
  if (needed.includes('redis') && !(await reachable(TEST_REDIS_URL, 6379))) missing.push(`Redis at ${TEST_REDIS_URL}`);
  if (missing.length === 0) return true;
  const why = `${missing.join(' and ')} not reachable`;
  if (process.env.CI === 'true') throw new Error(`CI needs the services: ${why}`);
  console.log(`skipped: ${why}`);
  return false;
}

/** A name unique to this test run, safe as a PostgreSQL identifier and a Redis key prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A fresh PostgreSQL schema; its connection string selects it through search_path. */
export async function createSchema(prefix = 'chat_test'): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = uniqueName(prefix);
  await adminQuery(`CREATE SCHEMA ${schema}`);
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { schema, url: url.toString(), drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh Redis key prefix ("chat_test_…:"), and a way to delete every key under it. */
export function redisPrefix(prefix = 'chat_test'): { prefix: string; drop(): Promise<void> } {
  const keyPrefix = `${uniqueName(prefix)}:`;
  return {
    prefix: keyPrefix,
    drop: async () => {
      const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

/**
 * For a describe block: a fresh Redis key prefix per test (`.prefix`), and `.closers` run newest
 * first after each test, before the prefix's keys are deleted.
 */
export function perTestRedisPrefix(): { readonly prefix: string; readonly closers: Array<() => Promise<void>> } {
  let current: ReturnType<typeof redisPrefix> | undefined;
  const closers: Array<() => Promise<void>> = [];
  beforeEach(() => {
    current = redisPrefix();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await current?.drop();
  });
  return {
    get prefix() {
      if (!current) throw new Error('perTestRedisPrefix: only inside a test');
      return current.prefix;
    },
    closers,
  };
}
