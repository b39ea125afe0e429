// buildApp(options): the whole server as a Fastify instance. Never listens and never reads
// process.env: main.ts does both, and tests call this with their own config on port 0.
import Fastify, { type FastifyInstance } from 'fastify';
import { createBackends, type Backends } from './backends.js';
import type { Config } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { healthRoutes } from './http/health.js';
import { staticRoutes } from './http/static.js';
import { Hub } from './hub/hub.js';

export interface AppOptions extends Partial<Backends> {
  config: Config;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Least data in logs: never a query string (it may hold a token), never a body.
      serializers: {
        req: (req) => ({ method: req.method, url: req.url.split('?')[0], remoteAddress: req.ip }),
      },
    },
    trustProxy: config.trustProxy,
  });
  const { config: _config, ...overrides } = options;
  const backends = await createBackends(config, overrides);
  const { store, bus, presence } = backends;
  const hub = new Hub({
    store,
    bus,
    presence,
    rateLimit: config.rateLimit,
    historyWindow: config.historyWindow,
    log: app.log,
  });
  const gateway = new Gateway({
    server: app.server,
    hub,
    store,
    maxFrameBytes: config.maxFrameBytes,
    maxMessageChars: config.maxMessageChars,
    heartbeatMs: config.heartbeatMs,
    allowedOrigins: config.allowedOrigins,
    trustProxy: config.trustProxy,
    log: app.log.child({ component: 'ws' }),
  });

  healthRoutes(app, store);
  await staticRoutes(app);

  // preClose runs before the HTTP server stops. Order matters: stop reading frames, let queued
  // messages commit and get their acks, and only then close the sockets with 1001.
  app.addHook('preClose', async () => {
    gateway.stopAccepting();
    await hub.close();
    await gateway.close();
  });
  app.addHook('onClose', async () => {
    await bus.close();
    await presence.close();
    await store.close();
  });
  return app;
}
