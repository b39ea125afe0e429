// Who is connecting (docs/protocol.md, Connecting): a token (`?token=`, the subprotocol `token.<TOKEN>`,
// `Authorization: Bearer`, or the `session` cookie of a signed-in browser), else a guest with
// `?nick=` or a generated nick, when guests are allowed. Refusals are HTTP statuses.
import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NICK_RULES, normalizeNick, type User } from '@chat/protocol';
import { bearerToken, protocolToken, readSessionCookie } from '../auth/credentials.js';
import { checkGuestNick, type NickCheck } from '../auth/nick-policy.js';
import type { Store } from '../store/store.js';

export type Identity =
  | {
      ok: true;
      user: User;
      account: boolean;
      /** The token's public id, so the connection can be closed when the token is revoked. */
      tokenId: string;
      /** A guest's restore token, sent back in `welcome`. */
      guestToken?: string;
    }
  | { ok: false; status: 400 | 401 | 409; message: string }
  | { ok: false; status: 429; message: string; retryAfterMs: number };

export interface IdentityOptions {
  allowGuests: boolean;
  /** Nicks a guest may not take (accounts' usernames, reserved names, and lookalikes of either). */
  nicks: NickCheck;
  /**
   * Asked just before a new guest is made (never for a returning one): 0 lets it through and
   * counts it; otherwise how many ms until this address may have another (MAX_GUESTS_PER_IP_PER_HOUR).
   */
  newGuestWait?: () => number;
}

export async function resolveIdentity(store: Store, req: IncomingMessage, query: URLSearchParams, options: IdentityOptions): Promise<Identity> {
  const explicit = query.get('token') ?? protocolToken(req.headers) ?? bearerToken(req.headers);
  const presented = explicit ?? readSessionCookie(req.headers);
  if (presented !== null) {
    const found = presented.length > 0 && presented.length <= 256 ? await store.identityByToken(presented) : null;
    // The cookie only ever carries a browser session (as on the HTTP side).
    if (!found || (explicit === null && found.kind !== 'session')) return { ok: false, status: 401, message: 'unknown or expired token' };
    let user = found.user;
    if (!found.account && (normalizeNick(user.nick) !== user.nick || (await options.nicks.taken(user.nick)))) {
      // The nick was registered since this guest took it, or it breaks the nick rules as they are
      // now (invisible characters, a lookalike of an account): keep the guest, not the impersonation.
      user = { ...user, nick: await freeGuestNick(options.nicks) };
      await store.renameUser(user.id, user.nick);
    }
    return {
      ok: true,
      user,
      account: found.account,
      tokenId: found.tokenId,
      ...(found.kind === 'guest' ? { guestToken: presented } : {}),
    };
  }
  if (!options.allowGuests) return { ok: false, status: 401, message: 'sign in first: this server does not allow guests' };
  const requested = query.get('nick');
  let nick: string;
  if (requested !== null) {
    const verdict = await checkGuestNick(requested, options.nicks);
    if (!verdict.ok && verdict.reason === 'invalid') return { ok: false, status: 400, message: NICK_RULES };
    if (!verdict.ok) return { ok: false, status: 409, message: 'that nick is, or looks like, the name of a registered account' };
    nick = verdict.nick;
  } else {
    nick = await freeGuestNick(options.nicks);
  }
  // Checked and counted in one synchronous step right before the guest is made, so concurrent
  // upgrades from one address cannot all pass the check while the nick lookups await the store.
  const wait = options.newGuestWait?.() ?? 0;
  if (wait > 0) return { ok: false, status: 429, message: 'too many new guests from this address; try again later', retryAfterMs: wait };
  const issued = await store.createGuest(nick);
  return { ok: true, user: issued.user, account: false, tokenId: '', guestToken: issued.token };
}

/** A generated guest nick that no account owns. */
async function freeGuestNick(nicks: NickCheck): Promise<string> {
  let nick: string;
  do nick = `guest-${randomInt(1000, 100000)}`;
  while (await nicks.taken(nick));
  return nick;
}

