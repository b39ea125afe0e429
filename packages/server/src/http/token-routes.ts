// Bearer tokens for bots and CLI clients (docs/protocol.md, "Accounts, private rooms and
// moderation"): create, list and revoke, under the prefix /api/auth/tokens (app.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../store/store.js';
import { FIELD_RULES, fail, MAX_TOKEN_NAME_CHARS } from './api-errors.js';
import { apiScope, BODY_LIMIT } from './api-scope.js';
import { signedIn } from './signed-in.js';

export interface TokenRoutesOptions {
  store: Store;
  /** A bearer token was revoked: close the WebSockets it opened (within a second). */
  onTokenRevoked: (tokenId: string) => void;
}

const MAX_TOKENS_PER_USER = 100;

export const tokenRoutes: FastifyPluginAsync<TokenRoutesOptions> = async (api, { store, onTokenRevoked }) => {
  apiScope(api);

  api.post<{ Body: { name: string } }>(
    '',
    {
      bodyLimit: BODY_LIMIT,
      schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_NAME_CHARS } } } },
    },
    async (req, reply) => {
      const identity = await signedIn(store, req);
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

  api.get('', async (req, reply) => {
    const identity = await signedIn(store, req);
    if (identity === null) return fail(reply, 401, 'unauthorized', 'not signed in');
    const tokens = await store.listTokens(identity.user.id);
    return { tokens: tokens.map(({ id, name, createdAt, lastUsedAt }) => ({ id, name, createdAt, lastUsedAt })) };
  });

  api.delete<{ Params: { id: string } }>(
    '/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } } },
    async (req, reply) => {
      const identity = await signedIn(store, req);
      if (identity === null) return fail(reply, 401, 'unauthorized', 'not signed in');
      if (!(await store.revokeTokenById(identity.user.id, req.params.id))) return fail(reply, 404, 'not_found', 'no such token');
      onTokenRevoked(req.params.id);
      return reply.code(204).send();
    },
  );
};
