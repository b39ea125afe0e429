// GET api/rooms in pages: `limit` (default 100, at most 500), an opaque `cursor` from the
// previous page's `next` (keyset on the name), `q` (a case-insensitive substring of the name) and
// `private` (true: only the caller's private rooms and DMs; false: only public rooms). Bad values
// are 400 with a JSON message; private rooms stay private whatever the parameters.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir, trackResources, type InjectServer } from '../helpers.js';
import { api, register, type Account } from './http-helpers.js';

// Plain HTTP requests, no socket: the app answers through app.inject().
const { injected: startTracked } = trackResources();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Row {
  name: string;
  private: boolean;
  online: number;
  lastSeq: number;
}
interface Page {
  rooms: Row[];
  next: string | null;
}

async function world(publicRooms: string[]): Promise<{ server: InjectServer; store: Store; alice: Account; carol: Account }> {
  const dir = tempDir('chat-room-list-');
  dirs.push(dir);
  const store = await new SqliteStore({ dir }).open();
  const server = await startTracked({ dataDir: dir, maxRegistrationsPerIp: 0 }, { store });
  for (const name of publicRooms) await store.ensureRoom(name);
  const alice = await register(server, 'alice');
  const carol = await register(server, 'carol');
  await store.createRoom('secret-town', 'private', alice.user.id);
  await store.createRoom('dm-alice-x', 'dm', null);
  await store.setRole('dm-alice-x', alice.user.id, 'member');
  return { server, store, alice, carol };
}

async function page(server: InjectServer, query: string, cookie?: string): Promise<Page> {
  const res = await api(server, 'GET', `/api/rooms${query}`, cookie === undefined ? {} : { cookie });
  expect(res.status, res.text).toBe(200);
  return res.body as Page;
}

/** Follows `next` from the first page to the last; the pages' names, in order. */
async function allPages(server: InjectServer, query: string, cookie?: string): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const sep = query === '' ? '?' : '&';
    const p = await page(server, cursor === null ? query : `${query}${sep}cursor=${encodeURIComponent(cursor)}`, cookie);
    pages.push(p.rooms.map((r) => r.name));
    cursor = p.next;
    expect(pages.length).toBeLessThan(50);
  } while (cursor !== null);
  return pages;
}

const names = (n: number, prefix = 'room') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

