import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';

/** GET /healthz: 200 when the store answers, 503 otherwise (for load balancers and monitors). */
export function healthRoutes(app: FastifyInstance, store: Store): void {
  app.get('/healthz', async (_req, reply) => {
    try {
      await store.ping();
      return { status: 'ok' };
    } catch (err) {
      app.log.warn({ err }, 'health check: store unavailable');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
