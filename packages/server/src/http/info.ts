import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

/** GET /api/info: what a client needs to know before signing in (whether guests may chat). */
export function infoRoutes(app: FastifyInstance, config: Config): void {
  app.get('/api/info', async () => ({ protocol: 1, allowGuests: config.allowGuests }));
}
