// The room directory's client (packages/web/src/lib/room-directory.ts and AccountApi.publicRooms)
// against a scripted fetch: only public rooms, `q` from what was typed, pages followed with
// `next`, the topic when a row has one, and answers to an older search dropped.
import { describe, expect, it } from 'vitest';
import { AccountApi } from '../../src/lib/account-api.js';
import { directoryPath, directoryQuery, initialDirectoryState, parseDirectoryPage, RoomDirectory, type DirectoryLoad, type DirectoryPage } from '../../src/lib/room-directory.js';
import { httpUrl } from '../../src/lib/urls.js';
import { fakeFetch } from '../fakes.js';

const PAGE = 'https://chat.example/wsline/';
const row = (name: string, online = 0, extra: object = {}) => ({ name, private: false, online, lastSeq: 0, ...extra });

describe('room directory requests', () => {
  it('asks api/rooms for public rooms only, a page of 50, with q and the cursor when given', () => {
    expect(directoryPath('', null)).toBe('api/rooms?private=false&limit=50');
    expect(directoryPath('dev', null)).toBe('api/rooms?private=false&limit=50&q=dev');
    expect(directoryPath('dev', 'Yg==')).toBe('api/rooms?private=false&limit=50&q=dev&cursor=Yg%3D%3D');
  });

  it('turns what was typed into a q: trimmed, no leading #, lower case; null when no room name could match', () => {
    expect(directoryQuery('  #Dev ')).toBe('dev');
    expect(directoryQuery('')).toBe('');
    expect(directoryQuery('my room')).toBeNull();
    expect(directoryQuery('café')).toBeNull();
    expect(directoryQuery('a'.repeat(65))).toBeNull();
  });

  it('reads rows: the topic only when there is one, private rows left out, next or null', () => {
    expect(parseDirectoryPage({ rooms: [row('a', 2), row('b', 0, { topic: 'Talk about b' }), row('c', 0, { topic: '  ' }), { name: 'p', private: true, online: 1 }], next: 'Yg' })).toEqual({
      rooms: [
        { name: 'a', online: 2, topic: null },
        { name: 'b', online: 0, topic: 'Talk about b' },
        { name: 'c', online: 0, topic: null },
      ],
      next: 'Yg',
    });
    expect(parseDirectoryPage({ rooms: [] })).toEqual({ rooms: [], next: null });
    expect(parseDirectoryPage({ error: 'x' })).toBeNull();
    expect(parseDirectoryPage(null)).toBeNull();
  });

  it('AccountApi.publicRooms: the page under the page prefix, or the failure', async () => {
    const { fetchFn, calls } = fakeFetch(() => ({ status: 200, body: { rooms: [row('dev', 3)], next: null } }));
    const api = new AccountApi((path) => httpUrl(PAGE, path), fetchFn);
    expect(await api.publicRooms('de', null)).toEqual({ ok: true, value: { rooms: [{ name: 'dev', online: 3, topic: null }], next: null } });
    expect(calls[0]!.url).toBe('https://chat.example/wsline/api/rooms?private=false&limit=50&q=de');
    const failing = new AccountApi((path) => httpUrl(PAGE, path), fakeFetch(() => ({ status: 400, body: { error: 'bad_request', message: 'q' } })).fetchFn);
    expect(await failing.publicRooms('x', null)).toEqual({ ok: false, failure: { kind: 'invalid', message: 'q' } });
    const offline = new AccountApi((path) => httpUrl(PAGE, path), fakeFetch(() => 'network').fetchFn);
    expect(await offline.publicRooms('', null)).toEqual({ ok: false, failure: { kind: 'network' } });
  });
});

/** A loader whose answers the test releases one by one. */
function scripted() {
  const calls: Array<{ query: string; cursor: string | null; answer: (page: DirectoryPage | 'fail') => void }> = [];
  const load: DirectoryLoad = (query, cursor) =>
    new Promise((resolve) => calls.push({ query, cursor, answer: (page) => resolve(page === 'fail' ? { ok: false, failure: { kind: 'network' } } : { ok: true, value: page }) }));
  return { load, calls };
}

const room = (name: string, online = 0) => ({ name, online, topic: null });

describe('RoomDirectory', () => {
  it('a search shows its first page; more appends the next, without a room twice; the last page has no next', async () => {
    const { load, calls } = scripted();
    const dir = new RoomDirectory(initialDirectoryState(), load);
    const first = dir.search('');
    expect(dir.state.loading).toBe(true);
    calls[0]!.answer({ rooms: [room('a', 1), room('b')], next: 'Yg' });
    await first;
    expect(dir.state).toMatchObject({ query: '', rooms: [room('a', 1), room('b')], next: 'Yg', loading: false, loaded: true, error: null });
    const more = dir.more();
    expect(calls[1]).toMatchObject({ query: '', cursor: 'Yg' });
    calls[1]!.answer({ rooms: [room('b'), room('c')], next: null });
    await more;
    expect(dir.state.rooms.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(dir.state.next).toBeNull();
    await dir.more(); // nothing more to ask
    expect(calls).toHaveLength(2);
  });

  it('the newest search wins: an older answer that comes late is dropped', async () => {
    const { load, calls } = scripted();
    const dir = new RoomDirectory(initialDirectoryState(), load);
    const slow = dir.search('d');
    const fast = dir.search('dev');
    calls[1]!.answer({ rooms: [room('dev')], next: null });
    await fast;
    calls[0]!.answer({ rooms: [room('admin'), room('dev')], next: 'x' });
    await slow;
    expect(dir.state).toMatchObject({ query: 'dev', rooms: [room('dev')], next: null });
  });

  it('a search no room name can match asks nothing and shows no rooms; a failure keeps the list and says why', async () => {
    const { load, calls } = scripted();
    const dir = new RoomDirectory(initialDirectoryState(), load);
    const first = dir.search('');
    calls[0]!.answer({ rooms: [room('a')], next: 'Yg' });
    await first;
    const failed = dir.more();
    calls[1]!.answer('fail');
    await failed;
    expect(dir.state).toMatchObject({ rooms: [room('a')], next: 'Yg', error: 'network', loading: false });
    await dir.search('no such room!');
    expect(calls).toHaveLength(2);
    expect(dir.state).toMatchObject({ rooms: [], next: null, error: null, loaded: true });
  });
});
