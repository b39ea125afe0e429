// What every JSON API route plugin (account, token and room routes) sets up in its own
// encapsulated context: the error answers, the JSON body parser, and no caching.
import type { FastifyInstance } from 'fastify';
import { apiErrorHandler } from './api-errors.js';

/** Bodies are small JSON objects: a username, a password of at most 1024 characters, a name. */
export const BODY_LIMIT = 16 * 1024;

/**
 * The `:room` path parameter of routes about one room. Room names are checked against the store
 * (404), not matched by a pattern: DM rooms have names of their own.
 */
const MAX_ROOM_PARAM_CHARS = 128;
export const roomParams = { type: 'object', properties: { room: { type: 'string', minLength: 1, maxLength: MAX_ROOM_PARAM_CHARS } } } as const;

export function apiScope(api: FastifyInstance): void {
  api.setErrorHandler(apiErrorHandler);

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
}
