// GET api/files/ID/NAME and api/files/ID/thumb/NAME (docs/protocol.md, "Files"): an uploaded file's
// bytes, for whoever holds its signed URL (file-links.ts), no cookie or token needed, so that an
// <img> works. Every answer here, errors too, is nosniff and `Content-Security-Policy: sandbox`
// (in place of the page's policy), so that even a file a browser would take for HTML runs no
// script with our origin; only images and common audio and video are inline, the rest are
// attachments. Ranges (206, 416), ETag and conditional requests come from @fastify/send.
import { relative } from 'node:path';
import fastifyStatic from '@fastify/static';
import contentDisposition from 'content-disposition';
import type { FastifyError, FastifyPluginAsync, FastifyReply, LogLevel } from 'fastify';
import { FILE_ID } from '@chat/protocol';
import { apiErrorHandler, fail } from '../http/api-errors.js';
import type { FileStore } from '../store/file-store.js';
import type { FileLinks, FileVariant } from './file-links.js';
import type { UploadDir } from './upload-dir.js';

/** Types a browser may show in the page: images we re-encoded, and common audio and video. */
export const INLINE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'audio/mpeg',
  'audio/ogg',
  'audio/ogg; codecs=opus',
  'audio/wav',
  'audio/webm',
  'audio/mp4',
  'audio/x-m4a',
  'audio/aac',
  'audio/flac',
  'video/mp4',
  'video/webm',
  'video/ogg',
]);
const THUMB_TYPE = 'image/webp';
/** Digits of a URL's expiry (seconds since the epoch). */
const EXPIRY = /^\d{1,12}$/;

export interface ServeRoutesOptions {
  store: FileStore;
  uploadDir: UploadDir;
  links: FileLinks;
}

interface ServeRequest {
  Params: { id: string; '*': string };
  Querystring: { exp?: unknown; sig?: unknown };
}

export const serveRoutes: FastifyPluginAsync<ServeRoutesOptions> = async (app, { store, uploadDir, links }) => {
  // reply.sendFile in this scope only, rooted in the upload directory; it serves no route itself.
  await app.register(fastifyStatic, { root: uploadDir.dir, serve: false });
  app.setErrorHandler((err: FastifyError & { headers?: Record<string, string> }, req, reply) => {
    // @fastify/send's refusals of a range or a precondition, as JSON like every other answer here.
    if (err.statusCode === 416 || err.statusCode === 412) {
      const range = err.headers?.['Content-Range'];
      if (range !== undefined) reply.header('content-range', range);
      return fail(reply, err.statusCode, 'bad_request', err.statusCode === 416 ? 'the range is not satisfiable' : 'a precondition failed');
    }
    return apiErrorHandler(err, req, reply);
  });

  app.addHook<ServeRequest>('onRequest', async (req, reply) => {
    // helmet set the page's policy on the raw response; this one replaces it.
    reply.raw.removeHeader('content-security-policy');
    reply.header('content-security-policy', 'sandbox');
    reply.header('x-content-type-options', 'nosniff');
    // Until the URL expires, this browser may keep the answer; no shared cache may.
    const exp = typeof req.query.exp === 'string' && EXPIRY.test(req.query.exp) ? Number(req.query.exp) : 0;
    reply.header('cache-control', `private, max-age=${Math.max(0, Math.floor(exp - Date.now() / 1000))}`);
  });

  // One wildcard route: a name may be longer than a path parameter may (maxParamLength is 100).
  // Not in the info log: the path holds the file's name (what the user wrote), and every image in
  // every message is fetched, so it would outnumber all other lines. LOG_LEVEL=debug shows them.
  const logLevel = (app.log.level === 'info' ? 'warn' : app.log.level) as LogLevel;
  app.get<ServeRequest>('/:id/*', { logLevel }, async (req, reply) => {
    const { id, '*': rest } = req.params;
    const variant: FileVariant = rest.startsWith('thumb/') ? 'thumb' : 'file';
    const name = variant === 'thumb' ? rest.slice('thumb/'.length) : rest;
    const { exp, sig } = req.query;
    if (!FILE_ID.test(id) || typeof exp !== 'string' || !EXPIRY.test(exp) || typeof sig !== 'string') return denied(reply);
    const check = links.check(id, variant, Number(exp), sig);
    if (check === 'expired') return fail(reply, 403, 'forbidden', 'this link has expired; reload the message for a new one');
    if (check !== 'ok') return denied(reply);
    const file = await store.fileById(id);
    // The name is checked here, not signed: a URL with another name is simply not this file's.
    if (file === null || file.name !== name || (variant === 'thumb' && !file.thumb)) return fail(reply, 404, 'not_found', 'no such file');
    const type = variant === 'thumb' ? THUMB_TYPE : file.type;
    reply.header('content-type', type === 'text/plain' ? 'text/plain; charset=utf-8' : type);
    reply.header('content-disposition', contentDisposition(file.name, { type: INLINE_TYPES.has(type) ? 'inline' : 'attachment' }));
    const path = variant === 'thumb' ? uploadDir.thumbPath(id) : uploadDir.filePath(id);
    // Our own headers stand: @fastify/send adds Content-Length, ranges, ETag and Last-Modified.
    return reply.sendFile(relative(uploadDir.dir, path), { contentType: false, cacheControl: false, acceptRanges: true });
  });
};

function denied(reply: FastifyReply): FastifyReply {
  return fail(reply, 403, 'forbidden', 'not a valid file link');
}
