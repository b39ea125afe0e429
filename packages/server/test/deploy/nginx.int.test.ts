// The chat server behind real nginx, the way docs and deploy/ tell operators to run it:
// nginx terminates TLS and proxies `location /wsline/` to the server with the prefix stripped.
// Every nginx here includes the shipped deploy/nginx/chat-location.conf and takes the `map` and
// `upstream` blocks verbatim from deploy/nginx.conf, so what is tested is what is shipped; the
// last block loads the whole example site.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@chat/protocol';
import type { MessageEvent as ChatMessage } from '../helpers.js';
import { sleep, startServer, tempDir, TestClient, type TestServer } from '../helpers.js';
import { freePort, killChildren, startChild, type ChildServer } from '../child-server.js';
import {
  exampleBlock,
  EXAMPLE_SITE,
  httpsGet,
  LOCATION_SNIPPET,
  localSite,
  makeCert,
  REPO,
  NGINX,
  OPENSSL,
  startNginx,
  upgradeResult,
  type Cert,
  type Nginx,
} from './nginx-harness.js';

// Without nginx (or openssl) the file is skipped locally, and fails in CI, where .ci/run installs it.
const skipReason = !existsSync(NGINX)
  ? 'nginx not installed (apt-get install nginx-light)'
  : !existsSync(OPENSSL)
    ? 'openssl not installed (apt-get install openssl)'
    : null;
if (skipReason !== null) {
  if (process.env.CI === 'true') throw new Error(`the nginx integration tests cannot be skipped in CI: ${skipReason}`);
  console.log(`skipped: ${skipReason}`);
}
const available = skipReason === null;

const PREFIX = '/wsline/';

/** The http-level config every test nginx uses: the shipped map and upstream, and one TLS server. */
function siteFor(backendPort: number, cert: Cert) {
  return (port: number) => `
    ${exampleBlock(/map \$http_upgrade \$connection_upgrade/)}

    ${exampleBlock(/upstream chat_backend/).replace('127.0.0.1:3000', `127.0.0.1:${backendPort}`)}

    server {
        listen 127.0.0.1:${port} ssl;
        server_name localhost;
        ssl_certificate ${cert.certFile};
        ssl_certificate_key ${cert.keyFile};

        include ${LOCATION_SNIPPET};
    }`;
}

/** What a browser on the page https://127.0.0.1:PORT/wsline/ sends with its WebSocket. */
function browserHeaders(nginx: Nginx): Record<string, string> {
  return { Origin: `https://127.0.0.1:${nginx.port}` };
}

function wssUrl(nginx: Nginx, query: Record<string, string> = {}): string {
  const qs = new URLSearchParams(query).toString();
  return `wss://127.0.0.1:${nginx.port}${PREFIX}ws${qs ? `?${qs}` : ''}`;
}

describe('deploy/nginx/chat-location.conf', () => {
  // Not observable in a test that runs for seconds: nginx closes a proxied connection after
  // proxy_read_timeout without data from the server (default 60 s). The server's heartbeat must
  // fit in it many times over, so that the server, not nginx, decides when a socket is dead.
  it('gives long-lived sockets timeouts well above the heartbeat interval', () => {
    const snippet = readFileSync(LOCATION_SNIPPET, 'utf8');
    for (const directive of ['proxy_read_timeout', 'proxy_send_timeout']) {
      const m = new RegExp(`^\\s*${directive}\\s+(\\d+)s;`, 'm').exec(snippet);
      expect(m, directive).not.toBeNull();
      expect(Number(m![1]) * 1000, directive).toBeGreaterThanOrEqual(10 * DEFAULT_LIMITS.heartbeatMs);
    }
  });
});

