// The cluster store (issue 7): PostgreSQL, shared by every node. Same semantics as SqliteStore
// (ids, token hashing and lifetimes, the lobby, duplicate detection, seq never reused); what
// changes is that several processes append at once, so each room's seq is assigned inside the
// storing transaction under a lock on the room's row, and rooms are locked in name order so two
// batches touching the same rooms never deadlock.
//
// Nothing here logs but the start and end of a write outage (write-health.ts): message text and
// tokens never reach a log line from this file, and pg's errors carry no query parameters.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import type { ChatMessage, User } from '@chat/protocol';
import { LOBBY } from '@chat/protocol';
import type {
  AbandonedRoomScan,
  AccountRecord,
  AppendResult,
  IssuedIdentity,
  MessagePage,
  NewMessage,
  RoomInfo,
  RoomKind,
  RoomListQuery,
  RoomPage,
  RoomRole,
  Store,
  StoreLog,
  TokenIdentity,
  TokenInfo,
  TokenSweep,
} from '../store.js';
import { nickSkeletons, usernameSkeleton } from '../../auth/nick-skeleton.js';
import { migrate } from './pg-schema.js';
import { WriteHealth } from '../write-health.js';
import { withTimeout } from '../../util/timeout.js';

export interface PgStoreOptions {
  /** postgres://… (its `options=-c search_path=…` may select a schema). */
  connectionString: string;
  /** Most connections this node opens. Default 10. */
  poolMax?: number;
  /** Guest restore tokens expire after this long unused (sliding). Default 90 days. */
  tokenTtlMs?: number;
  /** Account sessions expire after this long unused (sliding). Default 30 days. */
  sessionTtlMs?: number;
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
}

const DAY_MS = 24 * 60 * 60 * 1000;
const NEVER = Number.MAX_SAFE_INTEGER;
/** Bearer tokens record their last use at most this often. */
const LAST_USED_EVERY_MS = 60 * 60 * 1000;
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

// pg returns bigint columns as strings (they may exceed 2^53); ours are ms, seqs and row ids, all
// well inside Number's exact range, except message ids, which stay strings as the protocol wants.
type Int8 = string;

interface MessageRow {
  id: Int8;
  seq: Int8;
  user_id: string;
  nick: string;
  client_id: string;
  text: string;
  ts: Int8;
  /** The sender is an account (MESSAGE_COLUMNS). */
  account: boolean;
}

interface RoomInfoRow {
  name: string;
  kind: RoomKind;
  owner_id: string | null;
  last_seq: Int8;
}

/**
 * A message's columns, with whether its sender is an account (USER.account) read from users: a
 * subquery by primary key, which leaves the (room_id, seq) plan alone.
 */
const MESSAGE_COLUMNS =
  "m.id, m.seq, m.user_id, m.nick, m.client_id, m.text, m.ts, EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id AND u.kind = 'account') AS account";

/** A user as the protocol shows it: `account: true` for accounts, nothing for guests. */
const toUser = (id: string, nick: string, account: boolean): User => (account ? { id, nick, account: true } : { id, nick });

/** abandonedRooms: a public room that never had a message, made before $1, holding nothing. */
const ABANDONED = `r.kind = 'public' AND r.last_seq = 0 AND r.created_at < $1 AND r.name <> '${LOBBY}'
  AND NOT EXISTS (SELECT 1 FROM room_roles x WHERE x.room_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM room_bans x WHERE x.room_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM room_mutes x WHERE x.room_id = r.id)`;

const newId = (): string => randomBytes(9).toString('base64url');
const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();
const toRoomInfo = (row: RoomInfoRow): RoomInfo => ({ name: row.name, kind: row.kind, ownerId: row.owner_id, lastSeq: Number(row.last_seq) });

