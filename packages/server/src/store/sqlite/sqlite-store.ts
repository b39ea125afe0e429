// The embedded default store: one SQLite file in WAL mode with synchronous=FULL, so a committed
// transaction is on disk before appendMessages resolves. better-sqlite3 is synchronous; the async
// interface is kept so the hub can run against PostgreSQL unchanged.
//
// This file opens the database (its files, pragmas and migrations) and watches its writes; each
// aggregate's calls go (composed-store.ts) to the file that holds its statements:
// sqlite-messages.ts, sqlite-accounts.ts, sqlite-rooms.ts, sqlite-sweep.ts, sqlite-user-rooms.ts.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LOBBY } from '@chat/protocol';
import { ComposedStore } from '../composed-store.js';
import type { MaintainableStore, StoreLog } from '../store.js';
import { DEFAULT_SESSION_TTL_MS, DEFAULT_TOKEN_TTL_MS, type TokenLifetimes } from '../token-life.js';
import { WriteHealth } from '../write-health.js';
import { fillSkeletons, SqliteAccounts } from './sqlite-accounts.js';
import { backupInto } from './sqlite-backup.js';
import { checkIntegrity, markCleanClose, prepareDatabaseFile, preparePrivateDir, takeCleanClose } from './sqlite-files.js';
import { SqliteMessages } from './sqlite-messages.js';
import { SqliteRooms } from './sqlite-rooms.js';
import { MIGRATIONS } from './sqlite-schema.js';
import { SqliteSweep } from './sqlite-sweep.js';
import { SqliteSearch } from './sqlite-search.js';
import { SqliteUploads } from './sqlite-uploads.js';
import { SqlitePush } from './sqlite-push.js';
import { SqliteUserRooms } from './sqlite-user-rooms.js';
import { unsignedFiles, type FileSigner } from '../file-store.js';
import { writeTransaction } from './sqlite-transaction.js';

/** tokenTtlMs and sessionTtlMs: see token-life.ts. */
export interface SqliteStoreOptions extends Partial<TokenLifetimes> {
  /** Directory holding chat.db (created 0700 if missing; sqlite-files.ts). */
  dir: string;
  log?: StoreLog;
  /** Signs the URLs of MESSAGE.files (files/file-links.ts); default unsignedFiles. */
  signFile?: FileSigner;
}

/** WAL pages between automatic checkpoints, and the size the WAL file is trimmed back to (see open). */
const WAL_CHECKPOINT_PAGES = 10_000;
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/** How long a statement waits for another connection's lock (a backup, a migrate) before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * A write that failed for want of space or of a working disk (better-sqlite3 gives the extended
 * code, e.g. SQLITE_IOERR_WRITE): store/write-health.ts then reports the outage.
 */
function writeFailure(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(FULL|IOERR|READONLY)/.test(code) ? code : null;
}

export class SqliteStore extends ComposedStore implements MaintainableStore {
  private db!: Database.Database;
  private readonly tokenTtlMs: number;
  private readonly sessionTtlMs: number;
  private pingStatement!: Database.Statement;
  private searchIndex!: SqliteSearch;
  private readonly writes: WriteHealth;

  /** DIR/chat.db. */
  private readonly path: string;

  /** Whether open() ran the integrity check (it skips it after a clean close: sqlite-files.ts). */
  integrityChecked = false;

  constructor(private readonly options: SqliteStoreOptions) {
    super();
    this.path = join(options.dir, 'chat.db');
    this.tokenTtlMs = options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
    this.sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
    this.writes = new WriteHealth({
      log: options.log,
      classify: writeFailure,
      probe: async () => this.probeWrite(),
      relieve: () => this.relieveWal(),
    });
  }