describe.skipIf(!available)('behind nginx under /wsline/ (deploy/nginx/chat-location.conf)', () => {
  let dir: string;
  let cert: Cert;
  let server: TestServer;
  let nginx: Nginx;
  let base: string;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    dir = tempDir('chat-nginx-');
    cert = makeCert(dir);
    // A short heartbeat, so an idle period in a test spans several pings through nginx.
    server = await startServer({ trustProxy: true, heartbeatMs: 200 });
    nginx = await startNginx(join(dir, 'nginx'), siteFor(server.port, cert));
    base = `https://127.0.0.1:${nginx.port}`;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
  });

  afterAll(async () => {
    await nginx?.stop();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function connect(query: Record<string, string>): Promise<TestClient> {
    const c = await TestClient.connect(wssUrl(nginx, query), { headers: browserHeaders(nginx), wsOptions: { ca: cert.pem } });
    clients.push(c);
    return c;
  }

  it('serves the page and every asset it references under /wsline/', async () => {
    const page = await httpsGet(`${base}${PREFIX}`, cert.pem);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toBe(readFileSync(join(REPO, 'packages/web/dist/index.html'), 'utf8'));

    // <script src> and <link href> (stylesheet, icon, modulepreload …), except inline data: URLs.
    const refs = [...page.text.matchAll(/<(script|link)\b[^>]*?\b(?:src|href)="([^"]+)"[^>]*>/g)]
      .map(([tag, name, ref]) => ({ tag: tag!, kind: name === 'script' ? 'script' : /rel="([^"]+)"/.exec(tag!)?.[1] ?? '', ref: ref! }))
      .filter((r) => !r.ref.startsWith('data:'));
    expect(refs.filter((r) => r.kind === 'script').length).toBeGreaterThan(0);
    expect(refs.filter((r) => r.kind === 'stylesheet').length).toBeGreaterThan(0);

    const seen = new Set<string>();
    const queue = refs.map((r) => ({ from: `${base}${PREFIX}`, ...r }));
    while (queue.length > 0) {
      const { from, ref, kind } = queue.shift()!;
      // A root-relative or absolute reference would leave the prefix (and miss the proxy).
      expect(ref, `${ref} (from ${from})`).not.toMatch(/^(\/|[a-z]+:)/i);
      const url = new URL(ref, from).href;
      expect(url.startsWith(`${base}${PREFIX}`), url).toBe(true);
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await httpsGet(url, cert.pem);
      expect(res.status, url).toBe(200);
      const type = String(res.headers['content-type']);
      if (kind === 'script' || url.endsWith('.js')) expect(type, url).toMatch(/^(text|application)\/javascript/);
      else if (kind === 'stylesheet' || url.endsWith('.css')) expect(type, url).toMatch(/^text\/css/);
      // Whatever the bundles load in turn: url(...) in CSS, relative chunk or asset paths in JS.
      const nested = url.endsWith('.css')
        ? [...res.text.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((m) => m[1]!)
        : url.endsWith('.js')
          ? [...res.text.matchAll(/["'`]((?:\.{1,2}\/)+[\w./-]+\.(?:js|css|woff2?|png|svg|webp|json))["'`]/g)].map((m) => m[1]!)
          : [];
      for (const n of nested.filter((n) => !n.startsWith('data:') && !n.startsWith('#'))) queue.push({ from: url, ref: n, kind: '', tag: '' });
    }
    expect(seen.size).toBeGreaterThanOrEqual(2);

    // The API under the same prefix.
    const health = await httpsGet(`${base}${PREFIX}healthz`, cert.pem);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok' });

    // The installable app (issue 19): the worker and the manifest keep the server's no-cache (a
    // new deployment's worker must be seen) and types through the proxy.
    const sw = await httpsGet(`${base}${PREFIX}sw.js`, cert.pem);
    expect(sw.status).toBe(200);
    expect(String(sw.headers['content-type'])).toMatch(/^(text|application)\/javascript/);
    expect(sw.headers['cache-control']).toBe('no-cache');
    const manifest = await httpsGet(`${base}${PREFIX}manifest.webmanifest`, cert.pem);
    expect(String(manifest.headers['content-type'])).toMatch(/^application\/manifest\+json/);
    expect(manifest.headers['cache-control']).toBe('no-cache');
  });

  it('redirects /wsline to /wsline/, keeping the query', async () => {
    const res = await httpsGet(`${base}/wsline?room=lobby`, cert.pem);
    expect(res.status).toBe(301);
    expect(new URL(String(res.headers.location), base).href).toBe(`${base}/wsline/?room=lobby`);
  });

  it('does not expose /metrics through the proxy, however it is spelled', async () => {
    const res = await httpsGet(`${base}${PREFIX}metrics`, cert.pem);
    expect(res.status).toBe(403);
    expect(res.text).toContain('nginx'); // nginx's own page: the request never reached the server
    // nginx matches locations on the decoded, normalized path, so these hit the same `deny`.
    for (const path of ['metrics?x=1', '/metrics', './metrics', '%6detrics', 'assets/../metrics']) {
      expect((await httpsGet(`${base}${PREFIX}${path}`, cert.pem)).status, path).toBe(403);
    }
    // Spellings nginx passes on are not the server's /metrics route (case-sensitive, no trailing slash).
    for (const path of ['metrics/', 'Metrics']) {
      const other = await httpsGet(`${base}${PREFIX}${path}`, cert.pem);
      expect(other.status, path).toBe(404);
    }
  });

  it('forwards Host, scheme and client address, and keeps upstream connections alive for plain requests', async () => {
    const seen: IncomingMessage['headers'][] = [];
    let connections = 0;
    const onRequest = (req: IncomingMessage) => void seen.push(req.headers);
    const onUpgrade = (req: IncomingMessage) => void seen.push(req.headers);
    const onConnection = () => void connections++;
    server.app.server.on('request', onRequest);
    server.app.server.on('upgrade', onUpgrade);
    server.app.server.on('connection', onConnection);
    try {
      for (let i = 0; i < 5; i++) expect((await httpsGet(`${base}${PREFIX}healthz`, cert.pem)).status).toBe(200);
      // The map sends no Connection header on plain requests, so `keepalive` in the upstream
      // block can reuse one connection (a fixed "Connection: upgrade" would defeat that).
      expect(seen.map((h) => h.connection)).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(connections).toBeLessThanOrEqual(1);

      const c = await connect({ nick: 'headers' });
      const upgrade = seen.at(-1)!;
      expect(upgrade).toMatchObject({
        host: `127.0.0.1:${nginx.port}`, // $http_host: the port the browser used, for the Origin check
        'x-forwarded-host': `127.0.0.1:${nginx.port}`, // the same, in the header TRUST_PROXY reads
        connection: 'upgrade',
        upgrade: 'websocket',
        'x-forwarded-proto': 'https',
        'x-real-ip': '127.0.0.1',
        'x-forwarded-for': '127.0.0.1',
        origin: `https://127.0.0.1:${nginx.port}`,
      });
      await c.close();
    } finally {
      server.app.server.off('request', onRequest);
      server.app.server.off('upgrade', onUpgrade);
      server.app.server.off('connection', onConnection);
    }
  });

  it('carries a chat over wss:// through nginx, and an idle socket stays open', async () => {
    const alice = await connect({ nick: 'alice' });
    const bob = await connect({ nick: 'bob' });
    await alice.request({ type: 'join', room: 'lobby' });
    await bob.request({ type: 'join', room: 'lobby' });

    const fromAlice = bob.next<ChatMessage>((f) => f.type === 'message' && f.text === 'hello through nginx');
    expect(await alice.request({ type: 'send', room: 'lobby', id: 'a1', text: 'hello through nginx' })).toMatchObject({ type: 'ack' });
    expect(await fromAlice).toMatchObject({ room: 'lobby', from: { id: alice.welcome.user.id, nick: 'alice' } });
    const fromBob = alice.next<ChatMessage>((f) => f.type === 'message' && f.text === 'and back');
    await bob.request({ type: 'send', room: 'lobby', id: 'b1', text: 'and back' });
    expect(await fromBob).toMatchObject({ from: { id: bob.welcome.user.id, nick: 'bob' } });

    // Idle for 1.5 s: the server pings every 200 ms and drops a peer that misses two, so the
    // pings and their pongs must pass nginx both ways for the sockets to survive this.
    let pings = 0;
    alice.ws.on('ping', () => pings++);
    await sleep(1500);
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(alice.ws.readyState).toBe(alice.ws.OPEN);
    expect(bob.ws.readyState).toBe(bob.ws.OPEN);
    const later = bob.next<ChatMessage>((f) => f.type === 'message' && f.text === 'still here');
    await alice.request({ type: 'send', room: 'lobby', id: 'a2', text: 'still here' });
    expect((await later).seq).toBeGreaterThan(0);
    expect(await alice.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });

  it('carries a 3 MiB upload through the proxy (over nginx\'s 1 MiB default) and serves it back under the prefix', async () => {
    const c = await connect({ nick: 'uploader' });
    const boundary = 'chat-test-boundary';
    const bytes = Buffer.alloc(3 * 1024 * 1024, 7);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = https.request(
        `${base}${PREFIX}api/rooms/lobby/files`,
        {
          method: 'POST',
          ca: cert.pem,
          agent: false,
          headers: { authorization: `Bearer ${c.welcome.token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status, answer.text).toBe(201);
    const { file } = JSON.parse(answer.text) as { file: { url: string; size: number } };
    expect(file.size).toBe(bytes.length);
    // The URL is relative to the page (…/wsline/), so it resolves under the prefix.
    const served = await httpsGet(new URL(file.url, `${base}${PREFIX}`).href, cert.pem);
    expect(served.status).toBe(200);
    expect(served.body.equals(bytes)).toBe(true);
    expect(served.headers['content-disposition']).toMatch(/^attachment/);
    await c.close();
  });

  it("refuses a foreign host (DNS rebinding) with the server's 421, through the proxy; a client's own X-Forwarded-Host is replaced", async () => {
    // This nginx site is the default server: it proxies whatever Host the browser sent.
    const rebound = { Host: `attacker.test:${nginx.port}` };
    const page = await httpsGet(`${base}${PREFIX}`, cert.pem, rebound);
    expect(page.status).toBe(421);
    expect(JSON.parse(page.text)).toMatchObject({ error: 'Misdirected Request' }); // the server's, not nginx's
    const ws = await upgradeResult(wssUrl(nginx, { nick: 'mallory' }), { ca: cert.pem, headers: { ...rebound, Origin: `https://attacker.test:${nginx.port}` } });
    expect(ws.status).toBe(421);
    // nginx sets X-Forwarded-Host from the Host it got: a client cannot smuggle another one past it.
    expect((await httpsGet(`${base}${PREFIX}healthz`, cert.pem, { 'X-Forwarded-Host': 'attacker.test' })).status).toBe(200);
    expect((await httpsGet(`${base}${PREFIX}healthz`, cert.pem, { ...rebound, 'X-Forwarded-Host': `127.0.0.1:${nginx.port}` })).status).toBe(421);
  });

  // `?token=` (still accepted, for scripts) used to put the credential in nginx's access log.
  it('never writes a token from the WebSocket query string to the access log; other requests are still logged', async () => {
    const accessLog = join(nginx.dir, 'access.log');
    const guest = await connect({ nick: 'logged' });
    const token = guest.welcome.token!;
    const script = await connect({ token });
    expect(script.welcome.user.id).toBe(guest.welcome.user.id);
    // The web client's way: the token as a subprotocol, which nginx passes on (and does not log).
    const offered = await TestClient.connect(wssUrl(nginx), { protocols: ['chat', `token.${token}`], headers: browserHeaders(nginx), wsOptions: { ca: cert.pem } });
    clients.push(offered);
    expect(offered.welcome.user.id).toBe(guest.welcome.user.id);
    expect(offered.ws.protocol).toBe('chat');
    // Spellings that reach the same location: nginx matches the decoded, normalized path.
    for (const path of ['ws', './ws', 'w%73']) {
      const res = await upgradeResult(`wss://127.0.0.1:${nginx.port}${PREFIX}${path}?token=${token}`, { ca: cert.pem, headers: browserHeaders(nginx) });
      expect(res.status, path).toBe(101);
    }
    // A refused upgrade too (an unknown token, a foreign Origin).
    expect((await upgradeResult(wssUrl(nginx, { token: `${token}x` }), { ca: cert.pem, headers: browserHeaders(nginx) })).status).toBe(401);
    expect((await upgradeResult(wssUrl(nginx, { token }), { ca: cert.pem, headers: { Origin: 'https://evil.example' } })).status).toBe(403);
    await script.close();
    await guest.close();
    expect((await httpsGet(`${base}${PREFIX}healthz?probe=logged`, cert.pem)).status).toBe(200);
    // nginx writes a request's log line when the request ends; wait for the last one.
    let log = '';
    for (let i = 0; i < 100 && !log.includes('probe=logged'); i++) {
      await sleep(20);
      log = existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : '';
    }
    expect(log).toContain('GET /wsline/healthz?probe=logged');
    expect(log).not.toContain(token);
  });

  it("refuses a foreign Origin with the server's 403, through the proxy", async () => {
    for (const origin of ['https://evil.example', `http://127.0.0.1:${nginx.port}`]) {
      const res = await upgradeResult(wssUrl(nginx, { nick: 'mallory' }), { ca: cert.pem, headers: { Origin: origin } });
      expect({ origin, ...res }).toMatchObject({ origin, status: 403 });
      expect(JSON.parse(res.body)).toMatchObject({ message: 'origin not allowed' }); // the server's, not nginx's
    }
  });
});

describe.skipIf(!available)('behind nginx without TRUST_PROXY', () => {
  let dir: string;
  let cert: Cert;
  const open: Array<{ stop?: () => Promise<void>; close?: () => Promise<void> }> = [];

  beforeAll(() => {
    dir = tempDir('chat-nginx-');
    cert = makeCert(dir);
  });
  afterEach(async () => {
    for (const r of open.splice(0).reverse()) await (r.stop ?? r.close)!();
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the page\'s own origin: the server sees http from nginx while the browser says https', async () => {
    const server = await startServer({ trustProxy: false });
    open.push(server);
    const nginx = await startNginx(join(dir, 'no-trust'), siteFor(server.port, cert));
    open.push(nginx);
    // The page loads fine; only the WebSocket is refused. This is why TRUST_PROXY=true is needed
    // behind a TLS-terminating proxy (or the public origin in ALLOWED_ORIGINS, below).
    expect((await httpsGet(`https://127.0.0.1:${nginx.port}${PREFIX}`, cert.pem)).status).toBe(200);
    const res = await upgradeResult(wssUrl(nginx, { nick: 'alice' }), { ca: cert.pem, headers: browserHeaders(nginx) });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ message: 'origin not allowed' });
    // A client that sends no Origin (not a browser) is let in: Origin is a browser-only defence.
    const bot = await TestClient.connect(wssUrl(nginx, { nick: 'bot' }), { wsOptions: { ca: cert.pem } });
    await bot.close();
  });

  it('accepts the public origin when it is listed in ALLOWED_ORIGINS instead', async () => {
    const port = await freePort();
    const server = await startServer({ trustProxy: false, allowedOrigins: [`https://127.0.0.1:${port}`] });
    open.push(server);
    const nginx = await startNginx(join(dir, 'allowed'), siteFor(server.port, cert), { port });
    open.push(nginx);
    const c = await TestClient.connect(wssUrl(nginx, { nick: 'alice' }), { headers: browserHeaders(nginx), wsOptions: { ca: cert.pem } });
    await c.close();
  });
});

describe.skipIf(!available)('X-Forwarded-For through nginx', () => {
  let dir: string;
  let cert: Cert;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(() => {
    dir = tempDir('chat-nginx-');
    cert = makeCert(dir);
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    killChildren();
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** JSON log lines of the child that match pred, waiting up to 2 s for the first. */
  async function logLines(child: ChildServer, pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>[]> {
    for (let i = 0; i < 40; i++) {
      const lines = child
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter(pred);
      if (lines.length > 0) return lines;
      await sleep(50);
    }
    throw new Error(`no such log line in:\n${child.output()}`);
  }

  // TRUST_PROXY means one trusted proxy in front: the server takes the LAST X-Forwarded-For entry,
  // the one that proxy appended ($proxy_add_x_forwarded_for appends the peer it saw). Whatever a
  // client puts in front of it is never taken for its address.
  const logsIp = async (trust: 'true' | 'false', via: 'nginx' | 'direct'): Promise<{ ws: unknown; http: unknown }> => {
    const dataDir = join(dir, `data-${trust}-${via}`);
    const child = await startChild(dataDir, { env: { LOG_LEVEL: 'info', TRUST_PROXY: trust }, keepAllOutput: true });
    stops.push(async () => {
      child.child.kill('SIGKILL');
      await child.exited;
    });
    const header = { 'X-Forwarded-For': '203.0.113.7' };
    let wsUrl = child.wsUrl({ nick: 'xff' });
    let pageUrl = `http://127.0.0.1:${child.port}/`;
    let options: { headers: Record<string, string>; wsOptions?: { ca: string } } = { headers: header };
    if (via === 'nginx') {
      const nginx = await startNginx(join(dir, `xff-${trust}`), siteFor(child.port, cert));
      stops.unshift(nginx.stop);
      wsUrl = wssUrl(nginx, { nick: 'xff' });
      pageUrl = `https://127.0.0.1:${nginx.port}${PREFIX}`;
      options = { headers: header, wsOptions: { ca: cert.pem } };
    }
    // No Origin: without TRUST_PROXY a browser's Origin would be refused behind TLS (test above).
    const c = await TestClient.connect(wsUrl, options);
    const [open] = await logLines(child, (l) => l.event === 'ws_open' && l.user === c.welcome.user.id);
    await c.close();
    // Fastify's req.ip, as its request log shows it for GET /, follows the same rule.
    if (via === 'nginx') expect((await httpsGet(pageUrl, cert.pem, header)).status).toBe(200);
    else expect((await fetch(pageUrl, { headers: header })).status).toBe(200);
    const [request] = await logLines(child, (l) => (l.req as { url?: string } | undefined)?.url === '/' && l.msg === 'incoming request');
    return { ws: open!.ip, http: (request!.req as { remoteAddress: string }).remoteAddress };
  };

  it('through nginx, a client-forged X-Forwarded-For entry is never taken for the client address', async () => {
    // nginx passes "203.0.113.7, 127.0.0.1": the last entry is the peer nginx really saw.
    expect(await logsIp('true', 'nginx')).toEqual({ ws: '127.0.0.1', http: '127.0.0.1' });
  });

  it('from the trusted proxy, X-Forwarded-For is honoured only with TRUST_PROXY=true', async () => {
    // Here the test itself plays the proxy and says the client was 203.0.113.7.
    expect(await logsIp('true', 'direct')).toEqual({ ws: '203.0.113.7', http: '203.0.113.7' });
    expect(await logsIp('false', 'direct')).toEqual({ ws: '127.0.0.1', http: '127.0.0.1' });
  });
});

describe.skipIf(!available)('the example site deploy/nginx.conf', () => {
  let dir: string;
  let cert: Cert;
  let server: TestServer | undefined;
  let nginx: Nginx | undefined;

  beforeAll(() => {
    dir = tempDir('chat-nginx-');
    cert = makeCert(dir);
  });
  afterAll(async () => {
    await nginx?.stop();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads as shipped (ports, certificate and snippet path swapped) and serves the chat over HTTPS', async () => {
    // As deploy/nginx.conf says to run the server: TRUST_PROXY and PUBLIC_URL.
    const port = await freePort();
    server = await startServer({ trustProxy: true, publicUrl: `https://127.0.0.1:${port}${PREFIX}` });
    const httpPort = await freePort();
    const substitute = (p: number) =>
      localSite(EXAMPLE_SITE, { upstreams: [['127.0.0.1:3000', `127.0.0.1:${server!.port}`]], httpPort, port: p, cert });
    nginx = await startNginx(join(dir, 'example'), substitute, { port });
    const base = `https://127.0.0.1:${nginx.port}`;

    // Plain HTTP goes to HTTPS (on the default port, as in production).
    const plain = await fetch(`http://127.0.0.1:${httpPort}/wsline/?room=lobby`, { redirect: 'manual' });
    expect(plain.status).toBe(301);
    expect(plain.headers.get('location')).toBe('https://127.0.0.1/wsline/?room=lobby');

    const page = await httpsGet(`${base}${PREFIX}`, cert.pem);
    expect(page.status).toBe(200);
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000');
    const script = /<script\b[^>]*\bsrc="([^"]+)"/.exec(page.text)![1]!;
    const js = await httpsGet(new URL(script, `${base}${PREFIX}`).href, cert.pem, { 'Accept-Encoding': 'gzip' });
    expect(js.status).toBe(200);
    expect(js.headers['content-encoding']).toBe('gzip');

    const c = await TestClient.connect(`wss://127.0.0.1:${nginx.port}${PREFIX}ws?nick=example`, {
      headers: browserHeaders(nginx),
      wsOptions: { ca: cert.pem },
    });
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    await c.close();
    expect((await httpsGet(`${base}${PREFIX}`, cert.pem, { Host: 'attacker.test' })).status).toBe(421);
  });
});
