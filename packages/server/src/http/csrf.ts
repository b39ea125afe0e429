// CSRF (docs/protocol.md, "Accounts, private rooms and moderation"): a state-changing request must
// come from our own page (or an ALLOWED_ORIGINS one). The session cookie is SameSite=Lax already;
// this also covers old browsers, sibling subdomains (same-site, cross-origin) and login CSRF.
// A root plugin, so it guards every route, present and future, and runs before the body is read.
import type { FastifyRequest } from 'fastify';
import { bearerToken } from '../auth/credentials.js';
import { isOriginAllowed, type OriginPolicy } from '../net/origin.js';
import { fail } from './api-errors.js';
import { rootPlugin } from './root-plugin.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface CsrfCheckOptions {
  /** ALLOWED_ORIGINS, TRUST_PROXY and the host names we answer to, as the WebSocket upgrade uses them. */
  origins: OriginPolicy;
}

export const csrfCheck = rootPlugin<CsrfCheckOptions>('csrf-check', async (app, { origins }) => {
  app.addHook('onRequest', async (req, reply) => {
    const refusal = csrfRefusal(req, origins);
    if (refusal !== null) return fail(reply, 403, 'forbidden', refusal);
  });
});

function csrfRefusal(req: FastifyRequest, origins: OriginPolicy): string | null {
  if (!STATE_CHANGING.has(req.method)) return null;
  // A browser cannot add Authorization to a cross-site request without a CORS preflight, which
  // we never grant; and such a request is authenticated by that header alone, never the cookie.
  if (bearerToken(req.headers) !== null) return null;
  if (req.headers['sec-fetch-site'] === 'same-origin') return null;
  if (req.headers.origin !== undefined) return isOriginAllowed(req.raw, origins) ? null : 'cross-site request refused (Origin)';
  return 'a state-changing request needs the Origin header of this site';
}
