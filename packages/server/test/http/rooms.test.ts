// The room list and room history over HTTP (GET api/rooms, GET api/rooms/R/messages): public rooms
// for everyone, private and DM rooms only for the users with a role in them (and server admins).
// Private-room isolation must hold here as on the WebSocket. Rooms and roles are seeded directly in
// the store the server runs on.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '@chat/protocol';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir, TestClient, trackResources, type InjectServer, type TestServer } from '../helpers.js';
import { api, register, type Account } from './http-helpers.js';

// Plain HTTP through app.inject(); a listening server where WebSocket clients join rooms.
const { server: startTracked, injected } = trackResources();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface World<S extends TestServer | InjectServer = InjectServer> {
  server: S;
  store: Store;
  alice: Account;
  bob: Account;
  carol: Account;
  root: Account;
}

/**
 * alice owns the private room `secret` (bob invited, i.e. a member); alice and bob share a DM room;
 * carol is in nothing private; root is a server admin. `town` is public. Each room holds messages.
 */
async function world(): Promise<World>;
async function world(listen: 'listen'): Promise<World<TestServer>>;
async function world(listen?: 'listen'): Promise<World<TestServer | InjectServer>> {
  const dir = tempDir('chat-rooms-');
  dirs.push(dir);
  const store = await new SqliteStore({ dir }).open();
  const config = { dataDir: dir, adminUsers: ['root'], maxRegistrationsPerIp: 0 };
  const server = listen === 'listen' ? await startTracked(config, { store }) : await injected(config, { store });
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => register(server, n)));
  // Admin names are not open to registration: the operator makes the account (chat-server admin create).
  const rootUser = (await store.createAccount('root', 'unused-hash', { operatorAdmin: true }))!;
  const root: Account = { user: rootUser, cookie: `session=${(await store.issueToken(rootUser.id, 'session')).token}` };
  await store.createRoom('secret', 'private', alice!.user.id);
  await store.setRole('secret', bob!.user.id, 'member');
  await store.createRoom('dm-alice-bob', 'dm', null);
  await store.setRole('dm-alice-bob', alice!.user.id, 'member');
  await store.setRole('dm-alice-bob', bob!.user.id, 'member');
  await store.ensureRoom('town');
  const say = (room: string, from: Account, n: number) =>
    store.appendMessages(Array.from({ length: n }, (_, i) => ({ room, from: from.user, clientId: `${room}-${i}`, text: `${room} text ${i + 1}` })));
  await say('secret', alice!, 3);
  await say('dm-alice-bob', bob!, 2);
  await say('town', carol!, 5);
  return { server, store, alice: alice!, bob: bob!, carol: carol!, root };
}

const names = (res: { body: { rooms: Array<{ name: string }> } }) => res.body.rooms.map((r) => r.name).sort();

describe('GET api/rooms', () => {
  it('lists public rooms for everyone, plus the caller\'s own private and DM rooms, with name, private, online and lastSeq', async () => {
    const { server, alice, bob, carol, root } = await world();
    const anonymous = await api(server, 'GET', '/api/rooms');
    expect(anonymous.status).toBe(200);
    expect(names(anonymous)).toEqual(['lobby', 'town']);
    expect(anonymous.body.rooms.find((r: { name: string }) => r.name === 'town')).toEqual({ name: 'town', private: false, online: 0, lastSeq: 5 });

    const forAlice = await api(server, 'GET', '/api/rooms', { cookie: alice.cookie });
    expect(names(forAlice)).toEqual(['dm-alice-bob', 'lobby', 'secret', 'town']);
    expect(forAlice.body.rooms.find((r: { name: string }) => r.name === 'secret')).toEqual({ name: 'secret', private: true, online: 0, lastSeq: 3 });
    expect(forAlice.body.rooms.find((r: { name: string }) => r.name === 'dm-alice-bob')).toMatchObject({ private: true, lastSeq: 2 });
    expect(names(await api(server, 'GET', '/api/rooms', { cookie: bob.cookie }))).toEqual(['dm-alice-bob', 'lobby', 'secret', 'town']);
    expect(names(await api(server, 'GET', '/api/rooms', { cookie: carol.cookie }))).toEqual(['lobby', 'town']);
    // Admins may read any room, but their list is their own (no trawling through others' DMs).
    expect(names(await api(server, 'GET', '/api/rooms', { cookie: root.cookie }))).toEqual(['lobby', 'town']);
    // A bad cookie is simply anonymous here.
    expect(names(await api(server, 'GET', '/api/rooms', { cookie: 'session=bogusbogusbogusbogusbogus' }))).toEqual(['lobby', 'town']);
  });

  it('counts the users online in each room', async () => {
    const { server } = await world('listen');
    const a = await TestClient.connect(server, { query: { nick: 'walker' } });
    const b = await TestClient.connect(server, { query: { nick: 'talker' } });
    await a.request({ type: 'join', room: 'town' });
    await b.request({ type: 'join', room: 'town' });
    const rooms = (await api(server, 'GET', '/api/rooms')).body.rooms as Array<{ name: string; online: number }>;
    expect(rooms.find((r) => r.name === 'town')?.online).toBe(2);
    expect(rooms.find((r) => r.name === 'lobby')?.online).toBe(0);
    await a.close();
    await b.close();
  });

  it('works with a bearer token', async () => {
    const { server, alice } = await world();
    const token = await api(server, 'POST', '/api/auth/tokens', { cookie: alice.cookie, body: { name: 'bot' } });
    expect(names(await api(server, 'GET', '/api/rooms', { bearer: token.body.token }))).toContain('secret');
  });
});

