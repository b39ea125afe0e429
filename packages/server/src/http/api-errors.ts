// How the JSON API answers a refusal (docs/protocol.md, "Accounts, private rooms and moderation"):
// `{"error": code, "message": for people}`, with the WebSocket protocol's codes where one fits,
// and the error handler that turns validation and body errors into such answers.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_LIMITS, MAX_NICK_CHARS, MIN_PASSWORD_CHARS } from '@chat/protocol';
import { MAX_PASSWORD_CHARS, PasswordHasherBusyError } from '../auth/password.js';

export type ErrorCode = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'nick_taken' | 'rate_limited' | 'busy' | 'internal';

export const MAX_TOKEN_NAME_CHARS = 64;

/** What a 400 says about each field, instead of the JSON schema's wording. */
export const FIELD_RULES: Record<string, string> = {
  username: 'username must be 3-32 characters of a-z, 0-9, _ and -',
  password: `password must be ${MIN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters`,
  name: `name must be 1 to ${MAX_TOKEN_NAME_CHARS} characters`,
  before: 'before must be an integer >= 0',
  limit: `limit must be an integer from 1 to ${DEFAULT_LIMITS.historyLimitMax}`,
  room: 'not a room name',
  id: 'not a token id',
  nick: `nick must be at most ${4 * MAX_NICK_CHARS} characters`,
};

export function fail(reply: FastifyReply, status: number, error: ErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error, message });
}

export function tooMany(reply: FastifyReply, retryAfterMs: number, message: string): FastifyReply {
  reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return fail(reply, 429, 'rate_limited', message);
}

export function apiErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
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