  /**
   * Opens (creating if needed) DIR/chat.db, checks it (sqlite-files.ts: an empty or damaged file
   * is refused with a DatabaseFileError) and brings its schema up to date.
   */
  async open(): Promise<this> {
    const path = this.path;
    preparePrivateDir(this.options.dir, path, this.options.log);
    prepareDatabaseFile(path, this.options.log);
    const closedCleanly = takeCleanClose(path);
    this.integrityChecked = !closedCleanly;
    const db = new Database(path);
    try {
      this.configure(db);
      if (!closedCleanly) checkIntegrity(db, path);
      this.db = db;
      this.migrate();
    } catch (err) {
      db.close();
      throw err;
    }
    const uploads = new SqliteUploads(db);
    const sign = this.options.signFile ?? unsignedFiles;
    const search = (this.searchIndex = new SqliteSearch(db, sign));
    this.compose({
      messages: new SqliteMessages(db, this.writes, uploads, search, sign),
      files: uploads,
      search,
      accounts: new SqliteAccounts(db, { tokenTtlMs: this.tokenTtlMs, sessionTtlMs: this.sessionTtlMs }),
      rooms: new SqliteRooms(db, uploads, search),
      sweep: new SqliteSweep(db),
      userRooms: new SqliteUserRooms(db),
      push: new SqlitePush(db),
    });
    this.pingStatement = db.prepare('SELECT 1');
    return this;
  }

  private configure(db: Database.Database): void {
    // Case-insensitive beyond ASCII (SQLite's lower() folds A-Z only): `@Émile` mentions émile,
    // `from:Émile` finds her messages.
    db.function('unicode_lower', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? text.toLowerCase() : text));
    db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so an acknowledged message survives power loss.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // A redaction erases (docs/protocol.md, The room log): deleted and overwritten content is
    // zeroed in the database file rather than left in free space. The WAL's copies of old pages go
    // at the next checkpoint, at the latest when the last connection closes (close()).
    db.pragma('secure_delete = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Checkpoint every 10000 WAL pages (about 40 MiB), not SQLite's 1000: a busy server re-dirties
    // the same index pages commit after commit, and each checkpoint writes them back to the
    // database file with two fsyncs. Ten times fewer checkpoints cut the commit's cost by about a
    // quarter (docs/benchmarks.md). journal_size_limit trims the WAL file back after a checkpoint.
    db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    for (let version = current; version < MIGRATIONS.length; version++) {
      writeTransaction(this.db, () => {
        this.db.exec(MIGRATIONS[version] as string);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
    this.db.prepare('INSERT OR IGNORE INTO rooms (name, created_at) VALUES (?, ?)').run(LOBBY, Date.now());
    fillSkeletons(this.db);
  }

  async backup(file: string): Promise<void> {
    backupInto(this.db, file);
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** The durability settings in force on the store's connection (for tests and diagnostics). */
  durability(): { journalMode: string; synchronous: number } {
    return {
      journalMode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.db.pragma('synchronous', { simple: true }) as number,
    };
  }

  async ping(): Promise<void> {
    this.pingStatement.get();
    await this.writes.check();
  }

  /** The probe of an outage (write-health.ts): the schema version written over itself, one fsynced page. */
  private probeWrite(): void {
    this.db.pragma(`user_version = ${this.schemaVersion()}`);
  }

  /**
   * When writes fail: checkpoint the WAL into the database and truncate it to 0 bytes, giving its
   * space back. Otherwise the WAL keeps the size it grew to (up to WAL_CHECKPOINT_PAGES) until the
   * next automatic checkpoint, which only a successful commit triggers, and space freed on the disk
   * is eaten again by it. busy_timeout 0: a reader on an old snapshot (a backup running) makes it
   * give up at once, not block the event loop; it is tried again at the next probe.
   */
  private relieveWal(): void {
    try {
      this.db.pragma('busy_timeout = 0');
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
    } catch {
      // Still no room to write the pages back into the database file: the next probe tries again.
    }
  }

  /**
   * Closes. The last connection to close checkpoints the WAL into the database and removes it
   * (SQLite does this itself), so after a clean shutdown no page image of an erased text stays in
   * a WAL file. No checkpoint is forced here: `chat-server backup` closes its store while the
   * server writes, and a forced one there made the server's commits fail.
   */
  async close(): Promise<void> {
    if (!this.db?.open) return;
    // Failing here must not keep the database open: the erasure is then done at the next close.
    try {
      this.searchIndex.eraseLeftovers();
    } catch (err) {
      this.options.log?.error({ err }, 'search index: could not rewrite it after deletions');
    }
    this.db.close();
    markCleanClose(this.path);
  }
}
