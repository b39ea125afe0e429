// SQLite's AccountStore: users, passwords and tokens.
import type Database from 'better-sqlite3';
import type { User } from '@chat/protocol';
import type { AccountRecord, AccountStore, IssuedIdentity, TokenIdentity, TokenInfo } from '../account-store.js';
import { nickSkeletons, usernameSkeleton } from '../../auth/nick-skeleton.js';
import { hashToken, newGuestCredentials, newUserId } from '../ids.js';
import { toTokenInfo, toUser, type TokenInfoRow } from '../rows.js';
import { newAccountToken, touchAfterLookup, type TokenLifetimes } from '../token-life.js';
import { unsyncedWriteTransaction, writeTransaction } from './sqlite-transaction.js';
import { TickBatch } from './tick-batch.js';

function prepare(db: Database.Database) {
  return {
    createUser: db.prepare<[string, string, string, number]>('INSERT INTO users (id, nick, kind, created_at) VALUES (?, ?, ?, ?)'),
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
    listTokens: db.prepare<[string], TokenInfoRow>(
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
    resetAccount: db.prepare<[string, number, string]>("UPDATE users SET password_hash = ?, operator_admin = ? WHERE id = ? AND kind = 'account'"),
    revokeAllTokens: db.prepare<[string]>('DELETE FROM tokens WHERE user_id = ?'),
    userById: db.prepare<[string], { id: string; nick: string; kind: string }>('SELECT id, nick, kind FROM users WHERE id = ?'),
    rename: db.prepare<[string, string]>('UPDATE users SET nick = ? WHERE id = ?'),
  };
}

/**
 * Accounts without a skeleton (made before migration 4) get theirs: computed here, as SQL cannot.
 * Idempotent, and quick when there is nothing to do (the partial index holds accounts only).
 */
export function fillSkeletons(db: Database.Database): void {
  const missing = db
    .prepare<[], { id: string; username: string }>("SELECT id, username FROM users WHERE kind = 'account' AND skeleton IS NULL")
    .all();
  if (missing.length === 0) return;
  const set = db.prepare<[string, string]>('UPDATE users SET skeleton = ? WHERE id = ?');
  writeTransaction(db, () => {
    for (const { id, username } of missing) set.run(usernameSkeleton(username), id);
  })();
}

interface NewGuest {
  user: User;
  tokenHash: Buffer;
  tokenId: string;
  now: number;
}

export class SqliteAccounts implements AccountStore {
  private readonly statements: ReturnType<typeof prepare>;
  /** New guests of the same moment, one transaction (a connect storm's are hundreds a second). */
  private readonly guests: TickBatch<NewGuest, void>;

  constructor(
    private readonly db: Database.Database,
    private readonly lifetimes: TokenLifetimes,
  ) {
    this.statements = prepare(db);
    const insert = (guest: NewGuest): void => {
      this.statements.createUser.run(guest.user.id, guest.user.nick, 'guest', guest.now);
      this.statements.createToken.run(guest.tokenHash, guest.user.id, 'guest', guest.now, guest.now + this.lifetimes.tokenTtlMs, guest.tokenId, null);
    };
    // Without their own fsync (5000 first connects: about 30 % of the server's time): a power loss
    // before the next fsynced commit can lose them, and then a guest simply gets a new identity.
    this.guests = new TickBatch(
      unsyncedWriteTransaction(db, (guests: NewGuest[]) => guests.map(insert)),
      unsyncedWriteTransaction(db, insert),
    );
  }

  async createGuest(nick: string): Promise<IssuedIdentity> {
    const { userId, token, tokenId } = newGuestCredentials();
    const user: User = { id: userId, nick };
    const now = Date.now();
    await this.guests.add({ user, tokenHash: hashToken(token), tokenId, now });
    return { user, token };
  }

  async identityByToken(token: string): Promise<TokenIdentity | null> {
    const hash = hashToken(token);
    const now = Date.now();
    const row = this.statements.identityByToken.get(hash, now);
    if (!row) return null;
    const touch = touchAfterLookup({ kind: row.kind, expiresAt: row.expires_at, lastUsedAt: row.last_used_at }, now, this.lifetimes);
    if (touch && 'expiresAt' in touch) this.statements.extendToken.run(touch.expiresAt, hash);
    else if (touch) this.statements.touchToken.run(touch.lastUsedAt, hash);
    const account = row.user_kind === 'account';
    return { user: toUser(row.id, row.nick, account), account, kind: row.kind as TokenIdentity['kind'], tokenId: row.token_id ?? '' };
  }

  async renameUser(userId: string, nick: string): Promise<void> {
    this.statements.rename.run(nick, userId);
  }

  async createAccount(username: string, passwordHash: string, options: { operatorAdmin?: boolean } = {}): Promise<User | null> {
    const user: User = { id: newUserId(), nick: username, account: true };
    const { changes } = this.statements.createAccount.run(
      user.id,
      username,
      username,
      usernameSkeleton(username),
      passwordHash,
      Date.now(),
      options.operatorAdmin ? 1 : 0,
    );
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
    return writeTransaction(this.db, () => {
      const updated = this.statements.resetAccount.run(changes.passwordHash, changes.operatorAdmin ? 1 : 0, userId).changes;
      return updated === 0 ? 0 : this.statements.revokeAllTokens.run(userId).changes;
    })();
  }

  async userById(userId: string): Promise<User | null> {
    const row = this.statements.userById.get(userId);
    return row ? toUser(row.id, row.nick, row.kind === 'account') : null;
  }

  async issueToken(userId: string, kind: 'session' | 'bearer', options: { name?: string } = {}): Promise<{ token: string; id: string }> {
    const t = newAccountToken(kind, this.lifetimes);
    this.statements.createToken.run(t.hash, userId, kind, t.createdAt, t.expiresAt, t.id, options.name ?? null);
    return { token: t.token, id: t.id };
  }

  async revokeToken(token: string): Promise<void> {
    this.statements.revokeToken.run(hashToken(token));
  }

  async revokeTokenById(userId: string, tokenId: string): Promise<boolean> {
    return this.statements.revokeTokenById.run(tokenId, userId).changes === 1;
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    return this.statements.listTokens.all(userId).map(toTokenInfo);
  }
}
