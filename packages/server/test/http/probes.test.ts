// Probes from the issue-13 attack that were refused already, kept as tests so they stay refused
// (docs/security.md, "Attacks tried"): path traversal on the static files, and JSON bombs over
// HTTP and WebSocket.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { trackResources, TestClient } from '../helpers.js';
import { api } from './http-helpers.js';

const res = trackResources();

/** A raw GET, so the path reaches the server exactly as written (fetch would normalize `..`). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('path traversal on the static files', () => {
  it.each([
    '/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/assets/../../package.json',
    '/%2e%2e%5c%2e%2e%5cpackage.json',
    '/....//....//etc/passwd',
  ])('%s serves nothing outside the web client', async (path) => {
    const server = await res.server();
    const r = await rawGet(server.port, path);
    expect([400, 403, 404]).toContain(r.status);
    expect(r.body).not.toContain('root:');
    expect(r.body).not.toContain('"workspaces"');
    expect(r.body).not.toContain('"name": "@chat/server"');
  });
});

describe('JSON bombs', () => {
  it('a deeply nested or oversized JSON body to the API is refused with a 4xx JSON error; the server goes on', async () => {
    const server = await res.server();
    const nested = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    for (const raw of [nested, `{"username":${nested}}`, JSON.stringify({ username: 'a'.repeat(1_000_000), password: 'x' })]) {
      const r = await fetch(`${server.httpUrl}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.httpUrl },
        body: raw,
      });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(await r.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    expect((await api(server, 'GET', '/api/me')).status).toBe(401);
  });

  it('a deeply nested frame over WebSocket is answered with bad_request and the connection stays open', async () => {
    const server = await res.server();
    const c = await TestClient.connect(server);
    const depth = 30_000; // 60 KB: under the 64 KiB frame limit
    c.send(`{"type":"send","room":"lobby","id":"x","text":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    c.send(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`);
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 'bad_request' });
    expect(await c.next((f) => f.type === 'error')).toMatchObject({ code: 'bad_request' });
    expect((await c.request({ type: 'ping' })).type).toBe('pong');
    await c.close();
  });
});
