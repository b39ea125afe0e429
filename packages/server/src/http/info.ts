import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

/**
 * What this server has of Version 1.1 (docs/protocol.md): the room log's changes, replies, read
 * state, search; files when UPLOADS is on, push when PUSH is on. IRC joins the list when it lands.
 */
export const FEATURES: readonly string[] = ['edit', 'react', 'reply', 'read', 'search'];

/**
 * GET /api/info: what a client needs to know before signing in (whether guests may chat), the
 * server's features, and with "files" the upload limits a client checks before uploading:
 * `maxUploadBytes`, and `guestUploads` (false: guests may not upload).
 */
export function infoRoutes(app: FastifyInstance, config: Config): void {
  const features = [...FEATURES, ...(config.uploads ? ['files'] : []), ...(config.push ? ['push'] : [])];
  const info = config.uploads
    ? { protocol: 1, allowGuests: config.allowGuests, features, maxUploadBytes: config.maxUploadBytes, guestUploads: config.guestUploads }
    : { protocol: 1, allowGuests: config.allowGuests, features };
  app.get('/api/info', async () => info);
}
