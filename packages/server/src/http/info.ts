import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

/**
 * What this server has of Version 1.1 (docs/protocol.md): the room log's changes, replies and read
 * state. Files, search, push and IRC join the list when they land.
 */
export const FEATURES: readonly string[] = ['edit', 'react', 'reply', 'read'];

/** GET /api/info: what a client needs to know before signing in (whether guests may chat), and the server's features. */
export function infoRoutes(app: FastifyInstance, config: Config): void {
  app.get('/api/info', async () => ({ protocol: 1, allowGuests: config.allowGuests, features: FEATURES }));
}
