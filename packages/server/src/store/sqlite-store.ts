// The embedded default store: one SQLite file in WAL mode with synchronous=FULL, so a committed
// transaction is on disk before appendMessages resolves. better-sqlite3 is synchronous; the async
// interface is kept so the hub can run against PostgreSQL unchanged (issue 7).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChatMessage, User } from '@chat/protocol';
import { LOBBY } from '@chat/protocol';
import type { AppendResult, MaintainableStore, IssuedIdentity, MessagePage, NewMessage } from './store.js';
import { MIGRATIONS } from './sqlite-schema.js';

export interface SqliteStoreOptions {
  /** Directory holding chat.db (created if missing). */
  dir: string;
  /** Restore tokens expire after this long unused (sliding). Default 90 days. */
  tokenTtlMs?: number;
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
}

interface RoomRow {
  id: number;
  last_seq: number;
}

const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

function toMessage(room: string, row: MessageRow): ChatMessage {
  return {
    type: 'message',
    room,
    seq: row.seq,
    id: String(row.id),
    clientId: row.client_id,
    from: { id: row.user_id, nick: row.nick },
    text: row.text,
    ts: row.ts,
  };
}

export class SqliteStore implements MaintainableStore {
  private db!: Database.Database;
  private readonly tokenTtlMs: number;
  private statements!: ReturnType<SqliteStore['prepare']>;
  private appendTx!: (batch: NewMessage[]) => AppendResult[];

  constructor(private readonly options: SqliteStoreOptions) {
    this.tokenTtlMs = options.tokenTtlMs ?? 90 * DAY_MS;
  }

  /** Opens (creating if needed) DIR/chat.db and brings its schema up to date. */
  async open(): Promise<this> {
    mkdirSync(this.options.dir, { recursive: true });
    const db = new Database(join(this.options.dir, 'chat.db'));
    db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so an acknowledged message survives power loss.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    this.db = db;
    this.migrate();
    this.statements = this.prepare();
    this.appendTx = db.transaction((batch: NewMessage[]) => this.appendInTransaction(batch));
    return this;
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
        'SELECT id, seq, user_id, nick, client_id, text, ts FROM messages WHERE room_id = ? AND user_id = ? AND client_id = ?',
      ),
      insert: db.prepare<[number, number, string, string, string, string, number]>(
        'INSERT INTO messages (room_id, seq, user_id, nick, client_id, text, ts) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      before: db.prepare<[number, number, number], MessageRow>(
        'SELECT id, seq, user_id, nick, client_id, text, ts FROM messages WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
      ),
      after: db.prepare<[number, number, number], MessageRow>(
        'SELECT id, seq, user_id, nick, client_id, text, ts FROM messages WHERE room_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?',
      ),
      createUser: db.prepare<[string, string, string, number]>(
        'INSERT INTO users (id, nick, kind, created_at) VALUES (?, ?, ?, ?)',
      ),
      createToken: db.prepare<[Buffer, string, string, number, number]>(
        'INSERT INTO tokens (hash, user_id, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      ),
      userByToken: db.prepare<[Buffer, number], { id: string; nick: string; expires_at: number }>(
        'SELECT u.id, u.nick, t.expires_at FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ? AND t.expires_at > ?',
      ),
      extendToken: db.prepare<[number, Buffer]>('UPDATE tokens SET expires_at = ? WHERE hash = ?'),
      rename: db.prepare<[string, string]>('UPDATE users SET nick = ? WHERE id = ?'),
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
      const existing = byClientId.get(room.id, m.from.id, m.clientId);
      if (existing) {
        results.push({ message: toMessage(m.room, existing), duplicate: true });
        continue;
      }
      const seq = ++room.last_seq;
      const { lastInsertRowid } = insert.run(room.id, seq, m.from.id, m.from.nick, m.clientId, m.text, ts);
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
    return this.appendTx(batch);
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
    const user: User = { id: randomBytes(12).toString('base64url'), nick };
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    this.db.transaction(() => {
      this.statements.createUser.run(user.id, nick, 'guest', now);
      this.statements.createToken.run(hashToken(token), user.id, 'guest', now, now + this.tokenTtlMs);
    })();
    return { user, token };
  }

  async userByToken(token: string): Promise<User | null> {
    const hash = hashToken(token);
    const now = Date.now();
    const row = this.statements.userByToken.get(hash, now);
    if (!row) return null;
    // Slide the expiry, but write at most about once a day per token: a reconnect storm should not
    // cost one fsync per connection.
    if (row.expires_at - now < this.tokenTtlMs - DAY_MS) this.statements.extendToken.run(now + this.tokenTtlMs, hash);
    return { id: row.id, nick: row.nick };
  }

  async renameUser(userId: string, nick: string): Promise<void> {
    this.statements.rename.run(nick, userId);
  }

  async pruneMessagesBefore(ts: number): Promise<number> {
    return this.statements.prune.run(ts).changes;
  }

  async backup(file: string): Promise<void> {
    // Refuse to overwrite: a backup command that clobbers the last good backup is a trap.
    if (existsSync(file)) throw new Error(`${file} already exists`);
    await this.db.backup(file);
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
  }

  async close(): Promise<void> {
    if (this.db?.open) this.db.close();
  }
}
