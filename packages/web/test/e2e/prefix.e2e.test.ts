// The tutorial deploys behind nginx `location /wsline/ { proxy_pass http://backend/; … }`, which
// strips the prefix. A tiny proxy that does the same (HTTP and WebSocket upgrade, Host passed
// through as nginx's `proxy_set_header Host $http_host`) shows the page, its assets and its
// WebSocket all work under /wsline/ (real nginx: packages/server/test/deploy).
import { isMessage } from '@chat/protocol';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { JoinedFrame } from '@chat/protocol';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, poll, raw, say, server, useBrowser } from './people.js';

const available = browserAvailable();
const PREFIX = '/wsline/';

/** Forwards PREFIX* to the backend with the prefix stripped; everything else is 404. */
function prefixProxy(backendPort: number): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const strip = (url: string | undefined) => (url?.startsWith(PREFIX) ? `/${url.slice(PREFIX.length)}` : null);
  const proxy = http.createServer((req, res) => {
    const path = strip(req.url);
    requests.push(`${req.method} ${req.url}`);
    if (path === null) return void res.writeHead(404).end();
    const upstream = http.request({ host: '127.0.0.1', port: backendPort, path, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  proxy.on('upgrade', (req, socket, head) => {
    const path = strip(req.url);
    requests.push(`UPGRADE ${req.url}`);
    if (path === null) return socket.destroy();
    const upstream = net.connect(backendPort, '127.0.0.1', () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
      upstream.write(`${req.method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    const end = () => (socket.destroy(), upstream.destroy());
    upstream.on('error', end);
    socket.on('error', end);
  });
  return new Promise((resolve) =>
    proxy.listen(0, '127.0.0.1', () =>
      resolve({
        port: (proxy.address() as AddressInfo).port,
        requests,
        close: () => new Promise<void>((r) => (proxy.closeAllConnections(), proxy.close(() => r()))),
      }),
    ),
  );
}

let closeProxy: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeProxy?.();
  closeProxy = undefined;
});

describe.skipIf(!available)('under a proxy path prefix', () => {
  useBrowser();

  it('serves the page, its assets and the WebSocket under /wsline/', async () => {
    const s = await server();
    const proxy = await prefixProxy(s.port);
    closeProxy = proxy.close;
    const person = await openPage(`http://127.0.0.1:${proxy.port}${PREFIX}`);
    await enterChat(person, 'behind-nginx');
    await say(person.page, 'hello through the prefix');
    await poll(() => bubble(person.page, 'hello through the prefix').getAttribute('data-status')).toBe('sent');
    // The message really went through the server (seen by a direct client).
    const direct = await raw(s.wsUrl({ nick: 'direct' }));
    const joined = await direct.request<JoinedFrame>({ type: 'join', room: 'lobby' });
    expect(joined.history.filter(isMessage).map((m) => m.text)).toContain('hello through the prefix');
    // Every request the page made stayed under the prefix: assets and the socket alike.
    expect(proxy.requests.some((r) => r.startsWith(`UPGRADE ${PREFIX}ws?`))).toBe(true);
    expect(proxy.requests.some((r) => r.startsWith(`GET ${PREFIX}assets/`))).toBe(true);
    expect(proxy.requests.filter((r) => !r.includes(PREFIX))).toEqual([]);
    expect(person.errors).toEqual([]);
  });
});
