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
  // A scope of its own, so the hook below sees only the web client's files.
  await app.register(async (scope) => {
    scope.addHook('onSend', async (request, reply, payload) => {
      const url = request.routeOptions.url;
      // The service worker and the manifest have fixed names: a browser must ask again each time
      // (conditionally, so usually a 304) or it keeps an earlier deployment's worker and app
      // shell. (Browsers cap a worker script's HTTP caching at 24 h anyway; this makes it 0.)
      if (url === '/sw.js' || url === '/manifest.webmanifest') reply.header('cache-control', 'no-cache');
      // The type the Web App Manifest spec registers (send's table may not know the extension).
      if (url === '/manifest.webmanifest') reply.header('content-type', 'application/manifest+json; charset=utf-8');
      return payload;
    });
    await scope.register(fastifyStatic, { root, index: 'index.html', wildcard: false });
  });
}
