// Accounts over HTTP (docs/protocol.md, "Accounts, private rooms and moderation"): register,
// login, logout and api/me, through app.inject() where no socket is needed. The cookie's flags,
// duplicate, weak and common-password registrations, one 401 for an unknown user and a wrong
// password, sign-in throttling (per address, per account and address, per account), the
// registration and name look-up limits per address, logout revoking the session, and the password
// never reaching the disk or the logs.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { hashPassword, needsRehash } from '../../src/auth/password.js';
import { killChildren, startChild } from '../child-server.js';
import type { Config } from '../../src/config.js';
import { sleep, tempDir, trackResources, type InjectServer } from '../helpers.js';
import { makeCert } from '../ops/ops-helpers.js';
import { api, cookieAttributes, login, PASSWORD, register, sessionPair } from './http-helpers.js';

// Plain HTTP through app.inject(), except where a test needs a socket (raw fetch bodies, TLS).
const { server: startTracked, injected } = trackResources();
const dirs: string[] = [];
afterEach(() => {
  killChildren();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('POST api/auth/register', () => {
  it('creates the account: 201 {"user"} and a session cookie that is HttpOnly, SameSite=Lax, Path=/, 30 days, not Secure over http', async () => {
    const server = await injected();
    const res = await api(server, 'POST', '/api/auth/register', { body: { username: 'alice', password: PASSWORD } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ user: { id: expect.any(String), nick: 'alice', account: true } });
    const set = res.setCookies.find((c) => c.startsWith('session='))!;
    expect(set).toBeDefined();
    expect(set.split(';')[0]).toMatch(/^session=[A-Za-z0-9_-]{40,}$/);
    const attrs = cookieAttributes(set);
    expect(attrs.httponly).toBe(true);
    expect(attrs.samesite).toBe('Lax');
    expect(attrs.path).toBe('/');
    expect(attrs['max-age']).toBe(String(30 * 24 * 60 * 60));
    expect(attrs.secure).toBeUndefined();
    expect(attrs.domain).toBeUndefined();

    const me = await api(server, 'GET', '/api/me', { cookie: sessionPair(res) });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: res.body.user });
    expect(me.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a taken username with 409, and nothing about the first account changes', async () => {
    const server = await injected();
    const alice = await register(server, 'alice');
    const again = await api(server, 'POST', '/api/auth/register', { body: { username: 'alice', password: 'another password' } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'nick_taken', message: expect.any(String) });
    expect(again.setCookies).toEqual([]);
    // The original password still works, the one of the refused registration does not.
    await login(server, 'alice');
    expect((await api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: 'another password' } })).status).toBe(401);
    expect((await api(server, 'GET', '/api/me', { cookie: alice.cookie })).status).toBe(200);
  });

  it('refuses a username that passes for an account (rnary for mary) or for an ADMIN_USERS name (r00t), with 409', async () => {
    const server = await injected({ adminUsers: ['root'] });
    await register(server, 'mary');
    for (const username of ['rnary', 'r00t', 'root']) {
      const res = await api(server, 'POST', '/api/auth/register', { body: { username, password: 'a fine password' } });
      expect(res.status, username).toBe(409);
      expect(res.body).toEqual({ error: 'nick_taken', message: expect.any(String) });
    }
    expect((await api(server, 'POST', '/api/auth/register', { body: { username: 'marty', password: 'a fine password' } })).status).toBe(201);
  });

  it.each([
    ['a short username', { username: 'al', password: PASSWORD }, /username/],
    ['a long username', { username: 'a'.repeat(33), password: PASSWORD }, /username/],
    ['upper case', { username: 'Alice', password: PASSWORD }, /username/],
    ['a space', { username: 'al ice', password: PASSWORD }, /username/],
    ['a non-ASCII letter', { username: 'alicé', password: PASSWORD }, /username/],
    ['a short password', { username: 'alice', password: 'seven77' }, /password/],
    ['an over-long password', { username: 'alice', password: 'x'.repeat(1025) }, /password/],
    ['an object as password', { username: 'alice', password: { length: 9 } }, /password/],
    ['no password', { username: 'alice' }, /password/],
    ['no username', { password: PASSWORD }, /username/],
  ])('refuses %s with 400 and a message naming the field', async (_what, body, field) => {
    const server = await injected();
    const res = await api(server, 'POST', '/api/auth/register', { body });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'bad_request', message: expect.stringMatching(field) });
    expect(res.setCookies).toEqual([]);
  });

  it('accepts exactly 8 and exactly 1024 characters, and the edges of the username rule', async () => {
    const server = await injected();
    await register(server, 'abc', 'zq8!vk2#');
    await register(server, 'a'.repeat(32), 'p'.repeat(1024));
    await register(server, 'x_y-9', 'pässwörd');
    await login(server, 'abc', 'zq8!vk2#');
    await login(server, 'a'.repeat(32), 'p'.repeat(1024));
  });

  it('answers 400 JSON for a body that is not JSON, and 415 for a form post', async () => {
    const server = await startTracked();
    const bad = await fetch(`${server.httpUrl}/api/auth/register`, {
      method: 'POST',
      headers: { origin: server.httpUrl, 'content-type': 'application/json' },
      body: '{"username":"alice","password":',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'bad_request', message: 'the body is not valid JSON' });
    const form = await fetch(`${server.httpUrl}/api/auth/register`, {
      method: 'POST',
      headers: { origin: server.httpUrl, 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=alice&password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(form.status).toBe(415);
  });

  it('limits registrations per client IP per hour (MAX_REGISTRATIONS_PER_IP): 429 with Retry-After; other IPs unaffected', async () => {
    const server = await injected({ maxRegistrationsPerIp: 2, trustProxy: true });
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    await register(server, 'one', PASSWORD, from('203.0.113.7'));
    // A refused attempt (taken name) does not use up the allowance.
    expect((await api(server, 'POST', '/api/auth/register', { body: { username: 'one', password: PASSWORD }, ...from('203.0.113.7') })).status).toBe(409);
    await register(server, 'two', PASSWORD, from('203.0.113.7'));
    const third = await api(server, 'POST', '/api/auth/register', { body: { username: 'three', password: PASSWORD }, ...from('203.0.113.7') });
    expect(third.status).toBe(429);
    expect(third.body).toEqual({ error: 'rate_limited', message: expect.any(String) });
    const retry = Number(third.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(3500);
    expect(retry).toBeLessThanOrEqual(3600);
    // Another address may still register; the refused name is still free.
    await register(server, 'three', PASSWORD, from('198.51.100.1'));
    // IPv6: one /64 is one client.
    await register(server, 'four', PASSWORD, from('2001:db8:1:2::1'));
    await register(server, 'five', PASSWORD, from('2001:db8:1:2::ffff'));
    expect((await api(server, 'POST', '/api/auth/register', { body: { username: 'six', password: PASSWORD }, ...from('2001:db8:1:2:abcd::9') })).status).toBe(429);
  });

  it('has no registration limit with MAX_REGISTRATIONS_PER_IP=0', async () => {
    const server = await injected({ maxRegistrationsPerIp: 0 });
    for (const name of ['u01', 'u02', 'u03']) await register(server, name);
  });

  it('refuses the most common passwords, whatever their case, with 400 saying so', async () => {
    const server = await injected();
    for (const password of ['password1', 'PASSWORD1', 'Qwertyuiop', '12345678', 'iloveyou']) {
      const res = await api(server, 'POST', '/api/auth/register', { body: { username: 'alice', password } });
      expect(res.status, password).toBe(400);
      expect(res.body).toEqual({ error: 'bad_request', message: expect.stringMatching(/^password is too common/) });
      expect(res.setCookies).toEqual([]);
    }
    await register(server, 'alice', 'password1 but longer and mine');
  });

  it('counts "username taken" answers per address (MAX_NAME_CONFLICTS_PER_IP): 60 look-ups in a burst are mostly 429', async () => {
    const server = await injected({ trustProxy: true });
    await register(server, 'alice');
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    const lookups = await Promise.all(
      Array.from({ length: 60 }, () => api(server, 'POST', '/api/auth/register', { body: { username: 'alice', password: PASSWORD }, ...from('203.0.113.9') })),
    );
    const statuses = lookups.map((r) => r.status);
    expect(statuses.filter((s) => s === 409)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    const refused = lookups.find((r) => r.status === 429)!;
    expect(refused.body).toEqual({ error: 'rate_limited', message: expect.any(String) });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3500);
    // Spent, the address learns nothing more: a free name is refused the same way.
    const free = await api(server, 'POST', '/api/auth/register', { body: { username: 'free-name', password: PASSWORD }, ...from('203.0.113.9') });
    expect(free.status).toBe(429);
    expect(free.body).toEqual(refused.body);
    // Another address is not affected.
    expect((await api(server, 'POST', '/api/auth/register', { body: { username: 'alice', password: PASSWORD }, ...from('198.51.100.1') })).status).toBe(409);
    await register(server, 'free-name', PASSWORD, from('198.51.100.1'));
  });

  it('has no look-up limit with MAX_NAME_CONFLICTS_PER_IP=0', async () => {
    const server = await injected({ maxNameConflictsPerIp: 0 });
    await register(server, 'alice');
    for (let i = 0; i < 15; i++) expect((await api(server, 'POST', '/api/auth/register', { body: { username: 'alice', password: PASSWORD } })).status).toBe(409);
  });
});

/**
 * Scrypt parameters for accounts seeded straight into the store, so that the throttling tests'
 * many failed guesses stay cheap on a busy machine. A success re-hashes at full cost.
 */
const CHEAP = { logN: 4, r: 8, p: 1 };

/** A server over a store the test can reach (to seed accounts). */
async function serverWithStore(overrides: Partial<Config> = {}): Promise<{ server: InjectServer; store: SqliteStore }> {
  const dir = tempDir('chat-login-');
  dirs.push(dir);
  const store = await new SqliteStore({ dir }).open();
  return { server: await injected({ dataDir: dir, ...overrides }, { store }), store };
}

/** An account with PASSWORD, hashed cheaply. */
async function seed(store: SqliteStore, username: string): Promise<void> {
  if ((await store.createAccount(username, await hashPassword(PASSWORD, CHEAP))) === null) throw new Error(`${username} exists`);
}

describe('POST api/auth/login', () => {
  it('signs in: 200 {"user"} and a new session id at every login; each session works on its own', async () => {
    const server = await injected();
    const reg = await register(server, 'alice');
    const first = await login(server, 'alice');
    const second = await login(server, 'alice');
    expect(first.user).toEqual(reg.user);
    expect(new Set([reg.cookie, first.cookie, second.cookie]).size).toBe(3);
    for (const c of [reg.cookie, first.cookie, second.cookie]) {
      expect((await api(server, 'GET', '/api/me', { cookie: c })).body).toEqual({ user: reg.user });
    }
    // Usernames are lower case: a capitalised one signs in to the same account.
    expect((await login(server, 'Alice')).user).toEqual(reg.user);
  });

  it('replaces the session the browser had: the old cookie is revoked at the next login', async () => {
    const server = await injected();
    const alice = await register(server, 'alice');
    const next = await login(server, 'alice', PASSWORD, { cookie: alice.cookie });
    expect((await api(server, 'GET', '/api/me', { cookie: alice.cookie })).status).toBe(401);
    expect((await api(server, 'GET', '/api/me', { cookie: next.cookie })).status).toBe(200);
  });

  it('gives the same 401 body for an unknown user and a wrong password, in comparable time', async () => {
    const server = await injected();
    await register(server, 'alice');
    const wrong = await api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: 'wrong password' } });
    const unknown = await api(server, 'POST', '/api/auth/login', { body: { username: 'nobody', password: 'wrong password' } });
    const invalid = await api(server, 'POST', '/api/auth/login', { body: { username: 'not a name!', password: 'wrong password' } });
    for (const res of [wrong, unknown, invalid]) {
      expect(res.status).toBe(401);
      expect(res.setCookies).toEqual([]);
    }
    expect(unknown.text).toBe(wrong.text);
    expect(invalid.text).toBe(wrong.text);
    expect(wrong.body).toEqual({ error: 'unauthorized', message: expect.any(String) });

    // Both run a full scrypt: the unknown name must not answer much faster (median of 3 each).
    const time = async (username: string) => {
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await api(server, 'POST', '/api/auth/login', { body: { username, password: `guess ${i}` } });
        ms.push(performance.now() - t);
      }
      return ms.sort((a, b) => a - b)[1]!;
    };
    // Fresh names, under the per-account limit (5), and 8 failures in all from this IP (< 20).
    await register(server, 'bob');
    const known = await time('bob');
    const nobody = await time('nobody2');
    expect(known).toBeGreaterThan(20);
    expect(nobody).toBeGreaterThan(known * 0.5);
  });

  it('counts every sign-in against its address, successes too (MAX_LOGINS_PER_IP): 429 with Retry-After; other addresses still sign in', async () => {
    const { server, store } = await serverWithStore({ trustProxy: true, maxLoginsPerIp: 3 });
    const home = { headers: { 'x-forwarded-for': '203.0.113.5' } };
    await seed(store, 'alice');
    for (let i = 0; i < 3; i++) await login(server, 'alice', PASSWORD, home);
    const refused = await api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: PASSWORD }, ...home });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'rate_limited', message: expect.any(String) });
    expect(refused.setCookies).toEqual([]);
    const retry = Number(refused.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(9 * 60);
    expect(retry).toBeLessThanOrEqual(10 * 60);
    await login(server, 'alice', PASSWORD, { headers: { 'x-forwarded-for': '198.51.100.7' } });
  });

  it('slows an account\'s failures from one address (3 free, then 5 s, doubling) without locking its owner out elsewhere', async () => {
    const { server, store } = await serverWithStore({ trustProxy: true });
    const attacker = { headers: { 'x-forwarded-for': '203.0.113.66' } };
    const owner = { headers: { 'x-forwarded-for': '198.51.100.20' } };
    await seed(store, 'alice');
    await seed(store, 'bob');
    for (let i = 0; i < 3; i++) {
      expect((await api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: `guess ${i}` }, ...attacker })).status).toBe(401);
    }
    // Even the right password waits from there.
    const slowed = await api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: PASSWORD }, ...attacker });
    expect(slowed.status).toBe(429);
    expect(slowed.body).toEqual({ error: 'rate_limited', message: expect.any(String) });
    expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(slowed.headers.get('retry-after'))).toBeLessThanOrEqual(5);
    // The owner, elsewhere, signs in at once; so does the attacker's address at another account.
    await login(server, 'alice', PASSWORD, owner);
    await login(server, 'bob', PASSWORD, attacker);
    // An unknown name is slowed the same way (no hint which names exist).
    for (let i = 0; i < 3; i++) await api(server, 'POST', '/api/auth/login', { body: { username: 'ghost', password: `g${i}` }, ...attacker });
    const ghost = await api(server, 'POST', '/api/auth/login', { body: { username: 'ghost', password: 'g' }, ...attacker });
    expect(ghost.status).toBe(429);
    expect(ghost.body).toEqual(slowed.body);
  });

  it('five wrong passwords from other addresses no longer lock the owner out', async () => {
    const { server, store } = await serverWithStore({ trustProxy: true });
    await seed(store, 'alice');
    for (let i = 0; i < 5; i++) {
      const res = await api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: `guess ${i}` }, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } });
      expect(res.status).toBe(401);
    }
    await login(server, 'alice', PASSWORD, { headers: { 'x-forwarded-for': '192.0.2.99' } });
  });

  it('distributed guessing (20 failures from 20 addresses) slows the account for new addresses, not where its owner signed in before', async () => {
    const { server, store } = await serverWithStore({ trustProxy: true });
    const home = { headers: { 'x-forwarded-for': '192.0.2.10' } };
    await seed(store, 'alice');
    await login(server, 'alice', PASSWORD, home);
    // That success re-hashed the password at full cost: make the guesses cheap again.
    await store.setPasswordHash((await store.accountByUsername('alice'))!.user.id, await hashPassword(PASSWORD, CHEAP));
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: `guess ${i}` }, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } }),
      ),
    );
    expect(guesses.map((r) => r.status)).toEqual(Array(20).fill(401));
    const fresh = await api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: PASSWORD }, headers: { 'x-forwarded-for': '203.0.113.200' } });
    expect(fresh.status).toBe(429);
    expect(Number(fresh.headers.get('retry-after'))).toBeGreaterThan(59 * 60);
    await login(server, 'alice', PASSWORD, home);
  });

  it('a success clears the failures of its account and address', async () => {
    const { server, store } = await serverWithStore();
    await seed(store, 'alice');
    // Two failures and a success, twice: without the reset the third failure in a row would make
    // the fourth attempt wait.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) expect((await api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: 'nope' } })).status).toBe(401);
      await login(server, 'alice');
      // The success re-hashed the password at full cost: make the guesses cheap again.
      await store.setPasswordHash((await store.accountByUsername('alice'))!.user.id, await hashPassword(PASSWORD, CHEAP));
    }
  });

  it('limits failures per address across accounts (half of MAX_LOGINS_PER_IP): 429 for that address, even for a right password; others still get in', async () => {
    const { server, store } = await serverWithStore({ trustProxy: true, maxLoginsPerIp: 10 });
    const attacker = { 'x-forwarded-for': '203.0.113.66' };
    for (const name of ['victim', 'name0', 'name1', 'name2', 'name3', 'name4']) await seed(store, name);
    const guesses = [];
    for (let i = 0; i < 5; i++) {
      guesses.push(api(server, 'POST', '/api/auth/login', { body: { username: `name${i}`, password: `guess ${i}` }, headers: attacker }));
    }
    for (const res of await Promise.all(guesses)) expect(res.status).toBe(401);
    const blocked = await api(server, 'POST', '/api/auth/login', { body: { username: 'victim', password: PASSWORD }, headers: attacker });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    await login(server, 'victim', PASSWORD, { headers: { 'x-forwarded-for': '203.0.113.67' } });
  });

  it('counts parallel guesses before they are checked: 10 at once at one account from one address get 3 answers that are not 429', async () => {
    const { server, store } = await serverWithStore();
    await seed(store, 'alice');
    const all = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: `parallel ${i}` } })),
    );
    expect(all.filter((r) => r.status === 401)).toHaveLength(3);
    expect(all.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it('re-hashes a password stored with weaker parameters at the next login', async () => {
    const dir = tempDir('chat-rehash-');
    dirs.push(dir);
    const store = await new SqliteStore({ dir }).open();
    const weak = await hashPassword(PASSWORD, { logN: 10, r: 8, p: 1 });
    const user = await store.createAccount('old', weak);
    expect(user).not.toBeNull();
    const server = await injected({ dataDir: dir }, { store });
    await login(server, 'old');
    const stored = (await store.accountByUsername('old'))!.passwordHash;
    expect(stored).not.toBe(weak);
    expect(stored).toMatch(/^scrypt\$17\$8\$1\$/);
    expect(needsRehash(stored)).toBe(false);
    await login(server, 'old');
  });
});

