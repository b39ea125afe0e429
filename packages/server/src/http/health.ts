import type { FastifyInstance } from 'fastify';
import { OutageLog } from '../log/outage-log.js';
import { StoreWriteError } from '../store/store.js';

/** Something the node cannot work without: the store, and in a cluster the bus and presence. */
export interface Dependency {
  ping(): Promise<void>;
}

/**
 * GET /healthz: 200 {"status":"ok"} when every dependency answers, else 503 with a reason, so a
 * load balancer sends new connections elsewhere while this node's database, PostgreSQL or Redis is
 * unreachable, or its store cannot write (disk full). The reason is a few fixed words ("store
 * writes failing", "bus not answering"): /healthz is public, so no host, path or error text.
 * The log gets one line when the node becomes unhealthy and one (with the count) when it is
 * healthy again, not one per request: monitors poll every few seconds.
 */
export function healthRoutes(app: FastifyInstance, dependencies: Record<string, Dependency>): void {
  const entries = Object.entries(dependencies);
  const outage = new OutageLog({ log: app.log, component: 'health check', effect: '/healthz answers 503' });
  app.get('/healthz', async (_req, reply) => {
    const results = await Promise.allSettled(entries.map(([, d]) => d.ping()));
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ name: entries[i]![0], err: r.reason as unknown }] : []));
    if (failures.length === 0) {
      outage.recovered();
      return { status: 'ok' };
    }
    const reason = failures.map((f) => `${f.name} ${f.err instanceof StoreWriteError ? 'writes failing' : 'not answering'}`).join(', ');
    // The reason and the first error's message only: a store write failure was logged in full by the store.
    outage.failed({ reason, message: String((failures[0]?.err as Error | undefined)?.message) });
    return reply.code(503).send({ status: 'unavailable', reason });
  });
}
