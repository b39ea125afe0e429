// Bearer tokens for bots and CLI clients (api/auth/tokens): created by a signed-in user, shown
// once, listed without their values, revocable by their owner only; `Authorization: Bearer` then
// signs requests in on its own, never together with a cookie.
import { describe, expect, it } from 'vitest';
import { trackResources } from '../helpers.js';
import { api, register } from './http-helpers.js';

// Plain HTTP requests, no socket: the app answers through app.inject().
const { injected: startTracked } = trackResources();

describe('api/auth/tokens', () => {
  it('is 401 for every method when signed out', async () => {
    const server = await startTracked();
    expect((await api(server, 'POST', '/api/auth/tokens', { body: { name: 'bot' } })).status).toBe(401);
    expect((await api(server, 'GET', '/api/auth/tokens')).status).toBe(401);
    expect((await api(server, 'DELETE', '/api/auth/tokens/abc')).status).toBe(401);
    expect((await api(server, 'GET', '/api/auth/tokens', { bearer: 'not-a-real-token-at-all' })).status).toBe(401);
  });

  it('creates (201 {"token","id","name"}), lists without values, signs in with Bearer, and deletes (204, then 401 and 404)', async () => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    const created = await api(server, 'POST', '/api/auth/tokens', { cookie: alice.cookie, body: { name: ' my bot ' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/), id: expect.any(String), name: 'my bot' });
    const second = await api(server, 'POST', '/api/auth/tokens', { cookie: alice.cookie, body: { name: 'cli' } });
    expect(second.status).toBe(201);

    const list = await api(server, 'GET', '/api/auth/tokens', { cookie: alice.cookie });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      tokens: [
        { id: created.body.id, name: 'my bot', createdAt: expect.any(Number), lastUsedAt: null },
        { id: second.body.id, name: 'cli', createdAt: expect.any(Number), lastUsedAt: null },
      ],
    });
    expect(list.text).not.toContain(created.body.token);
    expect(list.headers.get('cache-control')).toBe('no-store');

    // The token signs in on its own, with no cookie and no Origin (a CLI sends neither).
    const me = await api(server, 'GET', '/api/me', { bearer: created.body.token, origin: null });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: alice.user });
    expect(me.setCookies).toEqual([]);
    const used = await api(server, 'GET', '/api/auth/tokens', { bearer: created.body.token });
    expect(used.body.tokens[0].lastUsedAt).toEqual(expect.any(Number));

    expect((await api(server, 'DELETE', `/api/auth/tokens/${created.body.id}`, { cookie: alice.cookie })).status).toBe(204);
    expect((await api(server, 'GET', '/api/me', { bearer: created.body.token })).status).toBe(401);
    expect((await api(server, 'DELETE', `/api/auth/tokens/${created.body.id}`, { cookie: alice.cookie })).status).toBe(404);
    expect((await api(server, 'GET', '/api/auth/tokens', { cookie: alice.cookie })).body.tokens.map((t: { id: string }) => t.id)).toEqual([second.body.id]);
    // The other token still works.
    expect((await api(server, 'GET', '/api/me', { bearer: second.body.token })).status).toBe(200);
  });

  it('a user cannot see or revoke another user\'s tokens', async () => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    const mallory = await register(server, 'mallory');
    const token = await api(server, 'POST', '/api/auth/tokens', { cookie: alice.cookie, body: { name: 'bot' } });
    expect((await api(server, 'GET', '/api/auth/tokens', { cookie: mallory.cookie })).body).toEqual({ tokens: [] });
    expect((await api(server, 'DELETE', `/api/auth/tokens/${token.body.id}`, { cookie: mallory.cookie })).status).toBe(404);
    expect((await api(server, 'GET', '/api/me', { bearer: token.body.token })).status).toBe(200);
  });

  it('a bearer token may list and revoke, but not mint new tokens (a leaked bot token cannot outlive its revocation)', async () => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    const bot = await api(server, 'POST', '/api/auth/tokens', { cookie: alice.cookie, body: { name: 'bot' } });
    const minted = await api(server, 'POST', '/api/auth/tokens', { bearer: bot.body.token, body: { name: 'child' } });
    expect(minted.status).toBe(403);
    expect(minted.body).toEqual({ error: 'forbidden', message: expect.any(String) });
    // The session token itself as a Bearer (a CLI that signed in) is a session: it may.
    const sessionToken = alice.cookie.slice('session='.length);
    expect((await api(server, 'POST', '/api/auth/tokens', { bearer: sessionToken, origin: null, body: { name: 'from cli' } })).status).toBe(201);
    // Revoking itself, without an Origin: allowed (no ambient credentials involved).
    expect((await api(server, 'DELETE', `/api/auth/tokens/${bot.body.id}`, { bearer: bot.body.token, origin: null })).status).toBe(204);
    expect((await api(server, 'GET', '/api/me', { bearer: bot.body.token })).status).toBe(401);
  });

  it('Authorization: Bearer is the only credential when present: a bad one is 401 even beside a good cookie', async () => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    const res = await api(server, 'GET', '/api/me', { cookie: alice.cookie, bearer: 'wrong-token-wrong-token-wrong' });
    expect(res.status).toBe(401);
    const post = await api(server, 'POST', '/api/auth/tokens', { cookie: alice.cookie, bearer: 'wrong-token-wrong-token-wrong', origin: null, body: { name: 'x' } });
    expect(post.status).toBe(401);
  });

  it.each([
    ['an empty name', { name: '' }],
    ['a blank name', { name: '   ' }],
    ['a long name', { name: 'n'.repeat(65) }],
    ['no name', {}],
  ])('refuses %s with 400', async (_what, body) => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    const res = await api(server, 'POST', '/api/auth/tokens', { cookie: alice.cookie, body });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'bad_request', message: expect.stringMatching(/name/) });
  });
});
