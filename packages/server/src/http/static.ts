import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** packages/web/dist, from both src/ (tests) and dist/ (npm start) of this package. */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Serves the web client's built files at the root, so relative URLs work under a proxy prefix. */
export async function staticRoutes(app: FastifyInstance, root = WEB_DIST): Promise<void> {
  if (!existsSync(root)) {
    app.log.warn({ root }, 'web client not built; run npm run build');
    app.get('/', async (_req, reply) => reply.code(503).send({ error: 'web client not built; run npm run build' }));
    return;
  }
  await app.register(fastifyStatic, { root, index: 'index.html', wildcard: false });
}
