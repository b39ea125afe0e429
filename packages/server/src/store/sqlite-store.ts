// The embedded default store: one SQLite file in WAL mode with synchronous=FULL, so a committed
// transaction is on disk before appendMessages resolves. better-sqlite3 is synchronous; the async
// interface is kept so the hub can run against PostgreSQL unchanged (issue 7).
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChatMessage, User } from '@chat/protocol';
import { LOBBY } from '@chat/protocol';
import type {
  AbandonedRoomScan,
  AccountRecord,
  AppendResult,
  IssuedIdentity,
  MaintainableStore,
  MessagePage,
  NewMessage,
  RoomInfo,
  RoomKind,
  RoomListQuery,
  RoomPage,
  RoomRole,
  StoreLog,
  TokenIdentity,
  TokenInfo,
  TokenSweep,
} from './store.js';
import { backupInto } from './sqlite-backup.js';
import { checkIntegrity, prepareDatabaseFile, preparePrivateDir } from './sqlite-files.js';
import { nickSkeletons, usernameSkeleton } from '../auth/nick-skeleton.js';
import { MIGRATIONS } from './sqlite-schema.js';
import { WriteHealth } from './write-health.js';

export interface SqliteStoreOptions {
  /** Directory holding chat.db (created 0700 if missing; sqlite-files.ts). */
  dir: string;
  /** Guest restore tokens expire after this long unused (sliding). Default 90 days. */
  tokenTtlMs?: number;
  /** Account sessions expire after this long unused (sliding). Default 30 days. */
  sessionTtlMs?: number;
  log?: StoreLog;
}

const DAY_MS = 24 * 60 * 60 * 1000;

interface MessageRow {
  id: number;
  seq: number;
  user_id: string;
  nick: string;
  client_id: string;
  text: string;
  ts: number;
  /** 1 when the sender is an account (MESSAGE_COLUMNS). */
  account: number;
}

/**
 * A message's columns, with whether its sender is an account (USER.account) read from users: a
 * subquery by primary key, which leaves the (room_id, seq) plan alone.
 */
const MESSAGE_COLUMNS =
  "m.id, m.seq, m.user_id, m.nick, m.client_id, m.text, m.ts, EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id AND u.kind = 'account') AS account";

/** A user as the protocol shows it: `account: true` for accounts, nothing for guests. */
const toUser = (id: string, nick: string, account: boolean): User => (account ? { id, nick, account: true } : { id, nick });

interface RoomRow {
  id: number;
  last_seq: number;
}

interface RoomInfoRow {
  name: string;
  kind: RoomKind;
  owner_id: string | null;
  last_seq: number;
}

const NEVER = Number.MAX_SAFE_INTEGER;
/** Bearer tokens record their last use at most this often (a write per connection is an fsync). */
const LAST_USED_EVERY_MS = 60 * 60 * 1000;
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

/** abandonedRooms: a public room that never had a message, made before :cutoff, holding nothing. */
const ABANDONED = `r.kind = 'public' AND r.last_seq = 0 AND r.created_at < :cutoff AND r.name <> '${LOBBY}'
  AND NOT EXISTS (SELECT 1 FROM room_roles x WHERE x.room_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM room_bans x WHERE x.room_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM room_mutes x WHERE x.room_id = r.id)`;

const toRoomInfo = (row: RoomInfoRow): RoomInfo => ({ name: row.name, kind: row.kind, ownerId: row.owner_id, lastSeq: row.last_seq });
const newId = (): string => randomBytes(9).toString('base64url');

const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

function toMessage(room: string, row: MessageRow): ChatMessage {
  return {
    type: 'message',
    room,
    seq: row.seq,
    id: String(row.id),
    clientId: row.client_id,
    from: toUser(row.user_id, row.nick, row.account === 1),
    text: row.text,
    ts: row.ts,
  };
}

