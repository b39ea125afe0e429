// The hourly sweep: expired tokens and sessions, guests unused for the token lifetime,
// and public rooms that stayed empty for a day go; rooms someone is in stay, and a connection in a
// room deleted under it keeps working. Run against a real server on the store and presence the
// test holds, with the sweeper's clock moved forward.
import { isMessage } from '@chat/protocol';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { JoinedFrame } from '@chat/protocol';
import { MemoryPresence } from '../../src/presence/memory-presence.js';
import type { Presence } from '../../src/presence/presence.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { Sweeper, type SweeperOptions } from '../../src/store/sweeper.js';
import { api, register } from '../http/http-helpers.js';
import { tempDir, TestClient, trackResources, type TestServer } from '../helpers.js';

const DAY = 24 * 60 * 60 * 1000;
const { server: startTracked, track } = trackResources();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function world(): Promise<{ server: TestServer; store: SqliteStore; presence: Presence }> {
  const dir = tempDir('chat-sweep-');
  dirs.push(dir);
  const store = await new SqliteStore({ dir }).open();
  const presence = new MemoryPresence();
  const server = await startTracked({ dataDir: dir, maxRegistrationsPerIp: 0 }, { store, presence });
  return { server, store, presence };
}

interface Logged {
  level: 'info' | 'error';
  obj: Record<string, unknown>;
}

function sweeper(store: Store, presence: Presence, options: Partial<SweeperOptions> = {}): { sweeper: Sweeper; logs: Logged[] } {
  const logs: Logged[] = [];
  const log = {
    info: (obj: object) => logs.push({ level: 'info', obj: obj as Record<string, unknown> }),
    error: (obj: object) => logs.push({ level: 'error', obj: obj as Record<string, unknown> }),
  };
  const s = new Sweeper({ store, inUse: async (room) => (await presence.roomOnline(room)) > 0, log, ...options });
  return { sweeper: s, logs };
}

async function connect(server: TestServer, query: Record<string, string>): Promise<TestClient> {
  const client = await TestClient.connect(server, { query });
  track(client);
  return client;
}

