// Security headers on the page and the API: a Content-Security-Policy without
// unsafe-inline or unsafe-eval, nosniff, no Referer, no framing; and no HSTS (the TLS terminator's
// choice). The built page must need nothing the policy forbids: no inline script or style.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../../src/http/static.js';
import { tempDir, trackResources } from '../helpers.js';
import { httpsGetText, makeCert } from '../ops/ops-helpers.js';
import { api, register } from './http-helpers.js';

// The page and the API through app.inject(); real sockets for TLS and the proxy's header.
const { server: startTracked, injected } = trackResources();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The CSP header as directive -> sources. */
function parseCsp(header: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), sources);
  }
  return out;
}

function expectSecurityHeaders(headers: Headers, what: string): void {
  const csp = parseCsp(headers.get('content-security-policy'));
  expect(csp.get('default-src'), what).toEqual(["'self'"]);
  expect(csp.get('script-src'), what).toEqual(["'self'"]);
  expect(csp.get('style-src'), what).toEqual(["'self'"]);
  expect(csp.get('img-src'), what).toEqual(["'self'", 'data:', 'blob:']);
  expect(csp.get('connect-src'), what).toEqual(["'self'"]);
  expect(csp.get('frame-ancestors'), what).toEqual(["'none'"]);
  expect(csp.get('base-uri'), what).toEqual(["'self'"]);
  expect(csp.get('form-action'), what).toEqual(["'self'"]);
  expect(csp.get('object-src'), what).toEqual(["'none'"]);
  expect(headers.get('content-security-policy'), what).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  expect(headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(headers.get('referrer-policy'), what).toBe('no-referrer');
  expect(headers.get('x-frame-options'), what).toBe('DENY');
  expect(headers.get('strict-transport-security'), what).toBeNull();
}

describe('security headers', () => {
  it('are on the page, its assets, the API (success and error answers) and /healthz', async () => {
    const server = await injected();
    const alice = await register(server, 'alice');
    const page = await api(server, 'GET', '/', { origin: null });
    expect(page.status).toBe(200);
    expectSecurityHeaders(page.headers, 'GET /');
    const html = page.text;
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await api(server, 'GET', `/${asset}`, { origin: null });
    expect(js.status).toBe(200);
    expectSecurityHeaders(js.headers, asset);
    expectSecurityHeaders((await api(server, 'GET', '/api/me', { cookie: alice.cookie })).headers, 'GET /api/me 200');
    expectSecurityHeaders((await api(server, 'GET', '/api/me')).headers, 'GET /api/me 401');
    expectSecurityHeaders((await api(server, 'POST', '/api/auth/login', { origin: 'https://evil.example', body: {} })).headers, 'CSRF 403');
    expectSecurityHeaders((await api(server, 'GET', '/healthz', { origin: null })).headers, '/healthz');
    expectSecurityHeaders((await api(server, 'GET', '/no/such/path', { origin: null })).headers, '404');
  });

  it('do not include HSTS even over TLS or behind a TLS proxy (deployments set it at the proxy)', async () => {
    const proxied = await startTracked({ trustProxy: true });
    const res = await fetch(`${proxied.httpUrl}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers.get('strict-transport-security')).toBeNull();

    const dir = tempDir('chat-hsts-');
    dirs.push(dir);
    const cert = makeCert(dir);
    const tls = await startTracked({}, { tls: { cert: cert.cert, key: cert.key } });
    const direct = await httpsGetText(`https://127.0.0.1:${tls.port}/`, cert.cert);
    expect(direct.status).toBe(200);
    expect(direct.headers['strict-transport-security']).toBeUndefined();
    expect(direct.headers['content-security-policy']).toMatch(/script-src 'self'/);
  });

  it('the built page needs nothing the policy forbids: no inline script, style or handler; images only from self or data:', () => {
    const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\.\/assets\//);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/javascript:/i);
    for (const [, url] of html.matchAll(/\s(?:href|src)="([^"]+)"/gi)) {
      expect(url, 'only relative (same-origin) or data: URLs').toMatch(/^(\.\/|data:image\/)/);
    }
    // No eval in the bundle either (script-src has no unsafe-eval).
    for (const file of readdirSync(join(WEB_DIST, 'assets')).filter((f) => f.endsWith('.js'))) {
      const js = readFileSync(join(WEB_DIST, 'assets', file), 'utf8');
      expect(js, file).not.toMatch(/\beval\(|new Function\(/);
    }
  });
});
