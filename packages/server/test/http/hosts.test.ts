// The Host check (docs/protocol.md, Host): DNS rebinding. A page on attacker.test whose name the
// attacker re-points at a LAN-only server is, for the browser, same-origin with that server: it can
// read its answers and open its WebSocket with a matching Origin. Only the Host header tells the two
// apart, so every HTTP request and every upgrade must name a host this server answers to:
// PUBLIC_URL's and ALLOWED_HOSTS', or when neither is set the machine's own names and addresses;
// loopback always. Anything else gets 421 with a JSON body and nothing else.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { freePort } from '../child-server.js';
import { trackResources, type TestServer } from '../helpers.js';
import { PASSWORD } from './http-helpers.js';

const { server } = trackResources();

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * One request with exactly these headers (Host included: fetch would not let us set it). With
 * `upgrade`, a WebSocket handshake: 101 when accepted (the socket is then dropped).
 */
function request(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; upgrade?: boolean; body?: string } = {}): Promise<Answer> {
  const upgrade = options.upgrade
    ? { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') }
    : {};
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: options.method ?? 'GET',
      path: options.path ?? (options.upgrade ? '/ws' : '/healthz'),
      headers: { ...upgrade, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      agent: false,
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '', headers: res.headers });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A raw request line and headers as written (HTTP/1.0 may leave Host out); the status code. */
function rawStatus(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(text));
    let reply = '';
    socket.setEncoding('utf8').on('data', (d: string) => (reply += d));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

/** Expects the refusal: 421 with the JSON error body, from the HTTP side or the upgrade alike. */
function expectRefused(answer: Answer, what: string): void {
  expect(answer.status, what).toBe(421);
  expect(answer.headers['content-type'], what).toMatch(/^application\/json/);
  expect(JSON.parse(answer.body), what).toEqual({ error: 'Misdirected Request', message: expect.stringMatching(/host/) });
}

const get = (s: TestServer, host: string, path = '/healthz') => request(s.port, { path, headers: { Host: host } });
const upgrade = (s: TestServer, headers: Record<string, string>) => request(s.port, { upgrade: true, headers });

/** The machine's own non-loopback addresses as a Host header writes them. */
function interfaceHosts(): string[] {
  const hosts: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) hosts.push(a.family === 'IPv6' ? `[${a.address}]` : a.address);
  }
  return hosts;
}

describe('Host check: defaults (neither PUBLIC_URL nor ALLOWED_HOSTS)', () => {
  it('refuses a foreign host on every kind of request: static files, API, health, metrics, unknown paths', async () => {
    const s = await server();
    for (const host of ['evil.example', `attacker.test:${s.port}`, `127.0.0.1.attacker.test:${s.port}`, `localhost.attacker.test`]) {
      for (const path of ['/', '/index.html', '/api/info', '/api/rooms', '/healthz', '/metrics', '/no/such/path']) {
        expectRefused(await get(s, host, path), `${host} ${path}`);
      }
    }
  });

  it('refuses the rebinding attack itself: a page on attacker.test re-pointed at us, with its own (matching) Origin', async () => {
    const s = await server();
    const attacker = `attacker.test:${s.port}`;
    // Same-origin for the browser: Origin and Host agree, so the Origin check alone lets it in.
    expectRefused(await upgrade(s, { Host: attacker, Origin: `http://${attacker}` }), 'upgrade');
    const register = await request(s.port, {
      method: 'POST',
      path: '/api/auth/register',
      headers: { Host: attacker, Origin: `http://${attacker}` },
      body: JSON.stringify({ username: 'rebound', password: PASSWORD }),
    });
    expectRefused(register, 'register');
    // Nothing was created.
    const login = await request(s.port, {
      method: 'POST',
      path: '/api/auth/login',
      headers: { Origin: `http://127.0.0.1:${s.port}` },
      body: JSON.stringify({ username: 'rebound', password: PASSWORD }),
    });
    expect(login.status).toBe(401);
  });

  it('refuses a foreign host on the upgrade before anything else, on any path', async () => {
    const s = await server({ allowGuests: false });
    for (const path of ['/ws', '/elsewhere']) {
      expectRefused(await request(s.port, { upgrade: true, path, headers: { Host: 'evil.example' } }), path);
    }
  });

  it('answers loopback names on any port, and the machine\'s own host name and addresses', async () => {
    const s = await server();
    const own = hostname().toLowerCase();
    const hosts = [
      `127.0.0.1:${s.port}`,
      '127.0.0.1',
      `localhost:${s.port}`,
      'LOCALHOST',
      `[::1]:${s.port}`,
      own,
      `${own}:${s.port}`,
      ...(own.includes('.') ? [] : [`${own}.local:${s.port}`]),
      ...interfaceHosts().map((h) => `${h}:${s.port}`),
    ];
    for (const host of hosts) {
      expect((await get(s, host)).status, host).toBe(200);
      expect((await upgrade(s, { Host: host })).status, `upgrade ${host}`).toBe(101);
    }
  });

  it('lets a request without Host through (HTTP/1.0: not a browser), and refuses an empty or malformed one', async () => {
    const s = await server();
    expect(await rawStatus(s.port, 'GET /healthz HTTP/1.0\r\n\r\n')).toBe(200);
    for (const host of ['', ' ', 'evil.example/x', 'user@127.0.0.1', '127.0.0.1:abc', '[::1', '127.0.0.1, evil.example']) {
      expect(await rawStatus(s.port, `GET /healthz HTTP/1.0\r\nHost: ${host}\r\n\r\n`), JSON.stringify(host)).toBe(421);
    }
  });

  it('checks the separate metrics listener (METRICS_PORT) too', async () => {
    const metricsPort = await freePort();
    await server({ metricsPort });
    const metrics = (host: string) => request(metricsPort, { path: '/metrics', headers: { Host: host } });
    expect((await metrics(`127.0.0.1:${metricsPort}`)).status).toBe(200);
    expectRefused(await metrics(`attacker.test:${metricsPort}`), 'metrics listener');
  });
});

