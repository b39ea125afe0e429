// PostgreSQL's AccountStore: users, passwords and tokens.
import type { PoolClient } from 'pg';
import type { User } from '@chat/protocol';
import type { AccountRecord, AccountStore, IssuedIdentity, TokenIdentity, TokenInfo } from '../account-store.js';
import { nickSkeletons, usernameSkeleton } from '../../auth/nick-skeleton.js';
import { hashToken, newGuestCredentials, newUserId } from '../ids.js';
import { toTokenInfo, toUser, type TokenInfoRow } from '../rows.js';
import { newAccountToken, touchAfterLookup, type TokenLifetimes } from '../token-life.js';
import type { Int8, PgDatabase } from './pg-database.js';
import { pgText } from './pg-text.js';

/**
 * Accounts without a skeleton (made before migration 3, or by a node of the previous release during
 * a rolling upgrade) get theirs: computed here, as SQL cannot. Idempotent; nodes starting together
 * write the same values.
 */
export async function fillSkeletons(client: PoolClient): Promise<void> {
  const { rows } = await client.query<{ id: string; username: string }>(
    "SELECT id, username FROM users WHERE kind = 'account' AND skeleton IS NULL",
  );
  if (rows.length === 0) return;
  await client.query(
    'UPDATE users SET skeleton = s.skeleton FROM unnest($1::text[], $2::text[]) AS s(id, skeleton) WHERE users.id = s.id',
    [rows.map((r) => r.id), rows.map((r) => usernameSkeleton(r.username))],
  );
}

export class PgAccounts implements AccountStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly lifetimes: TokenLifetimes,
  ) {}

  async createGuest(nick: string): Promise<IssuedIdentity> {
    const { userId, token, tokenId } = newGuestCredentials();
    const user: User = { id: userId, nick };
    const now = Date.now();
    // One statement: the user and its token are stored together or not at all.
    await this.db.query(
      `WITH u AS (INSERT INTO users (id, nick, kind, created_at) VALUES ($1, $2, 'guest', $3) RETURNING id)
       INSERT INTO tokens (hash, user_id, kind, created_at, expires_at, id, name)
       SELECT $4, id, 'guest', $3, $5, $6, NULL FROM u`,
      [user.id, nick, now, hashToken(token), now + this.lifetimes.tokenTtlMs, tokenId],
    );
    return { user, token };
  }

  async identityByToken(token: string): Promise<TokenIdentity | null> {
    const hash = hashToken(token);
    const now = Date.now();
    const [row] = await this.db.rows<{
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
    const touch = touchAfterLookup(
      { kind: row.kind, expiresAt: Number(row.expires_at), lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at) },
      now,
      this.lifetimes,
    );
    if (touch && 'expiresAt' in touch) await this.db.query('UPDATE tokens SET expires_at = $1 WHERE hash = $2', [touch.expiresAt, hash]);
    else if (touch) await this.db.query('UPDATE tokens SET last_used_at = $1 WHERE hash = $2', [touch.lastUsedAt, hash]);
    return {
      user: toUser(row.id, row.nick, row.user_kind === 'account'),
      account: row.user_kind === 'account',
      kind: row.kind as TokenIdentity['kind'],
      tokenId: row.token_id ?? '',
    };
  }

  async renameUser(userId: string, nick: string): Promise<void> {
    await this.db.query('UPDATE users SET nick = $1 WHERE id = $2', [nick, userId]);
  }

  async createAccount(username: string, passwordHash: string, options: { operatorAdmin?: boolean } = {}): Promise<User | null> {
    const user: User = { id: newUserId(), nick: username, account: true };
    const result = await this.db.query(
      `INSERT INTO users (id, nick, username, skeleton, password_hash, kind, created_at, operator_admin) VALUES ($1, $2, $2, $3, $4, 'account', $5, $6)
       ON CONFLICT (username) DO NOTHING`,
      [user.id, username, usernameSkeleton(username), passwordHash, Date.now(), options.operatorAdmin === true],
    );
    return result.rowCount === 1 ? user : null;
  }

  async accountByUsername(username: string): Promise<AccountRecord | null> {
    const [row] = await this.db.rows<{ id: string; nick: string; password_hash: string; operator_admin: boolean }>(
      "SELECT id, nick, password_hash, operator_admin FROM users WHERE username = $1 AND kind = 'account'",
      [username],
    );
    return row ? { user: toUser(row.id, row.nick, true), passwordHash: row.password_hash, operatorAdmin: row.operator_admin } : null;
  }

  async lookalikeAccount(nick: string): Promise<User | null> {
    // username = $2: an exact match needs no skeleton (and finds an account whose skeleton a node of
    // the previous release left empty).
    const [row] = await this.db.rows<{ id: string; nick: string }>(
      "SELECT id, nick FROM users WHERE kind = 'account' AND (skeleton = ANY($1::text[]) OR username = $2) LIMIT 1",
      [nickSkeletons(pgText(nick)), pgText(nick).normalize('NFKC').toLowerCase()],
    );
    return row ? toUser(row.id, row.nick, true) : null;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.query('UPDATE users SET password_hash = $1 WHERE id = $2', [passwordHash, userId]);
  }

  async resetAccount(userId: string, changes: { passwordHash: string; operatorAdmin: boolean }): Promise<number> {
    // One statement, so one transaction: the new password never coexists with the old sessions.
    const [row] = await this.db.rows<{ revoked: number }>(
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
    const [row] = await this.db.rows<{ id: string; nick: string; kind: string }>('SELECT id, nick, kind FROM users WHERE id = $1', [userId]);
    return row ? toUser(row.id, row.nick, row.kind === 'account') : null;
  }

  async issueToken(userId: string, kind: 'session' | 'bearer', options: { name?: string } = {}): Promise<{ token: string; id: string }> {
    const t = newAccountToken(kind, this.lifetimes);
    await this.db.query(
      'INSERT INTO tokens (hash, user_id, kind, created_at, expires_at, id, name) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [t.hash, userId, kind, t.createdAt, t.expiresAt, t.id, options.name ?? null],
    );
    return { token: t.token, id: t.id };
  }

  async revokeToken(token: string): Promise<void> {
    await this.db.query('DELETE FROM tokens WHERE hash = $1', [hashToken(token)]);
  }

  async revokeTokenById(userId: string, tokenId: string): Promise<boolean> {
    const result = await this.db.query("DELETE FROM tokens WHERE id = $1 AND user_id = $2 AND kind = 'bearer'", [tokenId, userId]);
    return result.rowCount === 1;
  }

  async listTokens(userId: string): Promise<TokenInfo[]> {
    const rows = await this.db.rows<TokenInfoRow>(
      "SELECT id, name, created_at, last_used_at FROM tokens WHERE user_id = $1 AND kind = 'bearer' ORDER BY created_at, id",
      [userId],
    );
    return rows.map(toTokenInfo);
  }
}
