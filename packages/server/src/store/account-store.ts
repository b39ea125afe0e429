// Users (guests and accounts), their passwords, and the tokens that prove who a client is: guest
// restore tokens, browser sessions and named bearer tokens. Only a token's hash is stored
// (store/ids.ts).
import type { User } from '@chat/protocol';

/** A guest or account identity, with the bearer token that restores it. */
export interface IssuedIdentity {
  user: User;
  /** Shown to the client once; the store keeps only its hash. */
  token: string;
}

/** guest: restores a guest; session: a signed-in browser (cookie); bearer: a bot or CLI client. */
export type TokenKind = 'guest' | 'session' | 'bearer';

/** Who a token belongs to. */
export interface TokenIdentity {
  user: User;
  /** A registered account (its nick is its username), as opposed to a guest. */
  account: boolean;
  kind: TokenKind;
  /** Public id of the token (for listing and revoking), never the token itself. */
  tokenId: string;
}

export interface AccountRecord {
  user: User;
  /** Self-describing hash (auth/password.ts); never the password. */
  passwordHash: string;
  /**
   * The operator made this account an admin (`chat-server admin create`, ADMIN_PASSWORD_FILE).
   * Admin rights need this AND the username in ADMIN_USERS (auth/admins.ts): an account that
   * anyone registered under a listed name is never an admin.
   */
  operatorAdmin: boolean;
}

export interface TokenInfo {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface AccountStore {
  /** Creates a guest user with this nick and a new restore token. */
  createGuest(nick: string): Promise<IssuedIdentity>;

  /**
   * Who a token (of any kind) belongs to, or null when it is unknown, revoked or expired. A
   * successful lookup extends a guest or session token's life (sliding expiry); bearer tokens do
   * not expire.
   */
  identityByToken(token: string): Promise<TokenIdentity | null>;

  /** Changes a user's nick for future messages and sessions. */
  renameUser(userId: string, nick: string): Promise<void>;

  /**
   * Creates an account whose nick is its username; null when the username is taken (nothing
   * changes then, whatever `operatorAdmin` asked for). `operatorAdmin` defaults to false.
   */
  createAccount(username: string, passwordHash: string, options?: { operatorAdmin?: boolean }): Promise<User | null>;

  /** The account with this username (exact, usernames are lower case), or null. */
  accountByUsername(username: string): Promise<AccountRecord | null>;

  /**
   * An account whose username this nick passes for, or null: the same skeleton once both are
   * reduced by auth/nick-skeleton.ts (NFKC, case, Unicode TR39 confusables, accents), so
   * `alice`, `ALICE`, `аlice` (Cyrillic а) and `a1ice` all find the account alice; `rnary` finds
   * mary. Guests are never found. With several such accounts, any one of them.
   */
  lookalikeAccount(nick: string): Promise<User | null>;

  /** Replaces an account's password hash (e.g. a rehash with stronger parameters). */
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;

  /**
   * The operator takes an account over (`chat-server admin create NAME --reset`): sets its password
   * hash and its operatorAdmin flag and revokes every token of the account (sessions and bearer
   * tokens), all in one transaction. Resolves with how many tokens were revoked. A user id that is
   * no account (a guest, an unknown id) changes nothing and resolves 0.
   */
  resetAccount(userId: string, changes: { passwordHash: string; operatorAdmin: boolean }): Promise<number>;

  userById(userId: string): Promise<User | null>;

  /**
   * Issues a session token (expires after the store's session lifetime unused, sliding; 30 days by
   * default) or a bearer token (named, no expiry) for an account. The token is returned once; the
   * store keeps its hash.
   */
  issueToken(userId: string, kind: 'session' | 'bearer', options?: { name?: string }): Promise<{ token: string; id: string }>;

  /** Revokes a token by its value (logout). Unknown tokens are ignored. */
  revokeToken(token: string): Promise<void>;

  /** Revokes one of the user's bearer tokens by id; false when it is not theirs or unknown. */
  revokeTokenById(userId: string, tokenId: string): Promise<boolean>;

  /** The user's bearer tokens, oldest first (same-millisecond ties in any order), never their values. */
  listTokens(userId: string): Promise<TokenInfo[]>;
}