describe('Host check: ALLOWED_HOSTS and PUBLIC_URL', () => {
  it('ALLOWED_HOSTS: a name alone on any port, a name with a port on that port only; loopback still; nothing else', async () => {
    const s = await server({ allowedHosts: ['chat.example.org', 'chat.lan:8443', '192.0.2.10', '[2001:db8::1]'] });
    for (const host of ['chat.example.org', 'chat.example.org:8080', 'Chat.Example.Org', 'chat.lan:8443', '192.0.2.10:3000', '[2001:db8::1]:3000', `127.0.0.1:${s.port}`, 'localhost']) {
      expect((await get(s, host)).status, host).toBe(200);
    }
    for (const host of ['chat.lan', 'chat.lan:8444', 'evil.chat.example.org', 'chat.example.org.evil.example', hostname(), ...interfaceHosts()]) {
      expectRefused(await get(s, host), host);
    }
    expect((await upgrade(s, { Host: 'chat.lan:8443' })).status).toBe(101);
    expectRefused(await upgrade(s, { Host: 'chat.lan:8444' }), 'upgrade on another port');
  });

  it("PUBLIC_URL: its host is answered, and its origin is the server's own origin (whatever scheme the server sees)", async () => {
    const s = await server({ publicUrl: 'https://chat.example.org/wsline/' });
    const host = { Host: 'chat.example.org' };
    expect((await get(s, 'chat.example.org')).status).toBe(200);
    expectRefused(await get(s, 'evil.example'), 'foreign host');
    // The browser's origin is https://chat.example.org although the server sees plain http.
    expect((await upgrade(s, { ...host, Origin: 'https://chat.example.org' })).status).toBe(101);
    expect((await upgrade(s, { ...host, Origin: 'http://chat.example.org' })).status).toBe(403);
    const csrf = (origin: string) =>
      request(s.port, { method: 'POST', path: '/api/auth/register', headers: { ...host, Origin: origin }, body: JSON.stringify({ username: 'alice', password: PASSWORD }) });
    expect((await csrf('http://chat.example.org')).status).toBe(403);
    expect((await csrf('https://chat.example.org')).status).toBe(201);
  });
});

describe('Host check: X-Forwarded-Host', () => {
  it('with TRUST_PROXY, the last X-Forwarded-Host is the host checked (our proxy sets it), else Host', async () => {
    const s = await server({ trustProxy: true, allowedHosts: ['chat.example.org'] });
    const local = `127.0.0.1:${s.port}`;
    const xfh = (value: string, hostHeader = local) => request(s.port, { headers: { Host: hostHeader, 'X-Forwarded-Host': value } });
    expectRefused(await xfh('evil.example'), 'a foreign forwarded host');
    expect((await xfh('chat.example.org', 'evil.example')).status).toBe(200);
    expect((await xfh('evil.example, chat.example.org')).status).toBe(200);
    expectRefused(await xfh('chat.example.org, evil.example'), 'a forwarded host the client put in front');
    expect((await get(s, local)).status).toBe(200);
    // The own origin comes from the checked host too.
    const proxied = { Host: local, 'X-Forwarded-Host': 'chat.example.org', 'X-Forwarded-Proto': 'https' };
    expect((await upgrade(s, { ...proxied, Origin: 'https://chat.example.org' })).status).toBe(101);
    expect((await upgrade(s, { ...proxied, Origin: `https://${local}` })).status).toBe(403);
    expectRefused(await upgrade(s, { ...proxied, 'X-Forwarded-Host': 'evil.example', Origin: 'https://evil.example' }), 'upgrade');
  });

  it('without TRUST_PROXY, X-Forwarded-Host is ignored: Host is checked', async () => {
    const s = await server({ trustProxy: false, allowedHosts: ['chat.example.org'] });
    expect((await request(s.port, { headers: { Host: `127.0.0.1:${s.port}`, 'X-Forwarded-Host': 'evil.example' } })).status).toBe(200);
    expectRefused(await request(s.port, { headers: { Host: 'evil.example', 'X-Forwarded-Host': 'chat.example.org' } }), 'a forged forwarded host');
  });
});
