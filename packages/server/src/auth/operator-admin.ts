// How the operator makes admin accounts: `chat-server admin create NAME [--reset]` and
// ADMIN_PASSWORD_FILE at start. Both mark the account operatorAdmin in the store, which, with the
// name in ADMIN_USERS, is what makes an admin (auth/admins.ts). Callers check the password with
// passwordProblem() first.
import type { User } from '@chat/protocol';
import type { Store } from '../store/store.js';
import { hashPassword, verifyPassword } from './password.js';

export type CreateAdminOutcome =
  /** A new account, made admin. */
  | { kind: 'created'; user: User }
  /** The name has an account and `reset` was not asked for: nothing changed. */
  | { kind: 'exists'; operatorAdmin: boolean }
  /** The existing account got the new password and the flag; its sessions and tokens were ended. */
  | { kind: 'reset'; user: User; revoked: number };

/**
 * `admin create NAME`: makes the account, or with `reset` takes over the existing one. Taking over
 * ends every session and token of the account: whoever registered the name before must not stay
 * signed in to what is now an admin account.
 */
export async function createOperatorAdmin(store: Store, username: string, password: string, options: { reset: boolean }): Promise<CreateAdminOutcome> {
  const existing = await store.accountByUsername(username);
  if (existing !== null && !options.reset) return { kind: 'exists', operatorAdmin: existing.operatorAdmin };
  const passwordHash = await hashPassword(password);
  if (existing === null) {
    const user = await store.createAccount(username, passwordHash, { operatorAdmin: true });
    // Registered meanwhile (a name not in ADMIN_USERS, so open to registration): run again.
    if (user === null) return { kind: 'exists', operatorAdmin: false };
    return { kind: 'created', user };
  }
  const revoked = await store.resetAccount(existing.user.id, { passwordHash, operatorAdmin: true });
  return { kind: 'reset', user: existing.user, revoked };
}

export type FileAdminOutcome =
  /** No account had the name: made, admin. */
  | { kind: 'created' }
  /** The operator's account, with this password already. */
  | { kind: 'confirmed' }
  /** The operator's account had another password: the file's replaced it, its sessions were ended. */
  | { kind: 'rotated'; revoked: number }
  /** An account registered before the name was reserved, whose password is the file's: the operator's own; now admin (its sessions ended once). */
  | { kind: 'adopted'; revoked: number }
  /** Someone else's account (another password): left alone, not admin; `admin create NAME --reset` takes it over. */
  | { kind: 'foreign' };

/**
 * ADMIN_PASSWORD_FILE at start: makes or confirms the admin account of `username` (the first name
 * in ADMIN_USERS) with the file's password. Safe when several nodes start together.
 */
export async function provisionFileAdmin(store: Store, username: string, password: string): Promise<FileAdminOutcome> {
  let existing = await store.accountByUsername(username);
  if (existing === null) {
    if ((await store.createAccount(username, await hashPassword(password), { operatorAdmin: true })) !== null) return { kind: 'created' };
    // Another node made it at the same moment.
    existing = await store.accountByUsername(username);
    if (existing === null) throw new Error(`account ${username} vanished while being created`);
  }
  const matches = await verifyPassword(password, existing.passwordHash);
  if (existing.operatorAdmin) {
    if (matches) return { kind: 'confirmed' };
    return { kind: 'rotated', revoked: await store.resetAccount(existing.user.id, { passwordHash: await hashPassword(password), operatorAdmin: true }) };
  }
  if (!matches) return { kind: 'foreign' };
  return { kind: 'adopted', revoked: await store.resetAccount(existing.user.id, { passwordHash: existing.passwordHash, operatorAdmin: true }) };
}