function toMessage(room: string, row: MessageRow): ChatMessage {
  return {
    type: 'message',
    room,
    seq: Number(row.seq),
    id: row.id,
    clientId: row.client_id,
    from: toUser(row.user_id, row.nick, row.account),
    text: row.text,
    ts: Number(row.ts),
  };
}

// PostgreSQL text holds no NUL, and pg encodes an unpaired surrogate as U+FFFD. Both become U+FFFD
// before a message is stored, so that one odd message cannot fail the batch it shares with others,
// and what we return and compare (duplicate keys) is what the database holds.
// eslint-disable-next-line no-control-regex
const NOT_PG_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const pgText = (s: string): string => s.replace(NOT_PG_TEXT, '\ufffd');

function storable(m: NewMessage): NewMessage {
  const text = pgText(m.text);
  const clientId = pgText(m.clientId);
  const nick = pgText(m.from.nick);
  if (text === m.text && clientId === m.clientId && nick === m.from.nick) return m;
  return { ...m, text, clientId, from: nick === m.from.nick ? m.from : { ...m.from, nick } };
}

/**
 * Accounts without a skeleton (made before migration 3, or by a node of the previous release during
 * a rolling upgrade) get theirs: computed here, as SQL cannot. Idempotent; nodes starting together
 * write the same values.
 */
async function fillSkeletons(client: PoolClient): Promise<void> {
  const { rows } = await client.query<{ id: string; username: string }>(
    "SELECT id, username FROM users WHERE kind = 'account' AND skeleton IS NULL",
  );
  if (rows.length === 0) return;
  await client.query(
    'UPDATE users SET skeleton = s.skeleton FROM unnest($1::text[], $2::text[]) AS s(id, skeleton) WHERE users.id = s.id',
    [rows.map((r) => r.id), rows.map((r) => usernameSkeleton(r.username))],
  );
}

export class PgStore implements Store {
  private pool: pg.Pool | null = null;
  private readonly tokenTtlMs: number;
  private readonly sessionTtlMs: number;
  private readonly queryTimeoutMs: number;
  /** Every operation under way, so close() can let them finish. */
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;
  private readonly writes: WriteHealth;

  constructor(private readonly options: PgStoreOptions) {
    this.tokenTtlMs = options.tokenTtlMs ?? 90 * DAY_MS;
    this.sessionTtlMs = options.sessionTtlMs ?? 30 * DAY_MS;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 30_000;
    this.writes = new WriteHealth({ log: options.log, classify: writeFailure, probe: () => this.probeWrite() });
  }

  /** Connects, brings the schema up to date (under an advisory lock) and makes sure the lobby exists. */
  async open(): Promise<this> {
    const pool = new pg.Pool({
      connectionString: this.options.connectionString,
      max: this.options.poolMax ?? 10,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
      query_timeout: this.queryTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'chat-server',
    });
    // An idle connection that dies (server restart, network cut) is dropped by the pool, which then
    // emits 'error': without a listener that would crash the process.
    pool.on('error', (err) => this.options.onError?.(err));
    this.pool = pool;
    try {
      await this.withClient(async (client) => {
        await migrate(client);
        await client.query('INSERT INTO rooms (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [LOBBY, Date.now()]);
        await fillSkeletons(client);
      });
    } catch (err) {
      this.pool = null;
      await pool.end().catch(() => undefined);
      throw err;
    }
    return this;
  }

  // ---- plumbing ------------------------------------------------------------------------------

  /** Runs an operation, counted as in flight until it settles; refused once close() was called. */
  private track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing || !this.pool) return Promise.reject(new Error('the PostgreSQL store is not open'));
    const promise = work();
    this.inflight.add(promise);
    const done = () => this.inflight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  private async query<R extends QueryResultRow>(text: string, values: unknown[] = [], queryTimeout?: number): Promise<pg.QueryResult<R>> {
    const pool = this.pool;
    return this.track(() => (pool as pg.Pool).query<R>({ text, values, ...(queryTimeout ? { query_timeout: queryTimeout } : {}) }));
  }

