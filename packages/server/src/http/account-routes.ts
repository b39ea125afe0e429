// Accounts over HTTP (docs/protocol.md, "Accounts, private rooms and moderation"): register,
// login, logout and me, under the prefix /api (app.ts). Paths have no leading prefix beyond /api,
// and the page uses relative URLs, so all of it also works under a proxy prefix.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { MIN_PASSWORD_CHARS, USERNAME, type User } from '@chat/protocol';
import { NickPolicy, type NickCheck } from '../auth/nick-policy.js';
import { bearerToken, clearedSessionCookie, readSessionCookie, sessionCookie } from '../auth/credentials.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { hashPassword, MAX_PASSWORD_CHARS, needsRehash, verifyAgainstDummy, verifyPassword } from '../auth/password.js';
import { passwordProblem } from '../auth/password-policy.js';
import { ipKey, WindowCounter } from '../auth/window-counter.js';
import type { Config } from '../config.js';
import { requestScheme } from '../net/forwarded.js';
import type { AccountRecord, Store } from '../store/store.js';
import { fail, tooMany } from './api-errors.js';
import { apiScope, BODY_LIMIT } from './api-scope.js';
import { signedIn } from './signed-in.js';

export interface AccountRoutesOptions {
  store: Store;
  config: Config;
  /** Which usernames a registration may not take (default: accounts and ADMIN_USERS, and their lookalikes). */
  nicks?: NickCheck;
  /** A session was revoked (logout, or a login replacing it): close the WebSockets it opened. */
  onTokenRevoked: (tokenId: string) => void;
}

const REGISTRATION_WINDOW_MS = 60 * 60 * 1000;

