// The PostgreSQL store's plumbing, shared by its aggregate files: the pool, every operation
// counted while in flight (so close() lets them finish), pooled connections lent out and
// destroyed when they fail, and READ COMMITTED transactions.
import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';

/** A bigint column as pg returns it: a string, as it may exceed 2^53 (rows.ts). */
export type Int8 = string;

export interface PgDatabaseOptions {
  connectionString: string;
  poolMax?: number;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  onError?: (err: Error) => void;
}

export class PgDatabase {
  private pool: pg.Pool | null = null;
  /** Every operation under way, so close() can let them finish. */
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;
  /** A query without an answer fails after this long (PgStoreOptions.queryTimeoutMs). */
  readonly queryTimeoutMs: number;

  constructor(private readonly options: PgDatabaseOptions) {
    this.queryTimeoutMs = options.queryTimeoutMs ?? 30_000;
  }

  /** Creates the pool and runs `setUp` on one of its connections; if that fails, the pool is ended. */
  async open(setUp: (client: PoolClient) => Promise<void>): Promise<void> {
    const options = this.options;
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: this.queryTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'chat-server',
    });
    // An idle connection that dies (server restart, network cut) is dropped by the pool, which then
    // emits 'error': without a listener that would crash the process.
    pool.on('error', (err) => options.onError?.(err));
    this.pool = pool;
    try {
      await this.withClient(setUp);
    } catch (err) {
      this.pool = null;
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  /** Runs an operation, counted as in flight until it settles; refused once close() was called. */
  track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing || !this.pool) return Promise.reject(new Error('the PostgreSQL store is not open'));
    const promise = work();
    this.inflight.add(promise);
    const done = () => this.inflight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  async query<R extends QueryResultRow>(text: string, values: unknown[] = [], queryTimeout?: number): Promise<pg.QueryResult<R>> {
    const pool = this.pool;
    return this.track(() => (pool as pg.Pool).query<R>({ text, values, ...(queryTimeout ? { query_timeout: queryTimeout } : {}) }));
  }

  async rows<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.query<R>(text, values)).rows;
  }

  /**
   * Lends a pooled connection to `fn`. A connection that failed (its socket died, or a statement
   * could not be rolled back) is destroyed instead of going back to the pool.
   */
  async withClient<T>(fn: (client: PoolClient, broken: () => void) => Promise<T>): Promise<T> {
    const client = await (this.pool as pg.Pool).connect();
    let failure: Error | undefined;
    // A checked-out client emits 'error' when its connection dies; unheard, that would crash us.
    const onError = (err: Error) => {
      failure ??= err;
    };
    client.on('error', onError);
    try {
      return await fn(client, () => {
        failure ??= new Error('connection unusable');
      });
    } finally {
      client.off('error', onError);
      client.release(failure);
    }
  }

  /** Runs `fn` in a READ COMMITTED transaction; on any failure it is rolled back and rethrown. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.track(() =>
      this.withClient(async (client, broken) => {
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        try {
          const result = await fn(client);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          // If even ROLLBACK fails the connection is gone, and the server aborts the transaction.
          await client.query('ROLLBACK').catch(() => broken());
          throw err;
        }
      }),
    );
  }

  /** Lets every operation under way finish (or fail), then closes the pool's connections. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      const pool = this.pool;
      this.pool = null;
      await pool?.end();
    })();
    return this.closing;
  }
}
