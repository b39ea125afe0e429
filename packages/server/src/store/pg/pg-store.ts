// The cluster store: PostgreSQL, shared by every node. Same semantics as SqliteStore (ids, token
// hashing and lifetimes, the lobby, duplicate detection, seq never reused); what changes is that
// several processes append at once (pg-messages.ts says how seq stays gapless).
//
// This file opens the pool (pg-database.ts) and the schema, watches writes and health, and hands
// each aggregate's calls to its file: pg-messages.ts, pg-accounts.ts, pg-rooms.ts, pg-sweep.ts.
//
// Nothing here logs but the start and end of a write outage (write-health.ts): message text and
// tokens never reach a log line from these files, and pg's errors carry no query parameters.
import type { User } from '@chat/protocol';
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
import { DEFAULT_SESSION_TTL_MS, DEFAULT_TOKEN_TTL_MS } from '../token-life.js';
import { WriteHealth } from '../write-health.js';
import { withTimeout } from '../../util/timeout.js';
import { fillSkeletons, PgAccounts } from './pg-accounts.js';
import { PgDatabase } from './pg-database.js';
import { PgMessages } from './pg-messages.js';
import { PgRooms } from './pg-rooms.js';
import { migrate } from './pg-schema.js';
import { PgSweep } from './pg-sweep.js';

export interface PgStoreOptions {
  /** postgres://… (its `options=-c search_path=…` may select a schema). */
  connectionString: string;
  /** Most connections this node opens. Default 10. */
  poolMax?: number;
  /** Guest restore tokens expire after this long unused (sliding). Default 90 days (token-life.ts). */
  tokenTtlMs?: number;
  /** Account sessions expire after this long unused (sliding). Default 30 days (token-life.ts). */
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

export class PgStore implements Store {
  private readonly db: PgDatabase;
  private readonly writes: WriteHealth;
  private readonly messages: PgMessages;
  private readonly accounts: PgAccounts;
  private readonly rooms: PgRooms;
  private readonly sweep: PgSweep;

  constructor(options: PgStoreOptions) {
    this.db = new PgDatabase(options);
    this.writes = new WriteHealth({ log: options.log, classify: writeFailure, probe: () => this.probeWrite() });
    this.messages = new PgMessages(this.db, this.writes);
    this.accounts = new PgAccounts(this.db, {
      tokenTtlMs: options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
      sessionTtlMs: options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    });
    this.rooms = new PgRooms(this.db);
    this.sweep = new PgSweep(this.db);
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

  // ---- messages (pg-messages.ts) ----------------------------------------------------------

  appendMessages(batch: NewMessage[]): Promise<AppendResult[]> {
    return this.messages.appendMessages(batch);
  }
  ensureRoom(room: string): Promise<number> {
    return this.messages.ensureRoom(room);
  }
  lastSeq(room: string): Promise<number | null> {
    return this.messages.lastSeq(room);
  }
  messagesBefore(room: string, before: number | undefined, limit: number): Promise<MessagePage> {
    return this.messages.messagesBefore(room, before, limit);
  }
  messagesAfter(room: string, after: number, limit: number): Promise<MessagePage> {
    return this.messages.messagesAfter(room, after, limit);
  }
  pruneMessagesBefore(ts: number): Promise<number> {
    return this.messages.pruneMessagesBefore(ts);
  }

  // ---- users and tokens (pg-accounts.ts) ---------------------------------------------------

  createGuest(nick: string): Promise<IssuedIdentity> {
    return this.accounts.createGuest(nick);
  }
  identityByToken(token: string): Promise<TokenIdentity | null> {
    return this.accounts.identityByToken(token);
  }
  renameUser(userId: string, nick: string): Promise<void> {
    return this.accounts.renameUser(userId, nick);
  }
  createAccount(username: string, passwordHash: string, options?: { operatorAdmin?: boolean }): Promise<User | null> {
    return this.accounts.createAccount(username, passwordHash, options);
  }
  accountByUsername(username: string): Promise<AccountRecord | null> {
    return this.accounts.accountByUsername(username);
  }
  lookalikeAccount(nick: string): Promise<User | null> {
    return this.accounts.lookalikeAccount(nick);
  }
  setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    return this.accounts.setPasswordHash(userId, passwordHash);
  }
  resetAccount(userId: string, changes: { passwordHash: string; operatorAdmin: boolean }): Promise<number> {
    return this.accounts.resetAccount(userId, changes);
  }
  userById(userId: string): Promise<User | null> {
    return this.accounts.userById(userId);
  }
  issueToken(userId: string, kind: 'session' | 'bearer', options?: { name?: string }): Promise<{ token: string; id: string }> {
    return this.accounts.issueToken(userId, kind, options);
  }
  revokeToken(token: string): Promise<void> {
    return this.accounts.revokeToken(token);
  }
  revokeTokenById(userId: string, tokenId: string): Promise<boolean> {
    return this.accounts.revokeTokenById(userId, tokenId);
  }
  listTokens(userId: string): Promise<TokenInfo[]> {
    return this.accounts.listTokens(userId);
  }

  // ---- rooms and their rules (pg-rooms.ts) -------------------------------------------------

  roomInfo(room: string): Promise<RoomInfo | null> {
    return this.rooms.roomInfo(room);
  }
  createRoom(room: string, kind: RoomKind, ownerId: string | null): Promise<boolean> {
    return this.rooms.createRoom(room, kind, ownerId);
  }
  roleOf(room: string, userId: string): Promise<RoomRole | null> {
    return this.rooms.roleOf(room, userId);
  }
  setRole(room: string, userId: string, role: RoomRole): Promise<void> {
    return this.rooms.setRole(room, userId, role);
  }
  ban(room: string, userId: string): Promise<void> {
    return this.rooms.ban(room, userId);
  }
  unban(room: string, userId: string): Promise<void> {
    return this.rooms.unban(room, userId);
  }
  isBanned(room: string, userId: string): Promise<boolean> {
    return this.rooms.isBanned(room, userId);
  }
  mute(room: string, userId: string, until: number): Promise<void> {
    return this.rooms.mute(room, userId, until);
  }
  mutedUntil(room: string, userId: string): Promise<number> {
    return this.rooms.mutedUntil(room, userId);
  }
  deleteRoom(room: string): Promise<boolean> {
    return this.rooms.deleteRoom(room);
  }
  listRooms(userId: string | null, query: RoomListQuery): Promise<RoomPage> {
    return this.rooms.listRooms(userId, query);
  }

  // ---- the periodic sweep (pg-sweep.ts) ----------------------------------------------------

  sweepExpiredTokens(now: number, limit: number): Promise<TokenSweep> {
    return this.sweep.sweepExpiredTokens(now, limit);
  }
  abandonedRooms(createdBefore: number, after: string | null, scan: number): Promise<AbandonedRoomScan> {
    return this.sweep.abandonedRooms(createdBefore, after, scan);
  }
  deleteAbandonedRooms(rooms: string[], createdBefore: number): Promise<string[]> {
    return this.sweep.deleteAbandonedRooms(rooms, createdBefore);
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
