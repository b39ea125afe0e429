// Accounts over HTTP (PROTOCOL.md, "Accounts, private rooms and moderation"): register, login,
// logout, me, bearer tokens, the room list and room history; plus what every HTTP request gets
// with them: security headers and the CSRF rule. Paths have no leading prefix beyond /api, and the
// page uses relative URLs, so all of it also works under a proxy prefix.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_LIMITS, MIN_PASSWORD_CHARS, USERNAME, type User } from '@chat/protocol';
import { Admins } from '../auth/admins.js';
import { NickPolicy, type NickCheck } from '../auth/nick-policy.js';
import { bearerToken, clearedSessionCookie, readSessionCookie, sessionCookie } from '../auth/credentials.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { hashPassword, MAX_PASSWORD_CHARS, needsRehash, PasswordHasherBusyError, verifyAgainstDummy, verifyPassword } from '../auth/password.js';
import { passwordProblem } from '../auth/password-policy.js';
import { ipKey, WindowCounter } from '../auth/window-counter.js';
import type { Config } from '../config.js';
import { requestScheme } from '../net/forwarded.js';
import { isOriginAllowed } from '../net/origin.js';
import { mayRead, standingIn } from '../hub/room-access.js';
import type { Presence } from '../presence/presence.js';
import type { HostPolicy } from '../net/host-policy.js';
import type { AccountRecord, Store, TokenIdentity } from '../store/store.js';
import { encodeRoomCursor, parseRoomListQuery } from './room-list-query.js';
import { securityHeaders } from './security-headers.js';

export interface AuthRoutesOptions {
  store: Store;
  config: Config;
  /** For `online` in api/rooms. */
  presence: Presence;
  /** The host names we answer to, for the own origin of the CSRF check. */
  hosts: HostPolicy;
  /**
   * Who is a server admin (reads private rooms' history); its listed names cannot be registered.
   * Default: ADMIN_USERS of `config` over `store` (app.ts passes the one the hub uses too).
   */
  admins?: Admins;
  /** Which usernames a registration may not take (default: accounts and ADMIN_USERS, and their lookalikes). */
  nicks?: NickCheck;
  /** A session or bearer token was revoked: close the WebSockets it opened (within a second). */
  onTokenRevoked: (tokenId: string) => void;
}

/** Error bodies: `{"error": code, "message": for people}`; the WebSocket protocol's codes where one fits. */
type ErrorCode = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'nick_taken' | 'rate_limited' | 'busy' | 'internal';

const MAX_TOKEN_NAME_CHARS = 64;
const MAX_TOKENS_PER_USER = 100;
/** Room names are checked against the store (404), not a pattern: DM rooms have their own names. */
const MAX_ROOM_PARAM_CHARS = 128;
const REGISTRATION_WINDOW_MS = 60 * 60 * 1000;
/** Bodies are small JSON objects: a username, a password of at most 1024 characters, a name. */
const BODY_LIMIT = 16 * 1024;

