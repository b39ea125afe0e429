// Who is behind an API request: a session cookie, or a session or bearer token in Authorization.
import type { FastifyRequest } from 'fastify';
import { bearerToken, readSessionCookie } from '../auth/credentials.js';
import type { Store, TokenIdentity } from '../store/store.js';

/** The signed-in account behind the request, or null (none, unknown, expired, or a guest's). */
export async function signedIn(store: Store, req: FastifyRequest): Promise<TokenIdentity | null> {
  const bearer = bearerToken(req.headers);
  const token = bearer ?? readSessionCookie(req.headers);
  if (token === null) return null;
  const identity = await store.identityByToken(token);
  if (identity === null || !identity.account) return null;
  // The cookie only ever holds a session; a guest token is no account.
  if (bearer === null ? identity.kind !== 'session' : identity.kind === 'guest') return null;
  return identity;
}

/**
 * The user behind a Version 1.1 request: as signedIn, and also a guest whose restore token comes
 * as `Authorization: Bearer` (docs/protocol.md, Version 1.1: guests use their token there).
 */
export async function caller(store: Store, req: FastifyRequest): Promise<TokenIdentity | null> {
  const bearer = bearerToken(req.headers);
  if (bearer !== null) {
    const identity = await store.identityByToken(bearer);
    if (identity?.kind === 'guest') return identity;
  }
  return signedIn(store, req);
}
