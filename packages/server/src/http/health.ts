import type { FastifyInstance } from 'fastify';

/** Something the node cannot work without: the store, and in a cluster the bus and presence. */
export interface Dependency {
  ping(): Promise<void>;
}

/**
 * GET /healthz: 200 when every dependency answers, 503 otherwise, so a load balancer sends new
 * connections elsewhere while this node's PostgreSQL or Redis is unreachable.
 */
export function healthRoutes(app: FastifyInstance, dependencies: Dependency[]): void {
  app.get('/healthz', async (_req, reply) => {
    const results = await Promise.allSettled(dependencies.map((d) => d.ping()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return { status: 'ok' };
    app.log.warn({ err: failed.reason }, 'health check: a backend is unavailable');
    return reply.code(503).send({ status: 'unavailable' });
  });
}
