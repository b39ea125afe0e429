// Who is connecting: the upgrade request's `token` (restores a guest; issue 5 adds account
// sessions and the `session` cookie) or a guest nick. Refusals are HTTP statuses, as the
// protocol's Identity section requires.
import { randomInt } from 'node:crypto';
import { normalizeNick, type User } from '@chat/protocol';
import type { Store } from '../store/store.js';

export type Identity = { ok: true; user: User; token: string } | { ok: false; status: 400 | 401; message: string };

export async function resolveIdentity(store: Store, query: URLSearchParams): Promise<Identity> {
  const token = query.get('token');
  if (token !== null) {
    const identity = token.length > 0 && token.length <= 256 ? await store.identityByToken(token) : null;
    if (!identity) return { ok: false, status: 401, message: 'unknown or expired token' };
    return { ok: true, user: identity.user, token };
  }
  const requested = query.get('nick');
  let nick: string;
  if (requested === null) {
    nick = `guest-${randomInt(1000, 10000)}`;
  } else {
    const normalized = normalizeNick(requested);
    if (normalized === null) return { ok: false, status: 400, message: 'a nick is 1-32 characters with no control characters' };
    nick = normalized;
  }
  // TODO(#5): refuse a nick that a registered account owns (nick_taken) and guests when disabled.
  const issued = await store.createGuest(nick);
  return { ok: true, user: issued.user, token: issued.token };
}