describe('Sweeper', () => {
  it('removes expired tokens, the guests left without one, and day-old empty rooms nobody is in; logs one line with the counts', async () => {
    const { server, store, presence } = await world();
    // A guest who spoke in `haunt`, and one who only looked into `quiet`; both leave.
    const ghost = await connect(server, { nick: 'ghost' });
    await ghost.request({ type: 'join', room: 'haunt' });
    await ghost.request({ type: 'send', room: 'haunt', id: 'boo', text: 'boo' });
    await ghost.close();
    const visitor = await connect(server, { nick: 'visitor' });
    await visitor.request({ type: 'join', room: 'quiet' });
    await visitor.close();
    // An account sits in `occupied` through a bearer token (which never expires).
    const sitter = await register(server, 'sitter');
    const bearer = (await api(server, 'POST', '/api/auth/tokens', { cookie: sitter.cookie, body: { name: 'bot' } })).body.token as string;
    const bot = await connect(server, { token: bearer });
    await bot.request({ type: 'join', room: 'occupied' });

    // 91 days on: every guest token (90 days) and session (30 days) has expired.
    const { sweeper: s, logs } = sweeper(store, presence, { now: () => Date.now() + 91 * DAY });
    await s.sweep();

    expect((await TestClient.connect(server, { query: { token: ghost.welcome.token! } }).catch((e: Error) => e)).toString()).toMatch(/HTTP 401/);
    expect(await store.userById(ghost.welcome.user.id)).toBeNull();
    expect(await store.userById(visitor.welcome.user.id)).toBeNull();
    expect(await store.userById(sitter.user.id)).toEqual(sitter.user);
    expect((await api(server, 'GET', '/api/me', { cookie: sitter.cookie })).status).toBe(401);
    expect((await api(server, 'GET', '/api/me', { bearer })).status).toBe(200);
    // The guest's message stays, with its nick.
    const history = await api(server, 'GET', '/api/rooms/haunt/messages');
    expect(history.body.messages.map((m: { from: { nick: string }; text: string }) => [m.from.nick, m.text])).toEqual([['ghost', 'boo']]);
    expect(await store.roomInfo('quiet')).toBeNull();
    for (const kept of ['lobby', 'haunt', 'occupied']) expect(await store.roomInfo(kept), kept).not.toBeNull();
    // The bot in `occupied` noticed nothing.
    expect((await bot.request({ type: 'send', room: 'occupied', id: 'still', text: 'here' })).type).toBe('ack');

    expect(logs).toEqual([
      { level: 'info', obj: { event: 'sweep', tokens: 3, guests: 2, rooms: 1, ms: expect.any(Number) } },
    ]);
    // Nothing left to sweep: the next sweep still logs its line, with zeros.
    await s.sweep();
    expect(logs[1]).toEqual({ level: 'info', obj: { event: 'sweep', tokens: 0, guests: 0, rooms: 0, ms: expect.any(Number) } });
  });

  it('keeps a room younger than a day, and works through many in small batches', async () => {
    const { server, store, presence } = await world();
    const client = await connect(server, { nick: 'roamer' });
    const rooms = Array.from({ length: 7 }, (_, i) => `empty-${i}`);
    for (const room of rooms) {
      await client.request({ type: 'join', room });
      await client.request({ type: 'leave', room });
    }
    const young = sweeper(store, presence, { now: () => Date.now() + DAY / 2, batchSize: 2 });
    await young.sweeper.sweep();
    expect(young.logs[0]?.obj).toMatchObject({ rooms: 0 });
    const old = sweeper(store, presence, { now: () => Date.now() + 2 * DAY, batchSize: 2 });
    await old.sweeper.sweep();
    expect(old.logs[0]?.obj).toMatchObject({ rooms: 7 });
    for (const room of rooms) expect(await store.roomInfo(room), room).toBeNull();
  });

  it('keeps a connection working when its room is deleted under it (a join racing the sweep)', async () => {
    const { server, store } = await world();
    const a = await connect(server, { nick: 'early' });
    await a.request({ type: 'join', room: 'fleeting' });
    // As if the sweep had checked presence just before `a` joined: the room goes.
    expect(await store.deleteAbandonedRooms(['fleeting'], Date.now() + 1)).toEqual(['fleeting']);
    expect(await store.roomInfo('fleeting')).toBeNull();
    // The next send re-creates it; numbering starts at 1 as it would have.
    expect(await a.request({ type: 'send', room: 'fleeting', id: 'm1', text: 'anyone?' })).toMatchObject({ type: 'ack', seq: 1 });
    const b = await connect(server, { nick: 'late' });
    const joined = await b.request<JoinedFrame>({ type: 'join', room: 'fleeting' });
    expect(joined.history.filter(isMessage).map((m) => [m.seq, m.text])).toEqual([[1, 'anyone?']]);
    expect(joined.online).toBe(2);
    expect(await a.request({ type: 'send', room: 'fleeting', id: 'm2', text: 'yes' })).toMatchObject({ type: 'ack', seq: 2 });
    expect(await b.nextOfType('message')).toMatchObject({ seq: 2, text: 'yes' });
  });

  it('deletes no room while the presence cannot tell who is in it, and logs the failure', async () => {
    const { server, store } = await world();
    const client = await connect(server, { nick: 'x' });
    await client.request({ type: 'join', room: 'unsure' });
    await client.request({ type: 'leave', room: 'unsure' });
    const failing = { roomOnline: async () => Promise.reject(new Error('presence down')) } as unknown as Presence;
    const { sweeper: s, logs } = sweeper(store, failing, { now: () => Date.now() + 2 * DAY });
    await s.sweep();
    expect(await store.roomInfo('unsure')).not.toBeNull();
    expect(logs).toEqual([{ level: 'error', obj: expect.objectContaining({ err: expect.any(Error) }) }]);
  });

  it('runs when the server starts listening', async () => {
    const dir = tempDir('chat-sweep-');
    dirs.push(dir);
    const store = await new SqliteStore({ dir, tokenTtlMs: 1 }).open();
    const old = await store.createGuest('long-gone');
    await new Promise((r) => setTimeout(r, 5));
    await startTracked({ dataDir: dir }, { store });
    for (let i = 0; i < 100 && (await store.userById(old.user.id)) !== null; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await store.userById(old.user.id)).toBeNull();
  });

  it('sweeps at start and then every interval, and stops cleanly', async () => {
    const { store, presence } = await world();
    const { sweeper: s, logs } = sweeper(store, presence, { everyMs: 20 });
    s.start();
    s.start(); // a second start changes nothing
    await new Promise((r) => setTimeout(r, 70));
    await s.stop();
    const count = logs.length;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(logs.every((l) => l.obj.event === 'sweep')).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(logs.length).toBe(count);
  });
});