/** What a 400 says about each field, instead of the JSON schema's wording. */
const FIELD_RULES: Record<string, string> = {
  username: 'username must be 3-32 characters of a-z, 0-9, _ and -',
  password: `password must be ${MIN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters`,
  name: `name must be 1 to ${MAX_TOKEN_NAME_CHARS} characters`,
  before: 'before must be an integer >= 0',
  limit: `limit must be an integer from 1 to ${DEFAULT_LIMITS.historyLimitMax}`,
  room: 'not a room name',
  id: 'not a token id',
};

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function authRoutes(app: FastifyInstance, options: AuthRoutesOptions): Promise<void> {
  const { store, config, presence, hosts, onTokenRevoked } = options;
  const admins = options.admins ?? new Admins({ store, usernames: config.adminUsers });
  const nicks = options.nicks ?? new NickPolicy({ store, reserved: config.adminUsers });
  const throttle = new LoginThrottle({ perIp: config.maxLoginsPerIp });
  // MAX_REGISTRATIONS_PER_IP=0 and MAX_NAME_CONFLICTS_PER_IP=0: no limit (the counter then counts nothing).
  const registrations = new WindowCounter({ limit: config.maxRegistrationsPerIp, windowMs: REGISTRATION_WINDOW_MS });
  // "Username taken" answers tell which names exist: counted apart, so a look-up costs the asker.
  const nameConflicts = new WindowCounter({ limit: config.maxNameConflictsPerIp, windowMs: REGISTRATION_WINDOW_MS });
  const originPolicy = { allowedOrigins: config.allowedOrigins, trustProxy: config.trustProxy, hosts };

  await securityHeaders(app);

  // CSRF: a state-changing request must come from our own page (or an ALLOWED_ORIGINS one). The
  // session cookie is SameSite=Lax already; this also covers old browsers, sibling subdomains
  // (same-site, cross-origin) and login CSRF. Root-level, so it guards every route, present and
  // future, and runs before the body is even read.
  app.addHook('onRequest', async (req, reply) => {
    const refusal = csrfRefusal(req);
    if (refusal !== null) return fail(reply, 403, 'forbidden', refusal);
  });

  function csrfRefusal(req: FastifyRequest): string | null {
    if (!STATE_CHANGING.has(req.method)) return null;
    // A browser cannot add Authorization to a cross-site request without a CORS preflight, which
    // we never grant; and such a request is authenticated by that header alone, never the cookie.
    if (bearerToken(req.headers) !== null) return null;
    if (req.headers['sec-fetch-site'] === 'same-origin') return null;
    if (req.headers.origin !== undefined) return isOriginAllowed(req.raw, originPolicy) ? null : 'cross-site request refused (Origin)';
    return 'a state-changing request needs the Origin header of this site';
  }

  /** The signed-in account behind the request: a session cookie, or a session or bearer token. */
  async function signedIn(req: FastifyRequest): Promise<TokenIdentity | null> {
    const bearer = bearerToken(req.headers);
    const token = bearer ?? readSessionCookie(req.headers);
    if (token === null) return null;
    const identity = await store.identityByToken(token);
    if (identity === null || !identity.account) return null;
    // The cookie only ever holds a session; a guest token is no account.
    if (bearer === null ? identity.kind !== 'session' : identity.kind === 'guest') return null;
    return identity;
  }

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

  await app.register(async (api) => {
    api.setErrorHandler(errorHandler);

    // Allow an empty body with Content-Type: application/json (fetch wrappers send it on logout).
    const parseJson = api.getDefaultJsonParser('error', 'error');
    api.removeContentTypeParser('application/json');
    api.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (req, body, done) => {
      const text = body.toString();
      if (text === '') done(null, undefined);
      else parseJson(req, text, done);
    });

    // Answers about accounts must never be cached, by the browser or by a proxy.
    api.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });

    const credentials = (username: object, password: object) => ({
      body: { type: 'object', required: ['username', 'password'], properties: { username, password } },
    });

    api.post<{ Body: { username: string; password: string } }>(
      '/api/auth/register',
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
      '/api/auth/login',
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

    api.post('/api/auth/logout', { bodyLimit: BODY_LIMIT }, async (req, reply) => {
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

    api.get('/api/me', async (req, reply) => {
      const identity = await signedIn(req);
      if (identity === null) return fail(reply, 401, 'unauthorized', 'not signed in');
      // Renew the cookie's Max-Age as the store slides the session's expiry.
      const token = bearerToken(req.headers) === null ? readSessionCookie(req.headers) : null;
      if (token !== null) reply.header('set-cookie', sessionCookie(token, secure(req)));
      return { user: identity.user };
    });

    // ---- bearer tokens for bots and CLI clients ----

    api.post<{ Body: { name: string } }>(
      '/api/auth/tokens',
      {
        bodyLimit: BODY_LIMIT,
        schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_NAME_CHARS } } } },
      },
      async (req, reply) => {
        const identity = await signedIn(req);
        if (identity === null) return fail(reply, 401, 'unauthorized', 'not signed in');
        // A leaked bot token must not mint tokens that outlive its own revocation.
        if (identity.kind !== 'session') return fail(reply, 403, 'forbidden', 'sign in to create tokens (a bearer token cannot)');
        const name = req.body.name.trim();
        if (name === '') return fail(reply, 400, 'bad_request', FIELD_RULES.name!);
        if ((await store.listTokens(identity.user.id)).length >= MAX_TOKENS_PER_USER) {
          return fail(reply, 400, 'bad_request', `at most ${MAX_TOKENS_PER_USER} tokens; revoke one first`);
        }
        const { token, id } = await store.issueToken(identity.user.id, 'bearer', { name });
        return reply.code(201).send({ token, id, name });
      },
    );

    api.get('/api/auth/tokens', async (req, reply) => {
      const identity = await signedIn(req);
      if (identity === null) return fail(reply, 401, 'unauthorized', 'not signed in');
      const tokens = await store.listTokens(identity.user.id);
      return { tokens: tokens.map(({ id, name, createdAt, lastUsedAt }) => ({ id, name, createdAt, lastUsedAt })) };
    });

    api.delete<{ Params: { id: string } }>(
      '/api/auth/tokens/:id',
      { schema: { params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } } },
      async (req, reply) => {
        const identity = await signedIn(req);
        if (identity === null) return fail(reply, 401, 'unauthorized', 'not signed in');
        if (!(await store.revokeTokenById(identity.user.id, req.params.id))) return fail(reply, 404, 'not_found', 'no such token');
        onTokenRevoked(req.params.id);
        return reply.code(204).send();
      },
    );

    // ---- rooms ----

    // In pages (issue 13: the whole list was 389 KB after a room-creation flood, and clients poll it).
    api.get<{ Querystring: Record<string, unknown> }>('/api/rooms', async (req, reply) => {
      const parsed = parseRoomListQuery(req.query);
      if (!parsed.ok) return fail(reply, 400, 'bad_request', parsed.message);
      const identity = await signedIn(req);
      const { rooms, hasMore } = await store.listRooms(identity?.user.id ?? null, parsed.query);
      const online = await Promise.all(rooms.map((r) => presence.roomOnline(r.name)));
      return {
        rooms: rooms.map((r, i) => ({ name: r.name, private: r.kind !== 'public', online: online[i], lastSeq: r.lastSeq })),
        next: hasMore ? encodeRoomCursor(rooms[rooms.length - 1]!.name) : null,
      };
    });

    api.get<{ Params: { room: string }; Querystring: { before?: number; limit?: number } }>(
      '/api/rooms/:room/messages',
      {
        schema: {
          params: { type: 'object', properties: { room: { type: 'string', minLength: 1, maxLength: MAX_ROOM_PARAM_CHARS } } },
          querystring: {
            type: 'object',
            properties: {
              before: { type: 'integer', minimum: 0 },
              limit: { type: 'integer', minimum: 1, maximum: DEFAULT_LIMITS.historyLimitMax },
            },
          },
        },
      },
      async (req, reply) => {
        const { room } = req.params;
        const identity = await signedIn(req);
        // The rule of the WebSocket side (room-access.ts): members of private rooms, the two users
        // of a DM, admins outside DMs; nobody banned. A stranger reads public rooms only.
        const standing =
          identity === null
            ? await store.roomInfo(room).then((info) => info && { info, role: null, banned: false })
            : await standingIn(store, room, { id: identity.user.id, admin: await admins.isAdmin(identity.user) });
        if (standing === null) return fail(reply, 404, 'not_found', 'no such room');
        // The same answer for the signed-out, the uninvited and the banned.
        if (!mayRead(standing)) return fail(reply, 403, 'forbidden', standing.info.kind === 'public' ? 'you are banned from this room' : 'this room is private');
        const page = await store.messagesBefore(room, req.query.before, req.query.limit ?? DEFAULT_LIMITS.historyLimit);
        return { messages: page.messages, hasMore: page.hasMore };
      },
    );
  });

  function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
    // Never log an error's message for a client error: a JSON syntax error quotes the body, and
    // the body may hold a password.
    if (err.validation) {
      const first = err.validation[0];
      const field =
        first?.keyword === 'required'
          ? String((first.params as { missingProperty?: unknown }).missingProperty ?? '')
          : (first?.instancePath ?? '').replace(/^\//, '');
      const message =
        first?.keyword === 'required'
          ? `${field} is required`
          : (FIELD_RULES[field] ?? `${err.validationContext ?? 'request'}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`);
      return fail(reply, 400, 'bad_request', message);
    }
    if (err instanceof PasswordHasherBusyError) {
      reply.header('retry-after', '1');
      return fail(reply, 503, 'busy', 'the server is busy; try again in a moment');
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message =
        status === 413 ? 'request body too large' : status === 415 ? 'send JSON (Content-Type: application/json)' : 'the body is not valid JSON';
      req.log.info({ statusCode: status, code: err.code }, 'bad request');
      return fail(reply, status, 'bad_request', message);
    }
    req.log.error({ err }, 'request failed');
    return fail(reply, 500, 'internal', 'internal error');
  }
}

function fail(reply: FastifyReply, status: number, error: ErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error, message });
}

function tooMany(reply: FastifyReply, retryAfterMs: number, message: string): FastifyReply {
  reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return fail(reply, 429, 'rate_limited', message);
}
