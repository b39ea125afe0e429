// buildApp(options): the whole server as a Fastify instance. Never listens and never reads
// process.env: main.ts does both, and tests call this with their own config on port 0.
import type { Server } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { Admins, unclaimedWarning } from './auth/admins.js';
import { NickPolicy } from './auth/nick-policy.js';
import { provisionFileAdmin } from './auth/operator-admin.js';
import type { BackendLogger, Backends } from './backends.js';
import type { Config } from './config.js';
import { Gateway } from './gateway/gateway.js';
import { accountRoutes } from './http/account-routes.js';
import { csrfCheck } from './http/csrf.js';
import { healthRoutes } from './http/health.js';
import { hostCheck } from './http/host-check.js';
import { HostPolicy } from './net/host-policy.js';
import { infoRoutes } from './http/info.js';
import { metricsRoutes } from './http/metrics.js';
import { meRoomRoutes } from './http/me-room-routes.js';
import { nickRoutes } from './http/nick-routes.js';
import { roomRoutes } from './http/room-routes.js';
import { pushRoutes } from './http/push-routes.js';
import { searchRoutes } from './http/search-routes.js';
import { securityHeaders } from './http/security-headers.js';
import { staticRoutes } from './http/static.js';
import { tokenRoutes } from './http/token-routes.js';
import { Hub } from './hub/hub.js';
import { OutageLog } from './log/outage-log.js';
import { Metrics } from './metrics/metrics.js';
import { DEFAULT_REQUEST_BUDGET, RequestBudget } from './rate-limit/request-budget.js';
import { Retention } from './store/retention.js';
import { Sweeper } from './store/sweeper.js';
import { FileSweeper } from './files/file-sweeper.js';
import { SearchBacklog } from './store/search-backlog.js';
import { fileRoutes } from './files/file-routes.js';
import { openPush } from './push/push-service.js';
import type { Store } from './store/store.js';

/** PEM contents (not paths): main.ts reads and checks the files, and re-reads them on SIGHUP. */
export interface TlsCredentials {
  cert: string | Buffer;
  key: string | Buffer;
}

