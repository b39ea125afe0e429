// GET api/nicks/check (docs/protocol.md, "Checking a guest name"), through app.inject(): each
// answer (available with the normalized nick; invalid; an account's name, its lookalike or an
// ADMIN_USERS name; guests disabled), the 400s of a missing or over-long nick, the per-address
// budget, and that the WebSocket upgrade refuses exactly what the check calls unavailable.
import { describe, expect, it } from 'vitest';
import { NICK_CHECK_BURST } from '../../src/http/nick-routes.js';
import { TestClient, trackResources } from '../helpers.js';
import { api, register } from './http-helpers.js';

const { server: startTracked, injected } = trackResources();
const check = (server: Parameters<typeof api>[0], nick: string) => api(server, 'GET', `/api/nicks/check?nick=${encodeURIComponent(nick)}`);

describe('GET api/nicks/check', () => {
  it('a free name is available, answered as the upgrade would store it (NFKC, trimmed); never cached', async () => {
    const server = await injected();
    const res = await check(server, '  ｂｏｂ ');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ nick: 'bob', available: true });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await check(server, '北京的朋友')).body).toEqual({ nick: '北京的朋友', available: true });
  });

  it('a name outside the nick rules is invalid: empty, blank, over 32 characters, a control or invisible character', async () => {
    const server = await injected();
    for (const nick of ['', '   ', 'x'.repeat(33), 'a\u0007b', 'ali\u200Bce']) {
      const res = await check(server, nick);
      expect(res.status, JSON.stringify(nick)).toBe(200);
      expect(res.body).toEqual({ available: false, reason: 'invalid' });
    }
  });

  it("an account's name, in any case, and its lookalikes are the account's", async () => {
    const server = await injected();
    await register(server, 'alice');
    for (const nick of ['alice', 'Alice', ' ALICE ', 'ａｌｉｃｅ', 'a1ice', '\u03B1l\u0456c\u0435']) {
      expect((await check(server, nick)).body, nick).toEqual({ available: false, reason: 'account' });
    }
    expect((await check(server, 'alicia')).body).toEqual({ nick: 'alicia', available: true });
  });

  it('an ADMIN_USERS name is reserved before its account exists, and answered like an account (which is which stays unsaid)', async () => {
    const server = await injected({ adminUsers: ['root'] });
    expect((await check(server, 'root')).body).toEqual({ available: false, reason: 'account' });
    expect((await check(server, 'r00t')).body).toEqual({ available: false, reason: 'account' });
  });

  it('without guests, no name is available to a guest', async () => {
    const server = await injected({ allowGuests: false });
    expect((await check(server, 'bob')).body).toEqual({ available: false, reason: 'guests_disabled' });
  });

  it('a missing, repeated or over-long nick is a 400 with a JSON error', async () => {
    const server = await injected();
    const missing = await api(server, 'GET', '/api/nicks/check');
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'bad_request', message: 'nick is required' });
    const long = await check(server, 'x'.repeat(129));
    expect(long.status).toBe(400);
    expect(long.body).toEqual({ error: 'bad_request', message: 'nick must be at most 128 characters' });
    expect((await check(server, 'x'.repeat(128))).body).toEqual({ available: false, reason: 'invalid' });
    expect((await api(server, 'GET', '/api/nicks/check?nick=a&nick=b')).status).toBe(400);
  });

  it('each address has a budget of checks: over it, 429 with Retry-After; other addresses are not affected', async () => {
    // The test servers lift every per-address limit (helpers.ts); this one has the default.
    const server = await injected({ requestRatePerIp: 50 });
    const from = (remoteAddress: string) =>
      server.app.inject({ method: 'GET', url: '/api/nicks/check?nick=bob', remoteAddress, headers: { host: new URL(server.httpUrl).host } });
    for (let i = 0; i < NICK_CHECK_BURST; i++) expect((await from('203.0.113.7')).statusCode).toBe(200);
    const refused = await from('203.0.113.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'rate_limited' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await from('198.51.100.1')).statusCode).toBe(200);
  });

  it('REQUEST_RATE_PER_IP=0 (as in the test servers) lifts the budget', async () => {
    const server = await injected({ requestRatePerIp: 0 });
    for (let i = 0; i < NICK_CHECK_BURST + 5; i++) expect((await check(server, 'bob')).status).toBe(200);
  });

  it('agrees with the WebSocket upgrade: unavailable names are refused (409 for an account, 400 invalid), available ones enter', async () => {
    const server = await startTracked({ adminUsers: ['root'] });
    await register(server, 'alice');
    const cases: Array<[string, number]> = [['Alice', 409], ['a1ice', 409], ['root', 409], ['x'.repeat(33), 400], ['ａｌｉｃｅｓ', 101], ['bob', 101]];
    for (const [nick, status] of cases) {
      const answer = (await check(server, nick)).body as { available: boolean; reason?: string; nick?: string };
      expect(answer.available, nick).toBe(status === 101);
      if (status === 101) {
        const c = await TestClient.connect(server, { query: { nick } });
        expect(c.welcome.user.nick).toBe(answer.nick);
        await c.close();
      } else {
        expect(answer.reason).toBe(status === 409 ? 'account' : 'invalid');
        await expect(TestClient.connect(server, { query: { nick } })).rejects.toThrow(`HTTP ${status}`);
      }
    }
  });
});