describe('POST api/auth/logout and GET api/me', () => {
  it('logout revokes the session server-side (the old cookie no longer works) and clears the cookie', async () => {
    const server = await injected();
    const alice = await register(server, 'alice');
    const other = await login(server, 'alice');
    const out = await api(server, 'POST', '/api/auth/logout', { cookie: alice.cookie });
    expect(out.status).toBe(204);
    expect(out.text).toBe('');
    const cleared = out.setCookies.find((c) => c.startsWith('session='))!;
    expect(cleared.split(';')[0]).toBe('session=');
    expect(cookieAttributes(cleared)['max-age']).toBe('0');
    expect(cookieAttributes(cleared).httponly).toBe(true);
    // Replaying the old cookie (as a thief who copied it would) is refused.
    const me = await api(server, 'GET', '/api/me', { cookie: alice.cookie });
    expect(me.status).toBe(401);
    expect(me.body).toEqual({ error: 'unauthorized', message: expect.any(String) });
    // Only that session ended.
    expect((await api(server, 'GET', '/api/me', { cookie: other.cookie })).status).toBe(200);
    // Logging out again, or without a session, is harmless.
    expect((await api(server, 'POST', '/api/auth/logout', { cookie: alice.cookie })).status).toBe(204);
    expect((await api(server, 'POST', '/api/auth/logout')).status).toBe(204);
  });

  it('logout accepts an empty JSON body (fetch wrappers send Content-Type without a body)', async () => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    const res = await fetch(`${server.httpUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { origin: server.httpUrl, cookie: alice.cookie, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(204);
    expect((await api(server, 'GET', '/api/me', { cookie: alice.cookie })).status).toBe(401);
  });

  it('api/me is 401 without credentials, with a made-up cookie, and with a guest token (a guest is no account)', async () => {
    const server = await injected();
    expect((await api(server, 'GET', '/api/me')).status).toBe(401);
    expect((await api(server, 'GET', '/api/me', { cookie: 'session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status).toBe(401);
    expect((await api(server, 'GET', '/api/me', { cookie: 'session=' })).status).toBe(401);
    const dir = tempDir('chat-guest-');
    dirs.push(dir);
    const store = await new SqliteStore({ dir }).open();
    const withStore = await injected({ dataDir: dir }, { store });
    const guest = await store.createGuest('visitor');
    expect((await api(withStore, 'GET', '/api/me', { bearer: guest.token })).status).toBe(401);
    expect((await api(withStore, 'GET', '/api/me', { cookie: `session=${guest.token}` })).status).toBe(401);
  });

  it('api/me renews the cookie (Max-Age) as the store slides the session', async () => {
    const server = await injected();
    const alice = await register(server, 'alice');
    const me = await api(server, 'GET', '/api/me', { cookie: `theme=dark; ${alice.cookie}; other=1` });
    expect(me.status).toBe(200);
    const set = me.setCookies.find((c) => c.startsWith('session='))!;
    expect(set.split(';')[0]).toBe(alice.cookie);
    expect(cookieAttributes(set)['max-age']).toBe(String(30 * 24 * 60 * 60));
  });
});

describe('the Secure flag', () => {
  it('is set behind a TLS proxy (X-Forwarded-Proto: https with TRUST_PROXY), and ignored without TRUST_PROXY', async () => {
    const trusting = await injected({ trustProxy: true });
    const behindTls = await api(trusting, 'POST', '/api/auth/register', {
      body: { username: 'alice', password: PASSWORD },
      origin: trusting.httpUrl.replace('http:', 'https:'),
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(behindTls.status).toBe(201);
    expect(cookieAttributes(behindTls.setCookies[0]!).secure).toBe(true);
    const overHttp = await api(trusting, 'POST', '/api/auth/login', { body: { username: 'alice', password: PASSWORD } });
    expect(cookieAttributes(overHttp.setCookies[0]!).secure).toBeUndefined();
    const logout = await api(trusting, 'POST', '/api/auth/logout', {
      cookie: sessionPair(behindTls),
      origin: trusting.httpUrl.replace('http:', 'https:'),
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(cookieAttributes(logout.setCookies[0]!).secure).toBe(true);

    const untrusting = await injected({ trustProxy: false });
    const spoofed = await api(untrusting, 'POST', '/api/auth/register', { body: { username: 'bob', password: PASSWORD }, headers: { 'x-forwarded-proto': 'https' } });
    expect(spoofed.status).toBe(201);
    expect(cookieAttributes(spoofed.setCookies[0]!).secure).toBeUndefined();
  });

  it('is set when the server itself speaks TLS', async () => {
    const dir = tempDir('chat-tls-');
    dirs.push(dir);
    const cert = makeCert(dir);
    const server = await startTracked({}, { tls: { cert: cert.cert, key: cert.key } });
    const origin = `https://127.0.0.1:${server.port}`;
    const res = await new Promise<{ status: number; setCookie: string[] }>((resolve, reject) => {
      const req = httpsRequest(
        `${origin}/api/auth/register`,
        { method: 'POST', ca: cert.cert, agent: false, headers: { origin, 'content-type': 'application/json' } },
        (r) => {
          r.resume();
          r.on('end', () => resolve({ status: r.statusCode ?? 0, setCookie: r.headers['set-cookie'] ?? [] }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ username: 'alice', password: PASSWORD }));
    });
    expect(res.status).toBe(201);
    expect(cookieAttributes(res.setCookie[0]!).secure).toBe(true);
  });
});

describe('the password is never stored or logged in plaintext', () => {
  it('appears in no file of the data directory (database and WAL) after registering, signing in and changing sessions', async () => {
    const server = await injected();
    const password = 'Plaintext-Canary-7f3a9c';
    await register(server, 'alice', password);
    await login(server, 'alice', password);
    await api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: `${password}-wrong` } });
    const files = readdirSync(server.dataDir).map((f) => join(server.dataDir, f)).filter((f) => statSync(f).isFile());
    expect(files.some((f) => f.endsWith('chat.db'))).toBe(true);
    const needles = [Buffer.from(password, 'utf8'), Buffer.from(password, 'utf16le'), Buffer.from(password.toLowerCase(), 'utf8')];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const needle of needles) expect(bytes.includes(needle), `${file} holds the password`).toBe(false);
    }
  });

  it('and neither passwords, session cookies, bearer tokens nor request bodies appear in the logs (LOG_LEVEL=trace)', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const child = await startChild(dir, { env: { LOG_LEVEL: 'trace' }, keepAllOutput: true });
    const base = `http://127.0.0.1:${child.port}`;
    const server = { httpUrl: base } as Parameters<typeof api>[0];
    const password = 'Log-Canary-Password-55aa';
    const reg = await api(server, 'POST', '/api/auth/register', { body: { username: 'alice', password } });
    expect(reg.status).toBe(201);
    const cookie = sessionPair(reg);
    await api(server, 'POST', '/api/auth/login', { body: { username: 'alice', password: `${password}-wrong` } });
    // A body that is not JSON: a parser's error message would quote it.
    await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { origin: base, 'content-type': 'application/json' }, body: `{"username":"alice","password":"${password}` });
    const token = await api(server, 'POST', '/api/auth/tokens', { cookie, body: { name: 'cli' } });
    expect(token.status).toBe(201);
    await api(server, 'GET', '/api/me', { bearer: token.body.token });
    await api(server, 'GET', `/api/me?token=${token.body.token}`, { cookie });
    await api(server, 'POST', '/api/auth/logout', { cookie });
    await sleep(200);
    child.child.kill('SIGTERM');
    await child.exited;
    const out = child.output();
    expect(out).toContain('/api/auth/login');
    expect(out).not.toContain(password);
    expect(out).not.toContain(cookie.slice('session='.length));
    expect(out).not.toContain(token.body.token);
  });
});