export interface AppOptions {
  config: Config;
  /**
   * Opens the store, bus, presence and rate limiters. main.ts passes createBackends (backends.ts,
   * the only module naming implementations) for the config; a test may hand in its own. Called
   * once, with the app's logger, after the host check is in place.
   */
  backends: (log: BackendLogger) => Promise<Backends>;
  /** Serve HTTPS and wss on the one port. */
  tls?: TlsCredentials;
  /**
   * The password read from ADMIN_PASSWORD_FILE (main.ts reads and checks it): the account of the
   * first ADMIN_USERS name is made, or confirmed, with it before the server serves.
   */
  adminPassword?: string;
  /** The hub's request budget (a test may lift it); by default DEFAULT_REQUEST_BUDGET with REQUEST_RATE_PER_IP. */
  requestBudget?: RequestBudget;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Starts the separate metrics listener (METRICS_PORT), if any; call after listen(). */
    listenMetrics(): Promise<void>;
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, tls, adminPassword, requestBudget } = options;
  const logger = {
    level: config.logLevel,
    // Least data in logs: never a query string (it may hold a token), never a body.
    serializers: {
      req: (req: { method: string; url: string; ip: string }) => ({ method: req.method, url: req.url.split('?')[0], remoteAddress: req.ip }),
    },
  };
  // TRUST_PROXY: one trusted hop (the proxy's own X-Forwarded-For entry), as the gateway reads it.
  const trustProxy = config.trustProxy ? (_address: string, hop: number) => hop === 0 : false;
  // Fastify's type for an HTTPS instance differs; both are the same server to everything below.
  const app = (tls ? Fastify({ logger, trustProxy, https: tls }) : Fastify({ logger, trustProxy })) as unknown as FastifyInstance;
  // Before anything else is added: the host check guards every request (DNS rebinding).
  const hosts = new HostPolicy({ allowedHosts: config.allowedHosts, publicUrl: config.publicUrl, trustProxy: config.trustProxy, log: app.log });
  hostCheck(app, hosts);
  // Root plugins: their hooks guard every route, present and future, in this order after the host.
  await app.register(securityHeaders);
  await app.register(csrfCheck, { origins: { allowedOrigins: config.allowedOrigins, trustProxy: config.trustProxy, hosts } });
  const backends = await options.backends(app.log);
  const { store, bus, presence, rateLimiter, addressRateLimiter, files } = backends;
  const admins = new Admins({ store, usernames: config.adminUsers });
  // ADMIN_USERS are reserved from the start, before the operator makes their accounts.
  const nicks = new NickPolicy({ store, reserved: config.adminUsers });
  await checkAdmins(app, store, admins, config, adminPassword);
  const metrics = new Metrics();
  const push = config.push ? await openPush({ config, store, presence, metrics, log: app.log.child({ component: 'push' }) }) : null;
  const hub = new Hub({
    store,
    bus,
    presence,
    rateLimiter,
    addressRateLimiter,
    roomCreation: config.roomCreation,
    maxRoomsCreatedPerHour: config.maxRoomsCreatedPerHour,
    maxRoomsCreatedPerIpPerHour: config.maxRoomsCreatedPerIpPerHour,
    requestBudget:
      requestBudget ?? new RequestBudget({ ...DEFAULT_REQUEST_BUDGET, perAddressRate: config.requestRatePerIp, perAddressBurst: 10 * config.requestRatePerIp }),
    historyWindow: config.historyWindow,
    maxRoomsPerConnection: config.maxRoomsPerConnection,
    admins,
    nicks,
    log: app.log,
    metrics,
    ...(push ? { notifier: push.notifier } : {}),
  });
  const gateway = new Gateway({
    server: app.server as Server,
    hub,
    store,
    maxFrameBytes: config.maxFrameBytes,
    maxMessageChars: config.maxMessageChars,
    heartbeatMs: config.heartbeatMs,
    allowedOrigins: config.allowedOrigins,
    trustProxy: config.trustProxy,
    hosts,
    allowGuests: config.allowGuests,
    nicks,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    maxGuestsPerIpPerHour: config.maxGuestsPerIpPerHour,
    log: app.log.child({ component: 'ws' }),
    metrics,
  });
  metrics.observe({ connections: () => gateway.size, roomsActive: () => hub.stats().roomsActive, memberships: () => hub.stats().memberships });
  const retention = new Retention({ store, days: config.retentionDays, log: app.log });
  const sweeper = new Sweeper({ store, inUse: async (room) => (await presence.roomOnline(room)) > 0, log: app.log });
  const fileSweeper = new FileSweeper({ store, dir: files.dir, log: app.log });
  const searchBacklog = new SearchBacklog({ store, log: app.log });

  // The upload directory too: in a cluster it is a shared volume every node must be able to write.
  healthRoutes(app, { store, bus, presence, uploads: files.dir });
  infoRoutes(app, config);
  // A revoked token's connections may be on any node: the bus tells every gateway.
  const revocationOutage = new OutageLog({ log: app.log, component: 'bus publish (token revocations)', effect: 'other nodes keep those connections open' });
  const onTokenRevoked = (tokenId: string) => {
    bus.publish({ type: 'tokenRevoked', tokenId }).then(
      () => revocationOutage.recovered(),
      (err: unknown) => revocationOutage.failed(err),
    );
  };
  const stopRevoking = bus.subscribe((event) => {
    if (event.type === 'tokenRevoked') gateway.closeToken(event.tokenId);
    // A redaction or a room deletion, on any node, left files gone: their bytes go now.
    if ((event.type === 'message' && event.message.type === 'changed' && event.message.action === 'redact') || event.type === 'roomDeleted') fileSweeper.nudge();
  });
  // The JSON API: route plugins, each with its prefix and its own error answers (docs/protocol.md,
  // "Accounts, private rooms and moderation").
  await app.register(accountRoutes, { prefix: '/api', store, config, nicks, onTokenRevoked });
  await app.register(nickRoutes, { prefix: '/api/nicks', config, nicks });
  await app.register(tokenRoutes, { prefix: '/api/auth/tokens', store, onTokenRevoked });
  await app.register(roomRoutes, { prefix: '/api/rooms', store, config, presence, admins });
  await app.register(meRoomRoutes, { prefix: '/api/me/rooms', store });
  await app.register(searchRoutes, { prefix: '/api/search', store });
  if (push) await app.register(pushRoutes, { prefix: '/api/push', store, guard: push.guard, publicKey: push.publicKey });
  await app.register(fileRoutes, { store, config, admins, rateLimiter, uploadDir: files.dir, links: files.links });
  await staticRoutes(app);
  let metricsApp: FastifyInstance | null = null;
  if (config.metrics && config.metricsPort === 0) metricsRoutes(app, metrics);
  if (config.metrics && config.metricsPort !== 0) {
    // Its own listener (default 127.0.0.1), so metrics need not be public.
    metricsApp = Fastify({ logger: false });
    hostCheck(metricsApp, hosts);
    metricsRoutes(metricsApp, metrics);
    app.addHook('onClose', async () => {
      await metricsApp?.close();
    });
  }
  app.decorate('listenMetrics', async () => {
    if (metricsApp) await metricsApp.listen({ port: config.metricsPort, host: config.metricsHost });
  });

  app.addHook('onListen', async () => {
    retention.start();
    sweeper.start();
    fileSweeper.start();
    searchBacklog.start();
  });
  // preClose runs before the HTTP server stops. Order matters: stop listening, stop reading frames,
  // let queued messages commit and get their acks, and only then close the sockets with 1001.
  // The listener closes first so that reconnecting clients are refused at once and try another
  // node (or the proxy does): an open listener would take their connections while the event loop
  // is busy closing thousands, and reset them only when the process exits. Fastify's own close of
  // the server afterwards finds it stopped, which it allows.
  app.addHook('preClose', async () => {
    if (app.server.listening) app.server.close();
    gateway.stopAccepting();
    await hub.close();
    await gateway.close();
    await retention.stop();
    await sweeper.stop();
    await fileSweeper.stop();
    await searchBacklog.stop();
    await push?.stop();
  });
  app.addHook('onClose', async () => {
    stopRevoking();
    await rateLimiter.close();
    await addressRateLimiter.close();
    await bus.close();
    await presence.close();
    await store.close();
  });
  return app;
}

