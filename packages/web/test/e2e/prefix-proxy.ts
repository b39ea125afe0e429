// A tiny stand-in for the tutorial's nginx `location /wsline/ { proxy_pass http://backend/; … }`:
// strips the prefix, passes HTTP and WebSocket upgrades through with the Host as sent (nginx's
// `proxy_set_header Host $http_host`), answers 502 when the backend is down (as nginx does), and
// records every request. Real nginx: packages/server/test/deploy.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export const PREFIX = '/wsline/';

/** Forwards PREFIX* to the backend with the prefix stripped; everything else is 404. */
export function prefixProxy(backendPort: number): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const strip = (url: string | undefined) => (url?.startsWith(PREFIX) ? `/${url.slice(PREFIX.length)}` : null);
  const proxy = http.createServer((req, res) => {
    const path = strip(req.url);
    requests.push(`${req.method} ${req.url}`);
    // A body, so that a browser shows a page of this origin rather than its own error page.
    if (path === null) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
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