describe('GET api/rooms/R/messages', () => {
  it('serves a public room to anyone: the newest first page, ascending, with hasMore and paging by before', async () => {
    const { server } = await world();
    const page = await api(server, 'GET', '/api/rooms/town/messages?limit=2');
    expect(page.status).toBe(200);
    expect(page.body.hasMore).toBe(true);
    expect(page.body.messages.map((m: ChatMessage) => m.seq)).toEqual([4, 5]);
    expect(page.body.messages[0]).toMatchObject({ type: 'message', room: 'town', seq: 4, text: 'town text 4', from: { nick: 'carol' } });
    const older = await api(server, 'GET', '/api/rooms/town/messages?before=4&limit=200');
    expect(older.body).toEqual({ messages: expect.any(Array), hasMore: false });
    expect(older.body.messages.map((m: ChatMessage) => m.seq)).toEqual([1, 2, 3]);
    const all = await api(server, 'GET', '/api/rooms/town/messages');
    expect(all.body.messages).toHaveLength(5);
    expect((await api(server, 'GET', '/api/rooms/town/messages?before=0')).body).toEqual({ messages: [], hasMore: false });
  });

  it('serves a private room to its owner and members and to admins; 403 to everyone else, signed in or not', async () => {
    const { server, store, alice, bob, carol, root } = await world();
    for (const who of [alice, bob, root]) {
      const res = await api(server, 'GET', '/api/rooms/secret/messages', { cookie: who.cookie });
      expect(res.status, who.user.nick).toBe(200);
      expect(res.body.messages.map((m: ChatMessage) => m.text)).toEqual(['secret text 1', 'secret text 2', 'secret text 3']);
    }
    const outsiders = [
      await api(server, 'GET', '/api/rooms/secret/messages'),
      await api(server, 'GET', '/api/rooms/secret/messages', { cookie: carol.cookie }),
      await api(server, 'GET', '/api/rooms/dm-alice-bob/messages', { cookie: carol.cookie }),
      await api(server, 'GET', '/api/rooms/dm-alice-bob/messages'),
    ];
    for (const res of outsiders) {
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'forbidden', message: expect.any(String) });
      expect(res.text).not.toContain('text 1');
    }
    expect((await api(server, 'GET', '/api/rooms/dm-alice-bob/messages', { cookie: bob.cookie })).status).toBe(200);
    // Admins do not read DMs: the DM's two users only.
    expect((await api(server, 'GET', '/api/rooms/dm-alice-bob/messages', { cookie: root.cookie })).status).toBe(403);
    // A banned member is out; the ban took the invitation, so the unban alone does not let him in.
    await store.ban('secret', bob.user.id);
    expect((await api(server, 'GET', '/api/rooms/secret/messages', { cookie: bob.cookie })).status).toBe(403);
    await store.unban('secret', bob.user.id);
    expect((await api(server, 'GET', '/api/rooms/secret/messages', { cookie: bob.cookie })).status).toBe(403);
    await store.setRole('secret', bob.user.id, 'member');
    expect((await api(server, 'GET', '/api/rooms/secret/messages', { cookie: bob.cookie })).status).toBe(200);
  });

  it('an admin is recognised by account, not by a nick that looks like the admin\'s', async () => {
    const dir = tempDir('chat-rooms-admin-');
    dirs.push(dir);
    const store = await new SqliteStore({ dir }).open();
    const server = await injected({ dataDir: dir, adminUsers: ['root'] }, { store });
    const alice = await register(server, 'alice');
    await store.createRoom('secret', 'private', alice.user.id);
    // A guest called "root" (no account owns that name yet) is no admin.
    const guest = await store.createGuest('root');
    expect((await api(server, 'GET', '/api/rooms/secret/messages', { bearer: guest.token })).status).toBe(403);
  });

  it('is 404 for an unknown room, and 400 for bad parameters', async () => {
    const { server } = await world();
    const missing = await api(server, 'GET', '/api/rooms/nowhere/messages');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'not_found', message: expect.any(String) });
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'limit=1.5', 'before=-1', 'before=x', 'before=1.5']) {
      const res = await api(server, 'GET', `/api/rooms/town/messages?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body, query).toEqual({ error: 'bad_request', message: expect.stringMatching(/^(limit|before) must be/) });
    }
    // Fastify refuses over-long path parameters itself (414 URI Too Long).
    expect([400, 414]).toContain((await api(server, 'GET', `/api/rooms/${'r'.repeat(129)}/messages`)).status);
    expect((await api(server, 'GET', '/api/rooms/town/messages?limit=200&before=6')).status).toBe(200);
  });
});