  private async rows<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return (await this.query<R>(text, values)).rows;
  }

  /**
   * Lends a pooled connection to `fn`. A connection that failed (its socket died, or a statement
   * could not be rolled back) is destroyed instead of going back to the pool.
   */
  private async withClient<T>(fn: (client: PoolClient, broken: () => void) => Promise<T>): Promise<T> {
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
  private transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
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

  // ---- messages ------------------------------------------------------------------------------

  async appendMessages(input: NewMessage[]): Promise<AppendResult[]> {
    if (input.length === 0) return [];
    const batch = input.map(storable);
    return this.writes.write(() => this.transaction(async (client) => {
      const ts = Date.now();
      // 1. Create the missing rooms and lock every room of the batch, in name order (the insert
      //    follows the array's order), so concurrent batches over the same rooms queue up instead
      //    of deadlocking. DO UPDATE … WHERE false locks an existing row without writing it.
      const names = [...new Set(batch.map((m) => m.room))].sort();
      await client.query(
        `INSERT INTO rooms (name, created_at)
         SELECT name, $2 FROM unnest($1::text[]) WITH ORDINALITY AS r(name, ord) ORDER BY ord
         ON CONFLICT (name) DO UPDATE SET last_seq = rooms.last_seq WHERE false`,
        [names, ts],
      );

      // 2. Now that we hold the locks, read each room's last seq and the messages already stored
      //    under the batch's keys. This statement's snapshot is newer than any commit we waited
      //    for, so a concurrent appender's message with the same key is seen here.
      const keys = new Map<string, NewMessage>();
      for (const m of batch) keys.set(JSON.stringify([m.room, m.from.id, m.clientId]), m);
      const keyed = [...keys.values()];
      const { rows } = await client.query<Partial<MessageRow> & { room_id: Int8; room: string; last_seq: Int8 }>(
        `SELECT r.id AS room_id, r.name AS room, r.last_seq, ${MESSAGE_COLUMNS}
         FROM rooms r
         LEFT JOIN LATERAL (
           SELECT m.* FROM unnest($2::text[], $3::text[], $4::text[]) AS k(room, user_id, client_id)
           JOIN messages m ON m.room_id = r.id AND m.user_id = k.user_id AND m.client_id = k.client_id
           WHERE k.room = r.name
         ) m ON true
         WHERE r.name = ANY($1::text[])`,
        [names, keyed.map((m) => m.room), keyed.map((m) => m.from.id), keyed.map((m) => m.clientId)],
      );
      const rooms = new Map<string, { id: Int8; lastSeq: number }>();
      const stored = new Map<string, ChatMessage>();
      for (const row of rows) {
        rooms.set(row.room, { id: row.room_id, lastSeq: Number(row.last_seq) });
        if (row.id != null) stored.set(JSON.stringify([row.room, row.user_id, row.client_id]), toMessage(row.room, row as MessageRow));
      }

      // 3. Number the new messages; a repeat of a key (stored, or earlier in this batch) is a duplicate.
      const results: Array<AppendResult | { fresh: NewMessage; seq: number; roomId: Int8 }> = [];
      const fresh = new Map<string, { fresh: NewMessage; seq: number; roomId: Int8 }>();
      for (const m of batch) {
        const key = JSON.stringify([m.room, m.from.id, m.clientId]);
        const original = stored.get(key);
        if (original) {
          results.push({ message: original, duplicate: true });
          continue;
        }
        const earlier = fresh.get(key);
        if (earlier) {
          results.push(earlier);
          continue;
        }
        const room = rooms.get(m.room);
        if (!room) throw new Error('room vanished while locked'); // cannot happen: we hold its lock
        const entry = { fresh: m, seq: ++room.lastSeq, roomId: room.id };
        fresh.set(key, entry);
        results.push(entry);
      }

      // 4. Store them and advance the rooms' last seq, in one statement.
      const ids = new Map<string, Int8>();
      if (fresh.size > 0) {
        const news = [...fresh.values()];
        const bumped = [...rooms.values()];
        const inserted = await client.query<{ room_id: Int8; seq: Int8; id: Int8 }>(
          `WITH inserted AS (
             INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts)
             SELECT room_id, seq, user_id, nick, client_id, text, $7
             FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
               AS k(room_id, seq, user_id, nick, client_id, text)
             RETURNING room_id, seq, id
           ), bumped AS (
             UPDATE rooms SET last_seq = v.last_seq
             FROM unnest($8::bigint[], $9::bigint[]) AS v(id, last_seq)
             WHERE rooms.id = v.id AND rooms.last_seq <> v.last_seq
           )
           SELECT room_id, seq, id FROM inserted`,
          [
            news.map((n) => n.roomId),
            news.map((n) => n.seq),
            news.map((n) => n.fresh.from.id),
            news.map((n) => n.fresh.from.nick),
            news.map((n) => n.fresh.clientId),
            news.map((n) => n.fresh.text),
            ts,
            bumped.map((r) => r.id),
            bumped.map((r) => r.lastSeq),
          ],
        );
        for (const row of inserted.rows) ids.set(`${row.room_id}:${row.seq}`, row.id);
      }

      const firsts = new Set<unknown>();
      return results.map((r): AppendResult => {
        if ('message' in r) return r;
        const { fresh: m, seq, roomId } = r;
        const id = ids.get(`${roomId}:${seq}`);
        if (id === undefined) throw new Error('inserted message not returned');
        const duplicate = firsts.has(r);
        firsts.add(r);
        return { message: { type: 'message', room: m.room, seq, id, clientId: m.clientId, from: m.from, text: m.text, ts }, duplicate };
      });
    }));
  }

  async ensureRoom(room: string): Promise<number> {
    // Usually the room exists; creating it must cope with another node creating it at the same
    // moment (our insert then does nothing, and a fresh statement sees theirs).
    for (;;) {
      const existing = await this.lastSeq(room);
      if (existing !== null) return existing;
      const [created] = await this.rows<{ last_seq: Int8 }>(
        'INSERT INTO rooms (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING last_seq',
        [room, Date.now()],
      );
      if (created) return Number(created.last_seq);
    }
  }

  async lastSeq(room: string): Promise<number | null> {
    const [row] = await this.rows<{ last_seq: Int8 }>('SELECT last_seq FROM rooms WHERE name = $1', [room]);
    return row ? Number(row.last_seq) : null;
  }

  // The room id is a scalar subquery rather than a join, so the planner knows it is one room and
  // walks the (room_id, seq) index for `limit` rows instead of sorting the whole room.
  async messagesBefore(room: string, before: number | undefined, limit: number): Promise<MessagePage> {
    if (limit < 0) return { messages: [], hasMore: false };
    const rows = await this.rows<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE m.room_id = (SELECT id FROM rooms WHERE name = $1) AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`,
      [room, before ?? Number.MAX_SAFE_INTEGER, limit + 1],
    );
    const hasMore = rows.length > limit;
    if (hasMore) rows.pop();
    return { messages: rows.reverse().map((r) => toMessage(room, r)), hasMore };
  }

  async messagesAfter(room: string, after: number, limit: number): Promise<MessagePage> {
    if (limit < 0) return { messages: [], hasMore: false };
    const rows = await this.rows<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE m.room_id = (SELECT id FROM rooms WHERE name = $1) AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3`,
      [room, after, limit + 1],
    );
    const hasMore = rows.length > limit;
    if (hasMore) rows.pop();
    return { messages: rows.map((r) => toMessage(room, r)), hasMore };
  }

  async pruneMessagesBefore(ts: number): Promise<number> {
    const result = await this.query('DELETE FROM messages WHERE ts < $1', [ts], this.queryTimeoutMs * 10);
    return result.rowCount ?? 0;
  }

  // ---- users and tokens ----------------------------------------------------------------------

  async createGuest(nick: string): Promise<IssuedIdentity> {
    const user: User = { id: randomBytes(12).toString('base64url'), nick };
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    // One statement: the user and its token are stored together or not at all.
    await this.query(
      `WITH u AS (INSERT INTO users (id, nick, kind, created_at) VALUES ($1, $2, 'guest', $3) RETURNING id)
       INSERT INTO tokens (hash, user_id, kind, created_at, expires_at, id, name)
       SELECT $4, id, 'guest', $3, $5, $6, NULL FROM u`,
      [user.id, nick, now, hashToken(token), now + this.tokenTtlMs, newId()],
    );
    return { user, token };
  }

  async identityByToken(token: string): Promise<TokenIdentity | null> {
    const hash = hashToken(token);
    const now = Date.now();
    const [row] = await this.rows<{
      id: string;
      nick: string;
      user_kind: string;
      kind: string;
      token_id: string | null;
      expires_at: Int8;
      last_used_at: Int8 | null;
    }>(
      `SELECT u.id, u.nick, u.kind AS user_kind, t.kind, t.id AS token_id, t.expires_at, t.last_used_at
       FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1 AND t.expires_at > $2`,
      [hash, now],
    );
    if (!row) return null;
    const expiresAt = Number(row.expires_at);
    if (expiresAt !== NEVER) {
      // Slide the expiry, writing at most about once a day (or once per tenth of a short lifetime)
      // per token: a reconnect storm should not cost one write per connection.
      const ttl = row.kind === 'session' ? this.sessionTtlMs : this.tokenTtlMs;
      if (expiresAt - now < ttl - Math.min(DAY_MS, ttl / 10)) {
        await this.query('UPDATE tokens SET expires_at = $1 WHERE hash = $2', [now + ttl, hash]);
      }
    } else if (row.last_used_at === null || now - Number(row.last_used_at) > LAST_USED_EVERY_MS) {
      await this.query('UPDATE tokens SET last_used_at = $1 WHERE hash = $2', [now, hash]);
    }
    return {
      user: toUser(row.id, row.nick, row.user_kind === 'account'),
      account: row.user_kind === 'account',
      kind: row.kind as TokenIdentity['kind'],
      tokenId: row.token_id ?? '',
    };
  }

  async renameUser(userId: string, nick: string): Promise<void> {
    await this.query('UPDATE users SET nick = $1 WHERE id = $2', [nick, userId]);
  }

  async createAccount(username: string, passwordHash: string, options: { operatorAdmin?: boolean } = {}): Promise<User | null> {
    const user: User = { id: randomBytes(12).toString('base64url'), nick: username, account: true };
    const result = await this.query(
      `INSERT INTO users (id, nick, username, skeleton, password_hash, kind, created_at, operator_admin) VALUES ($1, $2, $2, $3, $4, 'account', $5, $6)
       ON CONFLICT (username) DO NOTHING`,
      [user.id, username, usernameSkeleton(username), passwordHash, Date.now(), options.operatorAdmin === true],
    );
    return result.rowCount === 1 ? user : null;
  }

  async accountByUsername(username: string): Promise<AccountRecord | null> {
    const [row] = await this.rows<{ id: string; nick: string; password_hash: string; operator_admin: boolean }>(
      "SELECT id, nick, password_hash, operator_admin FROM users WHERE username = $1 AND kind = 'account'",
      [username],
    );
    return row ? { user: toUser(row.id, row.nick, true), passwordHash: row.password_hash, operatorAdmin: row.operator_admin } : null;
  }

  async lookalikeAccount(nick: string): Promise<User | null> {
    // username = $2: an exact match needs no skeleton (and finds an account whose skeleton a node of
    // the previous release left empty).
    const [row] = await this.rows<{ id: string; nick: string }>(
      "SELECT id, nick FROM users WHERE kind = 'account' AND (skeleton = ANY($1::text[]) OR username = $2) LIMIT 1",
      [nickSkeletons(pgText(nick)), pgText(nick).normalize('NFKC').toLowerCase()],
    );
    return row ? toUser(row.id, row.nick, true) : null;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.query('UPDATE users SET password_hash = $1 WHERE id = $2', [passwordHash, userId]);
  }

  async resetAccount(userId: string, changes: { passwordHash: string; operatorAdmin: boolean }): Promise<number> {
    // One statement, so one transaction: the new password never coexists with the old sessions.
    const [row] = await this.rows<{ revoked: number }>(
      `WITH account AS (
         UPDATE users SET password_hash = $1, operator_admin = $2 WHERE id = $3 AND kind = 'account' RETURNING id
       ), revoked AS (
         DELETE FROM tokens WHERE user_id IN (SELECT id FROM account) RETURNING 1
       )
       SELECT count(*)::int AS revoked FROM revoked`,
      [changes.passwordHash, changes.operatorAdmin, userId],
    );
    return row?.revoked ?? 0;
  }

  async userById(userId: string): Promise<User | null> {
    const [row] = await this.rows<{ id: string; nick: string; kind: string }>('SELECT id, nick, kind FROM users WHERE id = $1', [userId]);
    return row ? toUser(row.id, row.nick, row.kind === 'account') : null;
  }

  async issueToken(userId: string, kind: 'session' | 'bearer', options: { name?: string } = {}): Promise<{ token: string; id: string }> {
    const token = randomBytes(32).toString('base64url');
    const id = newId();
    const now = Date.now();
    const expires = kind === 'bearer' ? NEVER : now + this.sessionTtlMs;
    await this.query(
      'INSERT INTO tokens (hash, user_id, kind, created_at, expires_at, id, name) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [hashToken(token), userId, kind, now, expires, id, options.name ?? null],
    );
    return { token, id };
  }

  async revokeToken(token: string): Promise<void> {
    await this.query('DELETE FROM tokens WHERE hash = $1', [hashToken(token)]);
  }

  async revokeTokenById(userId: string, tokenId: string): Promise<boolean> {
    const result = await this.query("DELETE FROM tokens WHERE id = $1 AND user_id = $2 AND kind = 'bearer'", [tokenId, userId]);
    return result.rowCount === 1;
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    const rows = await this.rows<{ id: string; name: string | null; created_at: Int8; last_used_at: Int8 | null }>(
      "SELECT id, name, created_at, last_used_at FROM tokens WHERE user_id = $1 AND kind = 'bearer' ORDER BY created_at, id",
      [userId],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name ?? '',
      createdAt: Number(r.created_at),
      lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
    }));
  }

  // ---- rooms and their rules -----------------------------------------------------------------

  async roomInfo(room: string): Promise<RoomInfo | null> {
    const [row] = await this.rows<RoomInfoRow>('SELECT name, kind, owner_id, last_seq FROM rooms WHERE name = $1', [room]);
    return row ? toRoomInfo(row) : null;
  }

  async createRoom(room: string, kind: RoomKind, ownerId: string | null): Promise<boolean> {
    // One statement: the room and its owner's role are stored together or not at all.
    const [row] = await this.rows<{ created: number }>(
      `WITH r AS (
         INSERT INTO rooms (name, kind, owner_id, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO NOTHING RETURNING id
       ), owner AS (
         INSERT INTO room_roles (room_id, user_id, role) SELECT id, $3, 'owner' FROM r WHERE $3::text IS NOT NULL
       )
       SELECT count(*)::int AS created FROM r`,
      [room, kind, ownerId, Date.now()],
    );
    return row?.created === 1;
  }

  async roleOf(room: string, userId: string): Promise<RoomRole | null> {
    const [row] = await this.rows<{ role: RoomRole }>(
      'SELECT rr.role FROM room_roles rr JOIN rooms r ON r.id = rr.room_id WHERE r.name = $1 AND rr.user_id = $2',
      [room, userId],
    );
    return row?.role ?? null;
  }

  async setRole(room: string, userId: string, role: RoomRole): Promise<void> {
    await this.query(
      `INSERT INTO room_roles (room_id, user_id, role) SELECT id, $1, $2 FROM rooms WHERE name = $3
       ON CONFLICT (room_id, user_id) DO UPDATE SET role = excluded.role`,
      [userId, role, room],
    );
  }

  async ban(room: string, userId: string): Promise<void> {
    // One statement, so the role cannot outlive the ban (a data-modifying CTE runs with it).
    await this.query(
      `WITH r AS (SELECT id FROM rooms WHERE name = $3),
            dropped AS (DELETE FROM room_roles WHERE room_id = (SELECT id FROM r) AND user_id = $1)
       INSERT INTO room_bans (room_id, user_id, created_at) SELECT id, $1, $2 FROM r ON CONFLICT DO NOTHING`,
      [userId, Date.now(), room],
    );
  }

  async unban(room: string, userId: string): Promise<void> {
    await this.query('DELETE FROM room_bans WHERE room_id = (SELECT id FROM rooms WHERE name = $1) AND user_id = $2', [room, userId]);
  }

  async isBanned(room: string, userId: string): Promise<boolean> {
    const rows = await this.rows('SELECT 1 FROM room_bans WHERE room_id = (SELECT id FROM rooms WHERE name = $1) AND user_id = $2', [
      room,
      userId,
    ]);
    return rows.length > 0;
  }

  async mute(room: string, userId: string, until: number): Promise<void> {
    await this.query(
      `INSERT INTO room_mutes (room_id, user_id, until) SELECT id, $1, $2 FROM rooms WHERE name = $3
       ON CONFLICT (room_id, user_id) DO UPDATE SET until = excluded.until`,
      [userId, until, room],
    );
  }

  async mutedUntil(room: string, userId: string): Promise<number> {
    const [row] = await this.rows<{ until: Int8 }>(
      'SELECT until FROM room_mutes WHERE room_id = (SELECT id FROM rooms WHERE name = $1) AND user_id = $2',
      [room, userId],
    );
    const until = row ? Number(row.until) : 0;
    return until > Date.now() ? until : 0;
  }

  async deleteRoom(room: string): Promise<boolean> {
    // Messages, roles, bans and mutes go with the room (ON DELETE CASCADE). Deleting the row waits
    // for any appender holding its lock; an appender arriving later creates a new room.
    const result = await this.query('DELETE FROM rooms WHERE name = $1', [room]);
    return result.rowCount === 1;
  }

  async listRooms(userId: string | null, query: RoomListQuery): Promise<RoomPage> {
    // $3: null lists both kinds, true only private rooms and DMs, false only public rooms. Names
    // compare in byte order (the column's "C" collation), as SQLite does.
    const rows = await this.rows<RoomInfoRow>(
      `SELECT r.name, r.kind, r.owner_id, r.last_seq FROM rooms r
       WHERE r.name > $2
         AND ($4::text IS NULL OR strpos(lower(r.name), $4) > 0)
         AND CASE WHEN $3::boolean IS NULL THEN r.kind = 'public' OR EXISTS (SELECT 1 FROM room_roles rr WHERE rr.room_id = r.id AND rr.user_id = $1)
                  WHEN $3 THEN r.kind <> 'public' AND EXISTS (SELECT 1 FROM room_roles rr WHERE rr.room_id = r.id AND rr.user_id = $1)
                  ELSE r.kind = 'public' END
         AND NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = $1)
       ORDER BY r.name LIMIT $5`,
      [userId, query.after ?? '', query.private ?? null, query.nameContains === undefined ? null : pgText(query.nameContains.toLowerCase()), query.limit + 1],
    );
    const hasMore = rows.length > query.limit;
    if (hasMore) rows.pop();
    return { rooms: rows.map(toRoomInfo), hasMore };
  }

  // ---- the periodic sweep ------------------------------------------------------------------------

  async sweepExpiredTokens(now: number, limit: number): Promise<TokenSweep> {
    return this.transaction(async (client) => {
      // SKIP LOCKED: nodes sweeping at the same moment take different tokens instead of queueing.
      const gone = await client.query<{ user_id: string }>(
        `DELETE FROM tokens WHERE hash IN (
           SELECT hash FROM tokens WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ) RETURNING user_id`,
        [now, limit],
      );
      if (gone.rows.length === 0) return { tokens: 0, guests: 0 };
      // A separate statement: it must see the deletions above (one statement has one snapshot).
      const guests = await client.query(
        `DELETE FROM users u WHERE u.id = ANY($1::text[]) AND u.kind = 'guest'
           AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.user_id = u.id)`,
        [[...new Set(gone.rows.map((r) => r.user_id))]],
      );
      return { tokens: gone.rows.length, guests: guests.rowCount ?? 0 };
    });
  }

  async abandonedRooms(createdBefore: number, after: string | null, scan: number): Promise<AbandonedRoomScan> {
    const rows = await this.rows<{ name: string; abandoned: boolean }>(
      `SELECT r.name, (${ABANDONED}) AS abandoned FROM rooms r WHERE r.name > $2 ORDER BY r.name LIMIT $3`,
      [createdBefore, after ?? '', scan],
    );
    return {
      rooms: rows.filter((r) => r.abandoned).map((r) => r.name),
      next: rows.length === scan ? (rows[rows.length - 1]?.name ?? null) : null,
    };
  }

  async deleteAbandonedRooms(rooms: string[], createdBefore: number): Promise<string[]> {
    if (rooms.length === 0) return [];
    return this.transaction(async (client) => {
      // 1. Lock the rooms that are still abandoned. An appender locks a room's row before it
      //    numbers a message, and a new role, ban or mute locks it too (its foreign key): a room
      //    busy with either is skipped; one locked here makes them wait until it is gone (an
      //    appender then creates the room anew). Another node's sweep is skipped as well.
      const locked = await client.query<{ id: Int8 }>(
        `SELECT r.id FROM rooms r WHERE r.name = ANY($2::text[]) AND ${ABANDONED} ORDER BY r.name FOR UPDATE SKIP LOCKED`,
        [createdBefore, rooms],
      );
      if (locked.rows.length === 0) return [];
      // 2. Check again with a fresh snapshot (READ COMMITTED: a new one per statement), which sees
      //    whatever committed before we held the locks.
      const deleted = await client.query<{ name: string }>(
        `DELETE FROM rooms r WHERE r.id = ANY($2::bigint[]) AND ${ABANDONED} RETURNING r.name`,
        [createdBefore, locked.rows.map((r) => r.id)],
      );
      return deleted.rows.map((r) => r.name);
    });
  }

  // ---- health and lifecycle ------------------------------------------------------------------

  async ping(): Promise<void> {
    // Bounded as a whole: waiting for a pooled connection counts too.
    await withTimeout(this.query('SELECT 1', [], PING_TIMEOUT_MS), PING_TIMEOUT_MS, 'PostgreSQL ping');
    await withTimeout(this.writes.check(), PING_TIMEOUT_MS, 'PostgreSQL write probe');
  }

  /**
   * The probe of a write outage: a row inserted into messages, where the failed writes went, and
   * rolled back. PostgreSQL writes the row (and its WAL record) before the rollback, so this needs
   * the same space a message does; seq -1 is never a real message's.
   */
  private probeWrite(): Promise<void> {
    return this.track(() =>
      this.withClient(async (client, broken) => {
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
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      const pool = this.pool;
      this.pool = null;
      await pool?.end();
    })();
    return this.closing;
  }
}
