// The cluster store: PostgreSQL, shared by every node. Same semantics as SqliteStore (ids, token
// hashing and lifetimes, the lobby, duplicate detection, seq never reused); what changes is that
// several processes append at once (pg-messages.ts says how seq stays gapless).
//
// This file opens the pool (pg-database.ts) and the schema and watches writes and health; each
// aggregate's calls go (composed-store.ts) to its file: pg-messages.ts, pg-accounts.ts,
// pg-rooms.ts, pg-sweep.ts, pg-user-rooms.ts.
//
// Nothing here logs but the start and end of a write outage (write-health.ts): message text and
// tokens never reach a log line from these files, and pg's errors carry no query parameters.
import { LOBBY } from '@chat/protocol';
import { ComposedStore } from '../composed-store.js';
import type { Store, StoreLog } from '../store.js';
import { DEFAULT_SESSION_TTL_MS, DEFAULT_TOKEN_TTL_MS, type TokenLifetimes } from '../token-life.js';
import { WriteHealth } from '../write-health.js';
import { withTimeout } from '../../util/timeout.js';
import { fillSkeletons, PgAccounts } from './pg-accounts.js';
import { PgDatabase } from './pg-database.js';
import { PgMessages } from './pg-messages.js';
import { PgRooms } from './pg-rooms.js';
import { migrate } from './pg-schema.js';
import { PgSweep } from './pg-sweep.js';
import { PgUserRooms } from './pg-user-rooms.js';
import { PgPush } from './pg-push.js';
import { PgUploads } from './pg-uploads.js';
import { PgSearch } from './pg-search.js';
import { unsignedFiles, type FileSigner } from '../file-store.js';

/** tokenTtlMs and sessionTtlMs: see token-life.ts. */
export interface PgStoreOptions extends Partial<TokenLifetimes> {
  /** postgres://… (its `options=-c search_path=…` may select a schema). */
  connectionString: string;
  /** Most connections this node opens. Default 10. */
  poolMax?: number;
  /** Waiting for a connection (new or from the pool) fails after this long. Default 5 s. */
  connectTimeoutMs?: number;
  /**
   * A query without an answer fails after this long (a silent network partition would otherwise
   * hang it until TCP gives up). Default 30 s; retention's delete gets ten times as long.
   */
  queryTimeoutMs?: number;
  /** Told about errors of idle connections (the pool has already dropped them). */
  onError?: (err: Error) => void;
  /** Told when writes start failing (disk full, read-only) and when they work again. */
  log?: StoreLog;
  /** Signs the URLs of MESSAGE.files (files/file-links.ts); default unsignedFiles. */
  signFile?: FileSigner;
}

/** ping() rejects after this long: /healthz must answer promptly during an outage. */
const PING_TIMEOUT_MS = 2000;

/**
 * SQLSTATEs of a write refused for a reason outside the request, which store/write-health.ts then
 * reports: the server's disk is full, an I/O error, or the database is read-only (a standby after
 * a failover). A connection that died is not one of them: ping's SELECT 1 already fails then.
 */
const WRITE_FAILURES = new Map([
  ['53100', 'disk_full'],
  ['58030', 'io_error'],
  ['25006', 'read_only_sql_transaction'],
]);

function writeFailure(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  const name = typeof code === 'string' ? WRITE_FAILURES.get(code) : undefined;
  return name === undefined ? null : `${code as string} ${name}`;
}

export class PgStore extends ComposedStore implements Store {
  private readonly db: PgDatabase;
  private readonly writes: WriteHealth;

  constructor(options: PgStoreOptions) {
    super();
    this.db = new PgDatabase(options);
    this.writes = new WriteHealth({ log: options.log, classify: writeFailure, probe: () => this.probeWrite() });
    this.compose({
      messages: new PgMessages(this.db, this.writes, options.signFile ?? unsignedFiles),
      files: new PgUploads(this.db),
      search: new PgSearch(this.db, options.signFile ?? unsignedFiles),
      accounts: new PgAccounts(this.db, {
        tokenTtlMs: options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
        sessionTtlMs: options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
      }),
      rooms: new PgRooms(this.db),
      sweep: new PgSweep(this.db),
      userRooms: new PgUserRooms(this.db),
      push: new PgPush(this.db),
    });
  }

  /** Connects, brings the schema up to date (under an advisory lock) and makes sure the lobby exists. */
  async open(): Promise<this> {
    await this.db.open(async (client) => {
      await migrate(client);
      await client.query('INSERT INTO rooms (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [LOBBY, Date.now()]);
      await fillSkeletons(client);
    });
    return this;
  }

  // ---- health and lifecycle ------------------------------------------------------------------

  async ping(): Promise<void> {
    // Bounded as a whole: waiting for a pooled connection counts too.
    await withTimeout(this.db.query('SELECT 1', [], PING_TIMEOUT_MS), PING_TIMEOUT_MS, 'PostgreSQL ping');
    await withTimeout(this.writes.check(), PING_TIMEOUT_MS, 'PostgreSQL write probe');
  }

  /**
   * The probe of a write outage: a row inserted into messages, where the failed writes went, and
   * rolled back. PostgreSQL writes the row (and its WAL record) before the rollback, so this needs
   * the same space a message does; seq -1 is never a real message's.
   */
  private probeWrite(): Promise<void> {
    return this.db.track(() =>
      this.db.withClient(async (client, broken) => {
        await client.query('BEGIN');
        try {
          await client.query(
            `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
             SELECT id, -1, '', '', '', '', 0 FROM rooms WHERE name = $1`,
            [LOBBY],
          );
        } finally {
          await client.query('ROLLBACK').catch(() => broken());
        }
      }),
    );
  }

  /** Lets every operation under way finish (or fail), then closes the pool's connections. */
  close(): Promise<void> {
    return this.db.close();
  }
}
