// CSRF: a state-changing request (POST, PUT, PATCH, DELETE) must come from the site's own
// origin: an Origin equal to ours (or listed in ALLOWED_ORIGINS), or Sec-Fetch-Site: same-origin.
// Anything else is 403 and has no effect. Requests carrying Authorization: Bearer are exempt: a
// browser cannot add that header cross-site, and they are never authenticated by the cookie.
import { describe, expect, it } from 'vitest';
import { trackResources } from '../helpers.js';
import { api, PASSWORD, register } from './http-helpers.js';

// Plain HTTP requests, no socket: the app answers through app.inject().
const { injected: startTracked } = trackResources();

describe('CSRF', () => {
  it('refuses cross-site and Origin-less state changes with 403 JSON, and none of them takes effect', async () => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    const port = server.port;
    const refused: Array<[string, string | null, Record<string, string>?]> = [
      ['a foreign site', 'https://evil.example'],
      ['a look-alike host', `http://127.0.0.1:${port}.evil.example`],
      ['another port on our host', `http://127.0.0.1:${port + 1}`],
      ['our host over the other scheme', `https://127.0.0.1:${port}`],
      ['an opaque origin (sandboxed frame, file:)', 'null'],
      ['no Origin and no Sec-Fetch-Site', null],
      ['no Origin, Sec-Fetch-Site: cross-site', null, { 'sec-fetch-site': 'cross-site' }],
      ['no Origin, Sec-Fetch-Site: same-site (a sibling subdomain)', null, { 'sec-fetch-site': 'same-site' }],
      ['a foreign Origin with Sec-Fetch-Site: cross-site', 'https://evil.example', { 'sec-fetch-site': 'cross-site' }],
    ];
    for (const [what, origin, headers] of refused) {
      const attempts = [
        await api(server, 'POST', '/api/auth/register', { origin, headers, body: { username: 'mallory', password: PASSWORD } }),
        await api(server, 'POST', '/api/auth/login', { origin, headers, body: { username: 'alice', password: PASSWORD } }),
        await api(server, 'POST', '/api/auth/logout', { origin, headers, cookie: alice.cookie }),
        await api(server, 'POST', '/api/auth/tokens', { origin, headers, cookie: alice.cookie, body: { name: 'stolen' } }),
        await api(server, 'DELETE', '/api/auth/tokens/whatever', { origin, headers, cookie: alice.cookie }),
      ];
      for (const res of attempts) {
        expect(res.status, what).toBe(403);
        expect(res.body, what).toEqual({ error: 'forbidden', message: expect.any(String) });
        expect(res.setCookies, what).toEqual([]);
      }
    }
    // Nothing happened: no account, the session lives, no token was made.
    expect((await api(server, 'POST', '/api/auth/login', { body: { username: 'mallory', password: PASSWORD } })).status).toBe(401);
    expect((await api(server, 'GET', '/api/me', { cookie: alice.cookie })).status).toBe(200);
    expect((await api(server, 'GET', '/api/auth/tokens', { cookie: alice.cookie })).body).toEqual({ tokens: [] });
  });

  it('refuses PUT and PATCH too, even on paths that do not exist', async () => {
    const server = await startTracked();
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      expect((await api(server, method, '/api/anything', { origin: 'https://evil.example' })).status).toBe(403);
    }
  });

  it('accepts our own Origin, Sec-Fetch-Site: same-origin without Origin, and an ALLOWED_ORIGINS origin', async () => {
    const server = await startTracked({ allowedOrigins: ['https://chat.example.org'] });
    const own = await api(server, 'POST', '/api/auth/register', { body: { username: 'alice', password: PASSWORD } });
    expect(own.status).toBe(201);
    const fetchMeta = await api(server, 'POST', '/api/auth/login', {
      origin: null,
      headers: { 'sec-fetch-site': 'same-origin' },
      body: { username: 'alice', password: PASSWORD },
    });
    expect(fetchMeta.status).toBe(200);
    const listed = await api(server, 'POST', '/api/auth/login', { origin: 'https://chat.example.org', body: { username: 'alice', password: PASSWORD } });
    expect(listed.status).toBe(200);
    // `localhost` is another origin than 127.0.0.1 for the browser, and for us.
    const otherName = await api(server, 'POST', '/api/auth/login', { origin: `http://localhost:${server.port}`, body: { username: 'alice', password: PASSWORD } });
    expect(otherName.status).toBe(403);
  });

  it('behind a TLS proxy (TRUST_PROXY), our origin is https://host', async () => {
    const server = await startTracked({ trustProxy: true });
    const https = `https://127.0.0.1:${server.port}`;
    const res = await api(server, 'POST', '/api/auth/register', {
      origin: https,
      headers: { 'x-forwarded-proto': 'https' },
      body: { username: 'alice', password: PASSWORD },
    });
    expect(res.status).toBe(201);
    const plain = await api(server, 'POST', '/api/auth/login', { origin: https, body: { username: 'alice', password: PASSWORD } });
    expect(plain.status).toBe(403);
  });

  it('exempts requests with Authorization: Bearer (bots and CLIs send no Origin)', async () => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    const session = alice.cookie.slice('session='.length);
    const token = await api(server, 'POST', '/api/auth/tokens', { bearer: session, origin: null, body: { name: 'cli' } });
    expect(token.status).toBe(201);
    expect((await api(server, 'DELETE', `/api/auth/tokens/${token.body.id}`, { bearer: session, origin: 'https://evil.example' })).status).toBe(204);
    // Logging a CLI's session out with its Bearer.
    expect((await api(server, 'POST', '/api/auth/logout', { bearer: session, origin: null })).status).toBe(204);
    expect((await api(server, 'GET', '/api/me', { cookie: alice.cookie })).status).toBe(401);
  });

  it('leaves reads alone: GET needs no Origin', async () => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    expect((await api(server, 'GET', '/api/me', { cookie: alice.cookie, origin: null })).status).toBe(200);
    expect((await api(server, 'GET', '/api/rooms', { origin: 'https://evil.example' })).status).toBe(200);
    expect((await api(server, 'GET', '/healthz', { origin: null })).status).toBe(200);
  });
});
