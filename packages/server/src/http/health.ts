import type { FastifyInstance } from 'fastify';
import { OutageLog } from '../log/outage-log.js';

/** Something the node cannot work without: the store, and in a cluster the bus and presence. */
export interface Dependency {
  ping(): Promise<void>;
}

/**
 * GET /healthz: 200 when every dependency answers, 503 otherwise, so a load balancer sends new
 * connections elsewhere while this node's PostgreSQL or Redis is unreachable.
 */
export function healthRoutes(app: FastifyInstance, dependencies: Dependency[]): void {
  // Load balancers poll every few seconds, and a test every few milliseconds: one line when the
  // node turns unhealthy and one when it is healthy again, not one per poll.
  const outage = new OutageLog({ log: app.log, component: 'health check', effect: '/healthz answers 503' });
  app.get('/healthz', async (_req, reply) => {
    const results = await Promise.allSettled(dependencies.map((d) => d.ping()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) {
      outage.recovered();
      return { status: 'ok' };
    }
    outage.failed(failed.reason);
    return reply.code(503).send({ status: 'unavailable' });
  });
}
