import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics/metrics.js';

/** GET /metrics in the Prometheus text format. */
export function metricsRoutes(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