describe('GET api/rooms: pages', () => {
  it('pages in name order with limit and cursor; next is null on the last page; no room twice, none missed', async () => {
    const { server, alice } = await world(['delta', 'alpha', 'echo', 'charlie', 'bravo', 'foxtrot']);
    const first = await page(server, '?limit=3');
    expect(first.rooms.map((r) => r.name)).toEqual(['alpha', 'bravo', 'charlie']);
    expect(first.rooms[0]).toEqual({ name: 'alpha', private: false, online: 0, lastSeq: 0 });
    expect(typeof first.next).toBe('string');
    expect(await allPages(server, '?limit=3')).toEqual([
      ['alpha', 'bravo', 'charlie'],
      ['delta', 'echo', 'foxtrot'],
      ['lobby'],
    ]);
    // A page that ends exactly with the last room says so.
    expect((await page(server, '?limit=7')).next).toBeNull();
    // The caller's private rooms and DMs are paged together with the public ones.
    expect((await allPages(server, '?limit=4', alice.cookie)).flat()).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'delta',
      'dm-alice-x',
      'echo',
      'foxtrot',
      'lobby',
      'secret-town',
    ]);
  });

  it('returns 100 rooms by default and at most 500', async () => {
    const { server } = await world(names(520));
    const byDefault = await page(server, '');
    expect(byDefault.rooms).toHaveLength(100);
    expect(byDefault.next).not.toBeNull();
    const biggest = await page(server, '?limit=500');
    expect(biggest.rooms).toHaveLength(500);
    const rest = await page(server, `?limit=500&cursor=${encodeURIComponent(biggest.next!)}`);
    expect(rest.rooms.map((r) => r.name)).toEqual(['lobby', ...names(520)].slice(500));
    expect(rest.next).toBeNull();
  });

  it('filters by a case-insensitive substring of the name (q), paging through the matches', async () => {
    const { server, alice, carol } = await world(['town', 'downtown', 'townhall', 'city', 'a_b', 'axb']);
    expect((await page(server, '?q=TOWN')).rooms.map((r) => r.name)).toEqual(['downtown', 'town', 'townhall']);
    expect(await allPages(server, '?q=town&limit=2')).toEqual([['downtown', 'town'], ['townhall']]);
    // `_` is a character of room names, not a wildcard.
    expect((await page(server, '?q=a_b')).rooms.map((r) => r.name)).toEqual(['a_b']);
    expect((await page(server, '?q=nothing-like-it')).rooms).toEqual([]);
    // An empty q is no filter.
    expect((await page(server, '?q=')).rooms).toHaveLength(7);
    // Private rooms match only for those who may see them.
    expect((await page(server, '?q=secret', alice.cookie)).rooms.map((r) => r.name)).toEqual(['secret-town']);
    expect((await page(server, '?q=secret', carol.cookie)).rooms).toEqual([]);
    expect((await page(server, '?q=secret')).rooms).toEqual([]);
  });

  it('private=true lists only the caller\'s private rooms and DMs; private=false only public rooms', async () => {
    const { server, alice, carol } = await world(['town']);
    expect((await page(server, '?private=true', alice.cookie)).rooms.map((r) => [r.name, r.private])).toEqual([
      ['dm-alice-x', true],
      ['secret-town', true],
    ]);
    expect((await page(server, '?private=true', carol.cookie)).rooms).toEqual([]);
    expect((await page(server, '?private=true')).rooms).toEqual([]);
    expect((await page(server, '?private=false', alice.cookie)).rooms.map((r) => r.name)).toEqual(['lobby', 'town']);
    expect(await allPages(server, '?private=true&limit=1', alice.cookie)).toEqual([['dm-alice-x'], ['secret-town']]);
  });

  it('a cursor is only a position: one naming a private room reveals nothing of it', async () => {
    const { server, carol } = await world(['town', 'zulu']);
    const cursor = Buffer.from('secret-town').toString('base64url');
    expect((await page(server, `?cursor=${cursor}`, carol.cookie)).rooms.map((r) => r.name)).toEqual(['town', 'zulu']);
  });

  it('answers bad parameters with 400 and a JSON message naming the parameter', async () => {
    const { server } = await world(['town']);
    const bad: Array<[string, RegExp]> = [
      ['limit=0', /limit/],
      ['limit=501', /limit/],
      ['limit=-1', /limit/],
      ['limit=1.5', /limit/],
      ['limit=ten', /limit/],
      ['limit=', /limit/],
      ['limit=1&limit=2', /limit/],
      ['cursor=', /cursor/],
      ['cursor=%21%21', /cursor/],
      ['cursor=bm90IGEgcm9vbQ', /cursor/], // "not a room": not a position this server hands out
      [`cursor=${'A'.repeat(400)}`, /cursor/],
      [`q=${'a'.repeat(65)}`, /q/],
      ['q=a%20b', /q/],
      ['q=%25', /q/],
      ['q=%00', /q/],
      ['q=a&q=b', /q/],
      ['private=yes', /private/],
      ['private=', /private/],
    ];
    for (const [query, message] of bad) {
      const res = await api(server, 'GET', `/api/rooms?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toMatch(/^application\/json/);
      expect(res.body, query).toEqual({ error: 'bad_request', message: expect.stringMatching(message) });
    }
    // Unknown parameters are ignored, as elsewhere.
    expect((await api(server, 'GET', '/api/rooms?page=2')).status).toBe(200);
  });
});

// Version 1.1 (issue 15): a room's topic, set by `topic` and stored with the room; the room
// directory shows it.
describe('GET api/rooms: topics', () => {
  it('a row carries "topic" when one is set, and none otherwise; a private room\'s topic only to those who see the room', async () => {
    const { server, store, alice, carol } = await world(['quiet', 'talk']);
    await store.setTopic('talk', 'Weekly sync — 周会');
    await store.setTopic('secret-town', 'for members only');
    const rows = (await page(server, '')).rooms as Array<Row & { topic?: string }>;
    expect(rows.find((r) => r.name === 'talk')).toEqual({ name: 'talk', private: false, online: 0, lastSeq: 0, topic: 'Weekly sync — 周会' });
    expect(rows.find((r) => r.name === 'quiet')).not.toHaveProperty('topic');
    expect(JSON.stringify(await page(server, '', carol.cookie))).not.toContain('for members only');
    const mine = (await page(server, '?private=true', alice.cookie)).rooms as Array<Row & { topic?: string }>;
    expect(mine.find((r) => r.name === 'secret-town')?.topic).toBe('for members only');
    await store.setTopic('talk', '');
    expect((await page(server, '?q=talk')).rooms[0]).not.toHaveProperty('topic');
  });
});
