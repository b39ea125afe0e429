// POST api/rooms/R/files (docs/protocol.md, "Files"): a multipart body with one part `file` →
// 201 {"file": FILE}, for whoever may send in R. The checks that need no body come first, so a
// refused upload is never read: uploads on, a caller (401), guests allowed, the room (404), the
// right to send there (403), the rate limit and the daily quota (429), the declared size (413).
// Then the body goes to tmp/ (upload-receiver.ts), is inspected (file-inspector.ts), put in place
// and recorded. Any failure on the way leaves no bytes and no row behind.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminCheck } from '../auth/admins.js';
import type { Config } from '../config.js';
import { fail, tooMany, type ErrorCode } from '../http/api-errors.js';
import { apiScope, roomParams } from '../http/api-scope.js';
import { caller } from '../http/signed-in.js';
import { mayRead, standingIn } from '../hub/room-access.js';
import type { RateLimit } from '../rate-limit/rate-limit.js';
import type { StoredFile } from '../store/file-store.js';
import type { Store } from '../store/store.js';
import { cleanFileName } from './file-name.js';
import { FileInspector } from './file-inspector.js';
import type { FileLinks } from './file-links.js';
import { ImageRefused } from './image-normalizer.js';
import { receiveUpload } from './upload-receiver.js';
import type { UploadDir } from './upload-dir.js';

/** What a multipart body may add to the file's own bytes (boundaries, part headers, a long name). */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface UploadRoutesOptions {
  store: Store;
  config: Pick<Config, 'uploads' | 'guestUploads' | 'maxUploadBytes' | 'maxUploadBytesPerUserPerDay'>;
  admins: AdminCheck;
  /** The per-user send rate (RATE_LIMIT): an upload costs what a message costs. */
  rateLimiter: RateLimit;
  uploadDir: UploadDir;
  links: FileLinks;
}

