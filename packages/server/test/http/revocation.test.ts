// Revoking a session or token ends it everywhere: the account and token routes report every
// revocation through onTokenRevoked (logout, a login replacing the browser's session, a deleted
// bearer token), and in the assembled server that closes the WebSockets opened with it within a
// second.
import { rmSync } from 'node:fs';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { accountRoutes } from '../../src/http/account-routes.js';
import { csrfCheck } from '../../src/http/csrf.js';
import { tokenRoutes } from '../../src/http/token-routes.js';
import { HostPolicy } from '../../src/net/host-policy.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir, TestClient, trackResources, type InjectServer } from '../helpers.js';
import { api, login, PASSWORD, register } from './http-helpers.js';

const { server: startTracked, track } = trackResources();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** The account and token routes alone on a bare Fastify, with a spy for onTokenRevoked. */
async function bare(): Promise<{ server: InjectServer; store: SqliteStore; revoked: string[] }> {
  const dir = tempDir('chat-revoke-');
  const store = await new SqliteStore({ dir }).open();
  const revoked: string[] = [];
  const app = Fastify({ logger: false });
  const config = { ...defaultConfig(), dataDir: dir };
  const onTokenRevoked = (id: string) => revoked.push(id);
  await app.register(csrfCheck, { origins: { allowedOrigins: config.allowedOrigins, trustProxy: config.trustProxy, hosts: new HostPolicy(config) } });
  await app.register(accountRoutes, { prefix: '/api', store, config, onTokenRevoked });
  await app.register(tokenRoutes, { prefix: '/api/auth/tokens', store, onTokenRevoked });
  await app.ready();
  // Plain HTTP through app.inject(): the requests name the host a browser on this address would.
  const server: InjectServer = { inject: true, app, port: 3000, httpUrl: 'http://127.0.0.1:3000', dataDir: dir, close: () => app.close() };
  cleanups.push(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { server, store, revoked };
}

const tokenOf = (cookie: string) => cookie.slice('session='.length);

describe('onTokenRevoked', () => {
  it('is called with the session id at logout, and at a login that replaces the browser\'s session', async () => {
    const { server, store, revoked } = await bare();
    const first = await register(server, 'alice');
    const firstId = (await store.identityByToken(tokenOf(first.cookie)))!.tokenId;
    const second = await login(server, 'alice', PASSWORD, { cookie: first.cookie });
    expect(revoked).toEqual([firstId]);
    const secondId = (await store.identityByToken(tokenOf(second.cookie)))!.tokenId;
    expect((await api(server, 'POST', '/api/auth/logout', { cookie: second.cookie })).status).toBe(204);
    expect(revoked).toEqual([firstId, secondId]);
    // Nothing to revoke: not called.
    await api(server, 'POST', '/api/auth/logout', { cookie: second.cookie });
    await api(server, 'POST', '/api/auth/logout');
    expect(revoked).toHaveLength(2);
  });

  it('is called with the token id when a bearer token is deleted, and not for a refused delete', async () => {
    const { server, revoked } = await bare();
    const alice = await register(server, 'alice');
    const token = await api(server, 'POST', '/api/auth/tokens', { cookie: alice.cookie, body: { name: 'bot' } });
    await api(server, 'DELETE', '/api/auth/tokens/not-a-token-id', { cookie: alice.cookie });
    expect(revoked).toEqual([]);
    expect((await api(server, 'DELETE', `/api/auth/tokens/${token.body.id}`, { cookie: alice.cookie })).status).toBe(204);
    expect(revoked).toEqual([token.body.id]);
  });
});

describe('in the assembled server', () => {
  it('logout closes the WebSockets of that session within a second, and only those', async () => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    const other = await login(server, 'alice');
    const ws = await TestClient.connect(server, { headers: { cookie: alice.cookie } });
    track(ws);
    const otherWs = await TestClient.connect(server, { headers: { cookie: other.cookie } });
    track(otherWs);
    expect(ws.welcome.user).toEqual(alice.user);
    const started = Date.now();
    expect((await api(server, 'POST', '/api/auth/logout', { cookie: alice.cookie })).status).toBe(204);
    const closed = await ws.closed;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(closed.code).not.toBe(1000);
    expect((await otherWs.request({ type: 'ping' })).type).toBe('pong');
    // The revoked cookie no longer opens a socket.
    await expect(TestClient.connect(server, { headers: { cookie: alice.cookie } })).rejects.toThrow(/401/);
  });

  it('deleting a bearer token closes the bot\'s WebSocket', async () => {
    const server = await startTracked();
    const alice = await register(server, 'alice');
    const token = await api(server, 'POST', '/api/auth/tokens', { cookie: alice.cookie, body: { name: 'bot' } });
    const bot = await TestClient.connect(server, { headers: { authorization: `Bearer ${token.body.token}` } });
    track(bot);
    expect(bot.welcome.user).toEqual(alice.user);
    expect((await api(server, 'DELETE', `/api/auth/tokens/${token.body.id}`, { cookie: alice.cookie })).status).toBe(204);
    await bot.closed;
  });
});