export const accountRoutes: FastifyPluginAsync<AccountRoutesOptions> = async (api, options) => {
  const { store, config, onTokenRevoked } = options;
  const nicks = options.nicks ?? new NickPolicy({ store, reserved: config.adminUsers });
  const throttle = new LoginThrottle({ perIp: config.maxLoginsPerIp });
  // MAX_REGISTRATIONS_PER_IP=0 and MAX_NAME_CONFLICTS_PER_IP=0: no limit (the counter then counts nothing).
  const registrations = new WindowCounter({ limit: config.maxRegistrationsPerIp, windowMs: REGISTRATION_WINDOW_MS });
  // "Username taken" answers tell which names exist: counted apart, so a look-up costs the asker.
  const nameConflicts = new WindowCounter({ limit: config.maxNameConflictsPerIp, windowMs: REGISTRATION_WINDOW_MS });
  apiScope(api);

  const secure = (req: FastifyRequest) => requestScheme(req.raw, config.trustProxy) === 'https';

  /** A new session for the user (a new id at every login), replacing the one the browser had. */
  async function startSession(req: FastifyRequest, reply: FastifyReply, user: User): Promise<void> {
    await endCookieSession(req);
    const { token } = await store.issueToken(user.id, 'session');
    reply.header('set-cookie', sessionCookie(token, secure(req)));
  }

  /** Revokes the session of the request's cookie, if any, and closes its WebSockets. */
  async function endCookieSession(req: FastifyRequest): Promise<void> {
    const old = readSessionCookie(req.headers);
    if (old === null) return;
    const identity = await store.identityByToken(old);
    // Only a session: whatever else someone pasted into their cookie is not ours to revoke here.
    if (identity?.kind !== 'session') return;
    await store.revokeToken(old);
    onTokenRevoked(identity.tokenId);
  }

  const credentials = (username: object, password: object) => ({
    body: { type: 'object', required: ['username', 'password'], properties: { username, password } },
  });

  api.post<{ Body: { username: string; password: string } }>(
    '/auth/register',
    {
      bodyLimit: BODY_LIMIT,
      schema: credentials(
        { type: 'string', pattern: USERNAME.source },
        { type: 'string', minLength: MIN_PASSWORD_CHARS, maxLength: MAX_PASSWORD_CHARS },
      ),
    },
    async (req, reply) => {
      const { username, password } = req.body;
      // Before any look-up: a 400 says nothing about which names exist.
      const weak = passwordProblem(password);
      if (weak !== null) return fail(reply, 400, 'bad_request', weak);
      const ip = ipKey(req.ip);
      // Either budget spent: refused before the name is looked at, so the answer tells nothing.
      const wait = Math.max(registrations.retryAfterMs(ip), nameConflicts.retryAfterMs(ip));
      if (wait > 0) return tooMany(reply, wait, 'too many registrations from this address; try again later');
      // Counted on both before any await, so parallel requests cannot all pass the check above;
      // each is taken back from the budget it turns out not to concern.
      registrations.add(ip);
      nameConflicts.add(ip);
      let outcome: 'created' | 'taken' | 'failed' = 'failed';
      let user: User | null = null;
      try {
        // Taken: an account's username, an ADMIN_USERS name (the operator makes that account, and
        // the answer does not tell strangers which names are admins'), or a lookalike of either
        // (`rnary` for `mary`, `r00t` for `root`: NickPolicy).
        if (await nicks.taken(username)) outcome = 'taken';
        else {
          user = await store.createAccount(username, await hashPassword(password));
          outcome = user === null ? 'taken' : 'created'; // null: another request took the name first
        }
      } finally {
        // failed (a busy hasher, a store error): no answer about the name, nothing counts.
        if (outcome !== 'created') registrations.remove(ip);
        if (outcome !== 'taken') nameConflicts.remove(ip);
      }
      if (user === null) return fail(reply, 409, 'nick_taken', 'that username is taken');
      await startSession(req, reply, user);
      return reply.code(201).send({ user });
    },
  );

  api.post<{ Body: { username: string; password: string } }>(
    '/auth/login',
    {
      bodyLimit: BODY_LIMIT,
      // Any name: one that cannot exist gets the same 401, after the same work, as a wrong password.
      schema: credentials({ type: 'string', minLength: 1, maxLength: 64 }, { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_CHARS }),
    },
    async (req, reply) => {
      const username = req.body.username.trim().toLowerCase();
      const { password } = req.body;
      const attempt = throttle.begin(username, req.ip);
      if ('retryAfterMs' in attempt) return tooMany(reply, attempt.retryAfterMs, 'too many sign-in attempts; try again later');
      let account: AccountRecord | null;
      let ok: boolean;
      try {
        account = USERNAME.test(username) ? await store.accountByUsername(username) : null;
        // An unknown name costs a full hash too: its 401 must not come back faster.
        ok = account !== null ? await verifyPassword(password, account.passwordHash) : await verifyAgainstDummy(password);
      } catch (err) {
        // Not a failed guess (busy hasher, store error): it must not count against the account.
        attempt.abandoned();
        throw err;
      }
      if (!ok || account === null) {
        attempt.failed();
        return fail(reply, 401, 'unauthorized', 'wrong username or password');
      }
      attempt.succeeded();
      if (needsRehash(account.passwordHash)) {
        try {
          await store.setPasswordHash(account.user.id, await hashPassword(password));
        } catch (err) {
          // The old hash still works; the next login tries again.
          req.log.warn({ err, user: account.user.id }, 'password rehash failed');
        }
      }
      await startSession(req, reply, account.user);
      return { user: account.user };
    },
  );

  api.post('/auth/logout', { bodyLimit: BODY_LIMIT }, async (req, reply) => {
    const bearer = bearerToken(req.headers);
    if (bearer !== null) {
      // A CLI signed in with a session token; bearer tokens are revoked through api/auth/tokens.
      const identity = await store.identityByToken(bearer);
      if (identity?.kind === 'session') {
        await store.revokeToken(bearer);
        onTokenRevoked(identity.tokenId);
      }
    } else {
      await endCookieSession(req);
    }
    reply.header('set-cookie', clearedSessionCookie(secure(req)));
    return reply.code(204).send();
  });

  api.get('/me', async (req, reply) => {
    const identity = await signedIn(store, req);
    if (identity === null) return fail(reply, 401, 'unauthorized', 'not signed in');
    // Renew the cookie's Max-Age as the store slides the session's expiry.
    const token = bearerToken(req.headers) === null ? readSessionCookie(req.headers) : null;
    if (token !== null) reply.header('set-cookie', sessionCookie(token, secure(req)));
    return { user: identity.user };
  });
};