export const uploadRoutes: FastifyPluginAsync<UploadRoutesOptions> = async (api, options) => {
  const { store, config, admins, rateLimiter, uploadDir, links } = options;
  const inspector = new FileInspector({ tempPath: () => uploadDir.tempPath() });
  apiScope(api);
  // Only this scope reads multipart bodies; the limits per request are set in upload-receiver.ts.
  await api.register(multipart, { throwFileSizeLimit: true });
  // Any other type reaches the handler unread, to be refused there with a word about multipart.
  api.addContentTypeParser('*', (_req, _payload, done) => done(null));

  /**
   * The reply to a request whose body was not read (or not to its end). After the answer Node
   * reads a declared body (at most the cap, by then) to its end and keeps the connection, which
   * browsers handle best; a body of unknown length, or one we stopped reading (`close`), ends
   * with the connection instead.
   */
  const unread = (reply: FastifyReply, close = declaredLength(reply.request) === null): FastifyReply => {
    if (close) reply.header('connection', 'close');
    return reply;
  };

  const uploadedToday = (userId: string) => store.uploadedBytesSince(userId, Date.now() - DAY_MS);
  const quotaMessage = `the daily upload limit (${config.maxUploadBytesPerUserPerDay} bytes per 24 hours) is reached`;

  type Refused = { refused: 422 | 429; code: ErrorCode; message: string };

  /**
   * Inspects the received file, puts what is to be served in place and records it. Whatever it
   * fails on, it leaves no bytes in place and no row; and it always empties tmp/ of this upload.
   */
  const keep = async (upload: string, filename: string, room: string, userId: string): Promise<StoredFile | Refused> => {
    const temporary = [upload];
    try {
      const inspected = await inspector.inspect(upload).catch((err: unknown) => {
        if (err instanceof ImageRefused) return err;
        throw err;
      });
      if (inspected instanceof ImageRefused) return { refused: 422, code: 'bad_request', message: inspected.message };
      temporary.push(inspected.path, ...(inspected.thumbPath === undefined ? [] : [inspected.thumbPath]));
      // Again with the real size: the declared one was only an upper bound, or absent.
      if ((await uploadedToday(userId)) + inspected.size > config.maxUploadBytesPerUserPerDay) return { refused: 429, code: 'rate_limited', message: quotaMessage };
      const stored: StoredFile = {
        id: randomBytes(16).toString('base64url'),
        name: cleanFileName(filename),
        size: inspected.size,
        type: inspected.type,
        ...(inspected.width === undefined ? {} : { width: inspected.width, height: inspected.height }),
        ...(inspected.thumbPath === undefined ? {} : { thumb: true as const }),
      };
      await uploadDir.place(stored.id, inspected.path, inspected.thumbPath);
      try {
        await store.addFile({ ...stored, room, userId, createdAt: Date.now() });
      } catch (err) {
        // No row, no bytes: the file was never uploaded.
        await uploadDir.remove(stored.id);
        throw err;
      }
      return stored;
    } finally {
      // What is still in tmp/: the original of a re-encoded image, or everything after a failure.
      await Promise.all(temporary.map((path) => rm(path, { force: true })));
    }
  };

  api.post<{ Params: { room: string } }>(
    '/:room/files',
    {
      schema: { params: roomParams },
      // Before anything reads the body: a declared size clearly over the cap is refused at once.
      onRequest: async (req, reply) => {
        const declared = declaredLength(req);
        if (declared !== null && declared > config.maxUploadBytes + MULTIPART_OVERHEAD_BYTES) {
          return fail(unread(reply, true), 413, 'bad_request', `the file is larger than ${config.maxUploadBytes} bytes`);
        }
      },
    },
    async (req, reply) => {
      const { room } = req.params;
      if (!config.uploads) return fail(unread(reply), 403, 'forbidden', 'uploads are turned off on this server');
      if (!req.isMultipart()) return fail(unread(reply), 415, 'bad_request', 'send multipart/form-data with one part "file"');
      const identity = await caller(store, req);
      if (identity === null) return fail(unread(reply), 401, 'unauthorized', 'sign in, or send your guest token, to upload');
      if (!identity.account && !config.guestUploads) return fail(unread(reply), 403, 'forbidden', 'guests may not upload files here; sign in');
      const userId = identity.user.id;
      const standing = await standingIn(store, room, { id: userId, admin: await admins.isAdmin(identity.user) });
      if (standing === null) return fail(unread(reply), 404, 'not_found', 'no such room');
      if (!mayRead(standing)) return fail(unread(reply), 403, 'forbidden', standing.banned ? 'you are banned from this room' : 'this room is private');
      const mutedUntil = await store.mutedUntil(room, userId);
      if (mutedUntil > Date.now()) return fail(unread(reply), 403, 'forbidden', `you are muted in this room until ${new Date(mutedUntil).toISOString()}`);
      const wait = await rateLimiter.take(userId);
      if (wait > 0) return tooMany(unread(reply), wait, 'too many messages and uploads; slow down');
      const declared = declaredLength(req);
      const usedBefore = await uploadedToday(userId);
      if (usedBefore + Math.max(0, (declared ?? 0) - MULTIPART_OVERHEAD_BYTES) > config.maxUploadBytesPerUserPerDay) {
        return fail(unread(reply), 429, 'rate_limited', quotaMessage);
      }

      const received = await receiveUpload(req, { tempPath: () => uploadDir.tempPath(), maxBytes: config.maxUploadBytes });
      if (!received.ok) return fail(unread(reply, true), received.status, 'bad_request', received.message);
      // Answered only once tmp/ is clean again, so that an answer means nothing is left over.
      const kept = await keep(received.path, received.filename, room, userId);
      if ('refused' in kept) return fail(reply, kept.refused, kept.code, kept.message);
      return reply.code(201).send({ file: links.info(kept) });
    },
  );
};

/** The request's Content-Length, or null when it has none (a chunked body). */
function declaredLength(req: FastifyRequest): number | null {
  const header = req.headers['content-length'];
  if (header === undefined) return null;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : null;
}