export class SqliteStore implements MaintainableStore {
  private db!: Database.Database;
  private readonly tokenTtlMs: number;
  private readonly sessionTtlMs: number;
  private statements!: ReturnType<SqliteStore['prepare']>;
  private appendTx!: (batch: NewMessage[]) => AppendResult[];
  private guestTx!: (user: User, tokenHash: Buffer, tokenId: string, now: number) => void;
  private sweepTokensTx!: (now: number, limit: number) => TokenSweep;
  private deleteAbandonedTx!: (rooms: string[], cutoff: number) => string[];
  private readonly writes: WriteHealth;

  constructor(private readonly options: SqliteStoreOptions) {
    this.tokenTtlMs = options.tokenTtlMs ?? 90 * DAY_MS;
    this.sessionTtlMs = options.sessionTtlMs ?? 30 * DAY_MS;
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
    const path = join(this.options.dir, 'chat.db');
    preparePrivateDir(this.options.dir, path, this.options.log);
    prepareDatabaseFile(path, this.options.log);
    const db = new Database(path);
    try {
      this.configure(db);
      checkIntegrity(db, path);
      this.db = db;
      this.migrate();
    } catch (err) {
      db.close();
      throw err;
    }
    this.statements = this.prepare();
    this.appendTx = db.transaction((batch: NewMessage[]) => this.appendInTransaction(batch));
    this.guestTx = db.transaction((user: User, tokenHash: Buffer, tokenId: string, now: number) => {
      this.statements.createUser.run(user.id, user.nick, 'guest', now);
      this.statements.createToken.run(tokenHash, user.id, 'guest', now, now + this.tokenTtlMs, tokenId, null);
    });
    this.sweepTokensTx = db.transaction((now: number, limit: number) => {
      const owners = this.statements.deleteExpiredTokens.all(now, limit);
      let guests = 0;
      for (const userId of new Set(owners.map((o) => o.user_id))) guests += this.statements.deleteTokenlessGuest.run(userId, userId).changes;
      return { tokens: owners.length, guests };
    });
    this.deleteAbandonedTx = db.transaction((rooms: string[], cutoff: number) =>
      rooms.filter((name) => this.statements.deleteAbandonedRoom.run({ name, cutoff }).changes === 1),
    );
    return this;
  }