/**
 * At start: ADMIN_PASSWORD_FILE makes (or confirms) the first listed admin's account, and
 * every listed admin still without an account the operator made gets a warning naming the command
 * that makes it. Never logs the password.
 */
async function checkAdmins(app: FastifyInstance, store: Store, admins: Admins, config: Config, adminPassword: string | undefined): Promise<void> {
  const first = config.adminUsers[0];
  if (adminPassword !== undefined && first !== undefined) {
    const outcome = await provisionFileAdmin(store, first, adminPassword);
    const log = { event: 'admin_password_file', admin: first, outcome: outcome.kind };
    if (outcome.kind === 'created') app.log.info(log, `admin account ${first} created from ADMIN_PASSWORD_FILE`);
    else if (outcome.kind === 'rotated' || outcome.kind === 'adopted') {
      app.log.warn({ ...log, revoked: outcome.revoked }, `ADMIN_PASSWORD_FILE: ${first} is the operator's admin account now, with the file's password; its earlier sessions and tokens were ended`);
    } else if (outcome.kind === 'foreign') {
      app.log.warn(log, `ADMIN_PASSWORD_FILE: ${first} is an account someone registered with another password; left alone (no admin rights)`);
    }
  }
  for (const unclaimed of await admins.unclaimed()) {
    app.log.warn({ event: 'admin_unclaimed', admin: unclaimed.username, problem: unclaimed.problem }, unclaimedWarning(unclaimed));
  }
}