  private configure(db: Database.Database): void {
    db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so an acknowledged message survives power loss.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
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
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[version] as string);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
    }
    this.db.prepare('INSERT OR IGNORE INTO rooms (name, created_at) VALUES (?, ?)').run(LOBBY, Date.now());
    this.fillSkeletons();
  }

  /**
   * Accounts without a skeleton (made before migration 4) get theirs: computed here, as SQL cannot.
   * Idempotent, and quick when there is nothing to do (the partial index holds accounts only).
   */
  private fillSkeletons(): void {
    const missing = this.db
      .prepare<[], { id: string; username: string }>("SELECT id, username FROM users WHERE kind = 'account' AND skeleton IS NULL")
      .all();
    if (missing.length === 0) return;
    const set = this.db.prepare<[string, string]>('UPDATE users SET skeleton = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const { id, username } of missing) set.run(usernameSkeleton(username), id);
    })();
  }

  private prepare() {
    const db = this.db;
    return {
      room: db.prepare<[string], RoomRow>('SELECT id, last_seq FROM rooms WHERE name = ?'),
      createRoom: db.prepare<[string, number], RoomRow>(
        'INSERT INTO rooms (name, created_at) VALUES (?, ?) RETURNING id, last_seq',
      ),
      setLastSeq: db.prepare<[number, number]>('UPDATE rooms SET last_seq = ? WHERE id = ?'),
      byClientId: db.prepare<[number, string, string], MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room_id = ? AND m.user_id = ? AND m.client_id = ?`,
      ),
      // A duplicate (room, user, client id) inserts nothing (changes = 0): one index probe, not a
      // lookup before every insert.
      insert: db.prepare<[number, number, string, string, string, string, number]>(
        `INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (room_id, user_id, client_id) DO NOTHING`,
      ),
      before: db.prepare<[number, number, number], MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
      ),
      after: db.prepare<[number, number, number], MessageRow>(
        `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.room_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?`,
      ),
      createUser: db.prepare<[string, string, string, number]>(
        'INSERT INTO users (id, nick, kind, created_at) VALUES (?, ?, ?, ?)',
      ),
      createToken: db.prepare<[Buffer, string, string, number, number, string, string | null]>(
        'INSERT INTO tokens (hash, user_id, kind, created_at, expires_at, id, name) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      identityByToken: db.prepare<
        [Buffer, number],
        { id: string; nick: string; user_kind: string; kind: string; token_id: string | null; expires_at: number; last_used_at: number | null }
      >(
        `SELECT u.id, u.nick, u.kind AS user_kind, t.kind, t.id AS token_id, t.expires_at, t.last_used_at
         FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ? AND t.expires_at > ?`,
      ),
      extendToken: db.prepare<[number, Buffer]>('UPDATE tokens SET expires_at = ? WHERE hash = ?'),
      touchToken: db.prepare<[number, Buffer]>('UPDATE tokens SET last_used_at = ? WHERE hash = ?'),
      revokeToken: db.prepare<[Buffer]>('DELETE FROM tokens WHERE hash = ?'),
      revokeTokenById: db.prepare<[string, string]>("DELETE FROM tokens WHERE id = ? AND user_id = ? AND kind = 'bearer'"),
      listTokens: db.prepare<[string], { id: string; name: string | null; created_at: number; last_used_at: number | null }>(
        "SELECT id, name, created_at, last_used_at FROM tokens WHERE user_id = ? AND kind = 'bearer' ORDER BY created_at, id",
      ),
      createAccount: db.prepare<[string, string, string, string, string, number, number]>(
        `INSERT INTO users (id, nick, username, skeleton, password_hash, kind, created_at, operator_admin) VALUES (?, ?, ?, ?, ?, 'account', ?, ?)
         ON CONFLICT (username) DO NOTHING`,
      ),
      // username = ?: an exact match needs no skeleton (and finds an account whose skeleton is not
      // filled in yet).
      lookalikeAccount: db.prepare<[string, string, string], { id: string; nick: string }>(
        "SELECT id, nick FROM users WHERE kind = 'account' AND (skeleton IN (?, ?) OR username = ?) LIMIT 1",
      ),
      accountByUsername: db.prepare<[string], { id: string; nick: string; password_hash: string; operator_admin: number }>(
        "SELECT id, nick, password_hash, operator_admin FROM users WHERE username = ? AND kind = 'account'",
      ),
      setPasswordHash: db.prepare<[string, string]>('UPDATE users SET password_hash = ? WHERE id = ?'),
      resetAccount: db.prepare<[string, number, string]>(
        "UPDATE users SET password_hash = ?, operator_admin = ? WHERE id = ? AND kind = 'account'",
      ),
      revokeAllTokens: db.prepare<[string]>('DELETE FROM tokens WHERE user_id = ?'),
      userById: db.prepare<[string], { id: string; nick: string; kind: string }>('SELECT id, nick, kind FROM users WHERE id = ?'),
      roomInfo: db.prepare<[string], RoomInfoRow>('SELECT name, kind, owner_id, last_seq FROM rooms WHERE name = ?'),
      createRoomOfKind: db.prepare<[string, RoomKind, number, string | null, number]>(
        'INSERT INTO rooms (name, kind, private, owner_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
      ),
      roleOf: db.prepare<[string, string], { role: RoomRole }>(
        'SELECT rr.role FROM room_roles rr JOIN rooms r ON r.id = rr.room_id WHERE r.name = ? AND rr.user_id = ?',
      ),
      setRole: db.prepare<[string, RoomRole, string]>(
        `INSERT INTO room_roles (room_id, user_id, role) SELECT id, ?, ? FROM rooms WHERE name = ?
         ON CONFLICT (room_id, user_id) DO UPDATE SET role = excluded.role`,
      ),
      ban: db.prepare<[string, number, string]>(
        'INSERT INTO room_bans (room_id, user_id, created_at) SELECT id, ?, ? FROM rooms WHERE name = ? ON CONFLICT DO NOTHING',
      ),
      dropRole: db.prepare<[string, string]>('DELETE FROM room_roles WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND user_id = ?'),
      unban: db.prepare<[string, string]>('DELETE FROM room_bans WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND user_id = ?'),
      isBanned: db.prepare<[string, string], { one: number }>(
        'SELECT 1 AS one FROM room_bans WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND user_id = ?',
      ),
      mute: db.prepare<[string, number, string]>(
        `INSERT INTO room_mutes (room_id, user_id, until) SELECT id, ?, ? FROM rooms WHERE name = ?
         ON CONFLICT (room_id, user_id) DO UPDATE SET until = excluded.until`,
      ),
      mutedUntil: db.prepare<[string, string], { until: number }>(
        'SELECT until FROM room_mutes WHERE room_id = (SELECT id FROM rooms WHERE name = ?) AND user_id = ?',
      ),
      deleteMessagesOf: db.prepare<[number]>('DELETE FROM messages WHERE room_id = ?'),
      deleteRoom: db.prepare<[number]>('DELETE FROM rooms WHERE id = ?'),
      // Walks the name index from `after` and stops at limit + 1 rooms seen. Named parameters:
      // user, after, contains (null: any name), limit.
      listRooms: db.prepare<[{ user: string; after: string; contains: string | null; limit: number }], RoomInfoRow>(
        `SELECT r.name, r.kind, r.owner_id, r.last_seq FROM rooms r
         WHERE r.name > :after
           AND (:contains IS NULL OR instr(lower(r.name), :contains) > 0)
           AND (r.kind = 'public' OR EXISTS (SELECT 1 FROM room_roles rr WHERE rr.room_id = r.id AND rr.user_id = :user))
           AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = :user)
         ORDER BY r.name LIMIT :limit`,
      ),
      listPublicRooms: db.prepare<[{ user: string; after: string; contains: string | null; limit: number }], RoomInfoRow>(
        `SELECT r.name, r.kind, r.owner_id, r.last_seq FROM rooms r
         WHERE r.name > :after AND r.kind = 'public'
           AND (:contains IS NULL OR instr(lower(r.name), :contains) > 0)
           AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = :user)
         ORDER BY r.name LIMIT :limit`,
      ),
      // From the user's roles (an index on user_id), not a walk over every public room.
      listPrivateRooms: db.prepare<[{ user: string; after: string; contains: string | null; limit: number }], RoomInfoRow>(
        `SELECT r.name, r.kind, r.owner_id, r.last_seq FROM room_roles rr JOIN rooms r ON r.id = rr.room_id
         WHERE rr.user_id = :user AND r.kind <> 'public' AND r.name > :after
           AND (:contains IS NULL OR instr(lower(r.name), :contains) > 0)
           AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = :user)
         ORDER BY r.name LIMIT :limit`,
      ),
      rename: db.prepare<[string, string]>('UPDATE users SET nick = ? WHERE id = ?'),
      // Oldest expiry first, through tokens_expires (migration 4).
      deleteExpiredTokens: db.prepare<[number, number], { user_id: string }>(
        'DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE expires_at <= ? ORDER BY expires_at LIMIT ?) RETURNING user_id',
      ),
      deleteTokenlessGuest: db.prepare<[string, string]>(
        "DELETE FROM users WHERE id = ? AND kind = 'guest' AND NOT EXISTS (SELECT 1 FROM tokens WHERE user_id = ?)",
      ),
      // One step of the scan: `scan` rooms from the name index, each marked abandoned or not.
      scanRooms: db.prepare<[{ after: string; scan: number; cutoff: number }], { name: string; abandoned: number }>(
        `SELECT r.name, (${ABANDONED}) AS abandoned FROM rooms r WHERE r.name > :after ORDER BY r.name LIMIT :scan`,
      ),
      deleteAbandonedRoom: db.prepare<[{ name: string; cutoff: number }]>(`DELETE FROM rooms AS r WHERE r.name = :name AND ${ABANDONED}`),
      prune: db.prepare<[number]>('DELETE FROM messages WHERE ts < ?'),
      ping: db.prepare('SELECT 1'),
    };
  }

  private roomRow(name: string): RoomRow | undefined {
    return this.statements.room.get(name);
  }

  private appendInTransaction(batch: NewMessage[]): AppendResult[] {
    const { byClientId, insert, setLastSeq, createRoom } = this.statements;
    const rooms = new Map<string, RoomRow>();
    const ts = Date.now();
    const results: AppendResult[] = [];
    for (const m of batch) {
      let room = rooms.get(m.room);
      if (!room) {
        room = this.roomRow(m.room) ?? (createRoom.get(m.room, ts) as RoomRow);
        room = { ...room };
        rooms.set(m.room, room);
      }
      const seq = room.last_seq + 1;
      const { changes, lastInsertRowid } = insert.run(room.id, seq, m.from.id, m.from.nick, m.clientId, m.text, ts);
      if (changes === 0) {
        const existing = byClientId.get(room.id, m.from.id, m.clientId) as MessageRow;
        results.push({ message: toMessage(m.room, existing), duplicate: true });
        continue;
      }
      room.last_seq = seq;
      results.push({
        message: { type: 'message', room: m.room, seq, id: String(lastInsertRowid), clientId: m.clientId, from: m.from, text: m.text, ts },
        duplicate: false,
      });
    }
    for (const room of rooms.values()) setLastSeq.run(room.last_seq, room.id);
    return results;
  }

  async appendMessages(batch: NewMessage[]): Promise<AppendResult[]> {
    if (batch.length === 0) return [];
    return this.writes.writeSync(() => this.appendTx(batch));
  }

  async ensureRoom(room: string): Promise<number> {
    const row = this.roomRow(room) ?? this.statements.createRoom.get(room, Date.now());
    return (row as RoomRow).last_seq;
  }

  async lastSeq(room: string): Promise<number | null> {
    return this.roomRow(room)?.last_seq ?? null;
  }

  async messagesBefore(room: string, before: number | undefined, limit: number): Promise<MessagePage> {
    const row = this.roomRow(room);
    if (!row || limit < 0) return { messages: [], hasMore: false };
    const rows = this.statements.before.all(row.id, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const hasMore = rows.length > limit;
    if (hasMore) rows.pop();
    return { messages: rows.reverse().map((r) => toMessage(room, r)), hasMore };
  }

  async messagesAfter(room: string, after: number, limit: number): Promise<MessagePage> {
    const row = this.roomRow(room);
    if (!row || limit < 0) return { messages: [], hasMore: false };
    const rows = this.statements.after.all(row.id, after, limit + 1);
    const hasMore = rows.length > limit;
    if (hasMore) rows.pop();
    return { messages: rows.map((r) => toMessage(room, r)), hasMore };
  }

  async createGuest(nick: string): Promise<IssuedIdentity> {
    // One draw from the CSPRNG for the user id, the token and the token's public id.
    const random = randomBytes(53);
    const user: User = { id: random.toString('base64url', 0, 12), nick };
    const token = random.toString('base64url', 12, 44);
    const tokenId = random.toString('base64url', 44, 53);
    const now = Date.now();
    // Committed without its own fsync: a burst of first connections would otherwise cost one fsync
    // each (5000 connects: about 30 % of the server's time). The row is in the WAL file when this
    // returns, so it survives kill -9; only a power loss before the next fsynced commit can lose
    // it, and then the guest simply gets a new identity. Any message the guest sends is fsynced
    // after it, in WAL order, so no stored message ever names a lost guest.
    this.db.pragma('synchronous = NORMAL');
    try {
      this.guestTx(user, hashToken(token), tokenId, now);
    } finally {
      this.db.pragma('synchronous = FULL');
    }
    return { user, token };
  }

  async identityByToken(token: string): Promise<TokenIdentity | null> {
    const hash = hashToken(token);
    const now = Date.now();
    const row = this.statements.identityByToken.get(hash, now);
    if (!row) return null;
    if (row.expires_at !== NEVER) {
      // Slide the expiry, but write at most about once a day per token: a reconnect storm should
      // not cost one fsync per connection.
      const ttl = row.kind === 'session' ? this.sessionTtlMs : this.tokenTtlMs;
      // Write at most about once a day, or once per tenth of a short lifetime.
      if (row.expires_at - now < ttl - Math.min(DAY_MS, ttl / 10)) this.statements.extendToken.run(now + ttl, hash);
    } else if (row.last_used_at === null || now - row.last_used_at > LAST_USED_EVERY_MS) {
      this.statements.touchToken.run(now, hash);
    }
    const account = row.user_kind === 'account';
    return { user: toUser(row.id, row.nick, account), account, kind: row.kind as TokenIdentity['kind'], tokenId: row.token_id ?? '' };
  }

  async createAccount(username: string, passwordHash: string, options: { operatorAdmin?: boolean } = {}): Promise<User | null> {
    const user: User = { id: randomBytes(12).toString('base64url'), nick: username, account: true };
    const { changes } = this.statements.createAccount.run(user.id, username, username, usernameSkeleton(username), passwordHash, Date.now(), options.operatorAdmin ? 1 : 0);
    return changes === 1 ? user : null;
  }

  async accountByUsername(username: string): Promise<AccountRecord | null> {
    const row = this.statements.accountByUsername.get(username);
    return row ? { user: toUser(row.id, row.nick, true), passwordHash: row.password_hash, operatorAdmin: row.operator_admin === 1 } : null;
  }

  async lookalikeAccount(nick: string): Promise<User | null> {
    const [first, second = first] = nickSkeletons(nick) as [string, string?];
    const row = this.statements.lookalikeAccount.get(first, second, nick.normalize('NFKC').toLowerCase());
    return row ? toUser(row.id, row.nick, true) : null;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    this.statements.setPasswordHash.run(passwordHash, userId);
  }

  async resetAccount(userId: string, changes: { passwordHash: string; operatorAdmin: boolean }): Promise<number> {
    return this.db.transaction(() => {
      const updated = this.statements.resetAccount.run(changes.passwordHash, changes.operatorAdmin ? 1 : 0, userId).changes;
      return updated === 0 ? 0 : this.statements.revokeAllTokens.run(userId).changes;
    })();
  }

  async userById(userId: string): Promise<User | null> {
    const row = this.statements.userById.get(userId);
    return row ? toUser(row.id, row.nick, row.kind === 'account') : null;
  }

  async issueToken(userId: string, kind: 'session' | 'bearer', options: { name?: string } = {}): Promise<{ token: string; id: string }> {
    const token = randomBytes(32).toString('base64url');
    const id = newId();
    const now = Date.now();
    const expires = kind === 'bearer' ? NEVER : now + this.sessionTtlMs;
    this.statements.createToken.run(hashToken(token), userId, kind, now, expires, id, options.name ?? null);
    return { token, id };
  }

  async revokeToken(token: string): Promise<void> {
    this.statements.revokeToken.run(hashToken(token));
  }

  async revokeTokenById(userId: string, tokenId: string): Promise<boolean> {
    return this.statements.revokeTokenById.run(tokenId, userId).changes === 1;
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    return this.statements.listTokens.all(userId).map((r) => ({ id: r.id, name: r.name ?? '', createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  async roomInfo(room: string): Promise<RoomInfo | null> {
    const row = this.statements.roomInfo.get(room);
    return row ? toRoomInfo(row) : null;
  }

  async createRoom(room: string, kind: RoomKind, ownerId: string | null): Promise<boolean> {
    return this.db.transaction(() => {
      const { changes } = this.statements.createRoomOfKind.run(room, kind, kind === 'public' ? 0 : 1, ownerId, Date.now());
      if (changes === 1 && ownerId !== null) this.statements.setRole.run(ownerId, 'owner', room);
      return changes === 1;
    })();
  }

  async roleOf(room: string, userId: string): Promise<RoomRole | null> {
    return this.statements.roleOf.get(room, userId)?.role ?? null;
  }

  async setRole(room: string, userId: string, role: RoomRole): Promise<void> {
    this.statements.setRole.run(userId, role, room);
  }

  async ban(room: string, userId: string): Promise<void> {
    this.db.transaction(() => {
      this.statements.ban.run(userId, Date.now(), room);
      this.statements.dropRole.run(room, userId);
    })();
  }

  async unban(room: string, userId: string): Promise<void> {
    this.statements.unban.run(room, userId);
  }

  async isBanned(room: string, userId: string): Promise<boolean> {
    return this.statements.isBanned.get(room, userId) !== undefined;
  }

  async mute(room: string, userId: string, until: number): Promise<void> {
    this.statements.mute.run(userId, until, room);
  }

  async mutedUntil(room: string, userId: string): Promise<number> {
    const until = this.statements.mutedUntil.get(room, userId)?.until ?? 0;
    return until > Date.now() ? until : 0;
  }

  async deleteRoom(room: string): Promise<boolean> {
    return this.db.transaction(() => {
      const row = this.roomRow(room);
      if (!row) return false;
      // Roles, bans and mutes go with the room (ON DELETE CASCADE); messages reference it plainly.
      this.statements.deleteMessagesOf.run(row.id);
      this.statements.deleteRoom.run(row.id);
      return true;
    })();
  }

  async listRooms(userId: string | null, query: RoomListQuery): Promise<RoomPage> {
    const { listRooms, listPublicRooms, listPrivateRooms } = this.statements;
    const statement = query.private === undefined ? listRooms : query.private ? listPrivateRooms : listPublicRooms;
    // '' sorts before every name; no user has the id '' (ids are random), so null sees public rooms.
    const rows = statement.all({
      user: userId ?? '',
      after: query.after ?? '',
      contains: query.nameContains === undefined ? null : query.nameContains.toLowerCase(),
      limit: query.limit + 1,
    });
    const hasMore = rows.length > query.limit;
    if (hasMore) rows.pop();
    return { rooms: rows.map(toRoomInfo), hasMore };
  }

  async renameUser(userId: string, nick: string): Promise<void> {
    this.statements.rename.run(nick, userId);
  }

  async sweepExpiredTokens(now: number, limit: number): Promise<TokenSweep> {
    return this.sweepTokensTx(now, limit);
  }

  async abandonedRooms(createdBefore: number, after: string | null, scan: number): Promise<AbandonedRoomScan> {
    const rows = this.statements.scanRooms.all({ after: after ?? '', scan, cutoff: createdBefore });
    return {
      rooms: rows.filter((r) => r.abandoned === 1).map((r) => r.name),
      next: rows.length === scan ? (rows[rows.length - 1]?.name ?? null) : null,
    };
  }

  async deleteAbandonedRooms(rooms: string[], createdBefore: number): Promise<string[]> {
    // One transaction: SQLite runs it whole, so nothing (an append, a role) can come in between
    // the check and the delete. Roles, bans and mutes would cascade; there are none to cascade.
    return rooms.length === 0 ? [] : this.deleteAbandonedTx(rooms, createdBefore);
  }

  async pruneMessagesBefore(ts: number): Promise<number> {
    return this.statements.prune.run(ts).changes;
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
    this.statements.ping.get();
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

  async close(): Promise<void> {
    if (this.db?.open) this.db.close();
  }
}
