// The HTTP account client (packages/web/src/lib/account-api.ts) against a scripted fetch: relative
// URLs (a proxy prefix survives), same-origin credentials, JSON bodies, and every failure the
// server documents turned into something the welcome screen can say (409, 400, 401, 429 + Retry-After).
import { describe, expect, it } from 'vitest';
import { AccountApi, credentialProblem, normalizeUsername, retryAfterSeconds } from '../src/lib/account-api.js';
import { httpUrl } from '../src/lib/urls.js';
import { fakeFetch, type FakeResponse } from './fakes.js';

const PAGE = 'https://chat.example/wsline/';
const ALICE = { id: 'u-alice', nick: 'alice' };

function apiWith(answer: (url: string, init: { method: string; body?: unknown }) => FakeResponse | 'network') {
  const { fetchFn, calls } = fakeFetch(answer);
  return { api: new AccountApi((path) => httpUrl(PAGE, path), fetchFn), calls };
}

describe('AccountApi', () => {
  it('registers with a JSON body under the page prefix, same-origin', async () => {
    const { api, calls } = apiWith(() => ({ status: 201, body: { user: ALICE } }));
    expect(await api.register('alice', 'correct horse')).toEqual({ ok: true, value: ALICE });
    expect(calls).toEqual([
      {
        url: 'https://chat.example/wsline/api/auth/register',
        method: 'POST',
        body: { username: 'alice', password: 'correct horse' },
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
      },
    ]);
  });

  it('turns 409, 400, 401, 403, 429 and 503 into failures, with the Retry-After seconds', async () => {
    const cases: Array<[FakeResponse, unknown]> = [
      [{ status: 409, body: { error: 'nick_taken', message: 'that username is taken' } }, { kind: 'taken' }],
      [{ status: 400, body: { error: 'bad_request', message: 'password must be 8 to 1024 characters' } }, { kind: 'invalid', message: 'password must be 8 to 1024 characters' }],
      // The server refuses the most common passwords; the page says so, not "at least 8".
      [{ status: 400, body: { error: 'bad_request', message: 'password is too common: choose one that is not on lists of leaked passwords' } }, { kind: 'common' }],
      [{ status: 401, body: { error: 'unauthorized', message: 'wrong username or password' } }, { kind: 'wrong' }],
      [{ status: 403, body: { error: 'forbidden' } }, { kind: 'forbidden' }],
      [{ status: 429, body: { error: 'rate_limited' }, headers: { 'Retry-After': '42' } }, { kind: 'throttled', seconds: 42 }],
      [{ status: 503, body: { error: 'busy' } }, { kind: 'busy' }],
      [{ status: 500, body: { error: 'internal' } }, { kind: 'server', status: 500 }],
    ];
    for (const [response, failure] of cases) {
      const { api } = apiWith(() => response);
      expect(await api.signIn('alice', 'whatever1'), String(response.status)).toEqual({ ok: false, failure });
    }
    const { api } = apiWith(() => 'network');
    expect(await api.signIn('alice', 'whatever1')).toEqual({ ok: false, failure: { kind: 'network' } });
  });

  it('api/me: the user, null on 401, and a throw when the answer says nothing', async () => {
    expect(await apiWith(() => ({ status: 200, body: { user: ALICE } })).api.me()).toEqual(ALICE);
    expect(await apiWith(() => ({ status: 401, body: { error: 'unauthorized' } })).api.me()).toBeNull();
    await expect(apiWith(() => ({ status: 502 })).api.me()).rejects.toThrow();
    await expect(apiWith(() => 'network').api.me()).rejects.toThrow();
  });

  it('api/nicks/check: the verdict, the name encoded under the page prefix; null whenever it cannot tell (the guest goes on)', async () => {
    const { api, calls } = apiWith(() => ({ status: 200, body: { nick: 'bob & co', available: true } }));
    expect(await api.checkNick('bob & co')).toEqual({ available: true, nick: 'bob & co' });
    expect(calls[0]!.url).toBe('https://chat.example/wsline/api/nicks/check?nick=bob%20%26%20co');
    expect(await apiWith(() => ({ status: 200, body: { available: false, reason: 'account' } })).api.checkNick('alice')).toEqual({ available: false, reason: 'account' });
    expect(await apiWith(() => ({ status: 200, body: { available: false } })).api.checkNick('alice')).toEqual({ available: false, reason: 'unknown' });
    for (const answer of [{ status: 429, headers: { 'Retry-After': '3' } }, { status: 404 }, { status: 500 }, { status: 200, body: { surprise: true } }] as FakeResponse[]) {
      expect(await apiWith(() => answer).api.checkNick('alice'), JSON.stringify(answer)).toBeNull();
    }
    expect(await apiWith(() => 'network').api.checkNick('alice')).toBeNull();
  });

  it('api/info: allowGuests (true unless it says false), and the features with the upload limits', async () => {
    expect(await apiWith(() => ({ status: 200, body: { protocol: 1, allowGuests: false } })).api.info()).toEqual({
      protocol: 1,
      allowGuests: false,
      features: [],
      maxUploadBytes: null,
      guestUploads: false,
    });
    expect((await apiWith(() => ({ status: 200, body: { protocol: 1 } })).api.info()).allowGuests).toBe(true);
    const files = { protocol: 1, allowGuests: true, features: ['edit', 'files', 7], maxUploadBytes: 1024, guestUploads: true };
    expect(await apiWith(() => ({ status: 200, body: files })).api.info()).toEqual({ protocol: 1, allowGuests: true, features: ['edit', 'files'], maxUploadBytes: 1024, guestUploads: true });
  });

  it('logs out with POST and no body (204)', async () => {
    const { api, calls } = apiWith(() => ({ status: 204 }));
    expect(await api.signOut()).toEqual({ ok: true, value: null });
    expect(calls[0]).toMatchObject({ url: 'https://chat.example/wsline/api/auth/logout', method: 'POST' });
    expect(calls[0]!.body).toBeUndefined();
  });

  it('tokens: list, create (the token once), delete by id', async () => {
    const tokens = [{ id: 't1', name: 'bot', createdAt: 1, lastUsedAt: null }];
    const { api, calls } = apiWith((url, init) => {
      if (init.method === 'GET') return { status: 200, body: { tokens } };
      if (init.method === 'POST') return { status: 201, body: { token: 'secret-value', id: 't2', name: 'cli' } };
      return { status: 204 };
    });
    expect(await api.listTokens()).toEqual({ ok: true, value: tokens });
    expect(await api.createToken('cli')).toEqual({ ok: true, value: { token: 'secret-value', id: 't2', name: 'cli' } });
    expect(calls[1]).toMatchObject({ method: 'POST', url: 'https://chat.example/wsline/api/auth/tokens', body: { name: 'cli' } });
    expect(await api.deleteToken('t/2')).toEqual({ ok: true, value: null });
    expect(calls[2]).toMatchObject({ method: 'DELETE', url: 'https://chat.example/wsline/api/auth/tokens/t%2F2' });
  });

  it('bans (issue 15): GET api/rooms/R/bans under the prefix; the users, or a failure (403)', async () => {
    const { api, calls } = apiWith(() => ({ status: 200, body: { bans: [ALICE, { id: 42 }] } }));
    expect(await api.bans('club')).toEqual({ ok: true, value: [ALICE] });
    expect(calls[0]).toMatchObject({ method: 'GET', url: 'https://chat.example/wsline/api/rooms/club/bans' });
    expect(await apiWith(() => ({ status: 403, body: { error: 'forbidden' } })).api.bans('club')).toEqual({ ok: false, failure: { kind: 'forbidden' } });
  });

  it('rooms: the list, or null when it fails', async () => {
    const rooms = [{ name: 'club', private: true, online: 0, lastSeq: 2 }];
    expect(await apiWith(() => ({ status: 200, body: { rooms } })).api.rooms()).toEqual(rooms);
    expect(await apiWith(() => 'network').api.rooms()).toBeNull();
  });

  it('rooms: asks only for the private rooms and DMs, in pages of 500, following `next` to the end', async () => {
    const row = (name: string) => ({ name, private: true, online: 0, lastSeq: 0 });
    const { api, calls } = apiWith((url) => {
      const cursor = new URL(url).searchParams.get('cursor');
      if (cursor === null) return { status: 200, body: { rooms: [row('a'), row('b')], next: 'Yg' } };
      if (cursor === 'Yg') return { status: 200, body: { rooms: [row('c')], next: 'Yw' } };
      return { status: 200, body: { rooms: [row('d')], next: null } };
    });
    expect((await api.rooms())?.map((r) => r.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(calls.map((c) => c.url)).toEqual([
      'https://chat.example/wsline/api/rooms?private=true&limit=500',
      'https://chat.example/wsline/api/rooms?private=true&limit=500&cursor=Yg',
      'https://chat.example/wsline/api/rooms?private=true&limit=500&cursor=Yw',
    ]);
  });

  it('rooms: a failed page fails the list, and a server that never ends is read for at most 10 pages', async () => {
    let n = 0;
    const failing = apiWith(() => (++n === 2 ? { status: 500, body: { error: 'internal' } } : { status: 200, body: { rooms: [], next: 'eA' } }));
    expect(await failing.api.rooms()).toBeNull();
    const endless = apiWith(() => ({ status: 200, body: { rooms: [{ name: 'x', private: true, online: 0, lastSeq: 0 }], next: 'eA' } }));
    expect(await endless.api.rooms()).toHaveLength(10);
    expect(endless.calls).toHaveLength(10);
  });
});

describe('credential rules (checked again by the server)', () => {
  it('register: usernames 3-32 of a-z 0-9 _ -, passwords at least 8 characters', () => {
    expect(credentialProblem('register', 'alice', '12345678')).toBeNull();
    expect(credentialProblem('register', 'al', '12345678')).toBe('username');
    expect(credentialProblem('register', 'a'.repeat(33), '12345678')).toBe('username');
    expect(credentialProblem('register', 'Alice', '12345678')).toBe('username');
    expect(credentialProblem('register', 'al ice', '12345678')).toBe('username');
    expect(credentialProblem('register', 'alice', '1234567')).toBe('password');
    expect(credentialProblem('register', 'bob_the-2nd', '密码密码密码密码')).toBeNull();
    expect(normalizeUsername('  Alice ')).toBe('alice');
  });

  it('sign-in: anything non-empty (the server answers the same 401 for unknown and wrong)', () => {
    expect(credentialProblem('signin', 'x', 'y')).toBeNull();
    expect(credentialProblem('signin', '', 'y')).toBe('username');
    expect(credentialProblem('signin', 'x', '')).toBe('password');
  });

  it('Retry-After: seconds or an HTTP date, at least 1', () => {
    expect(retryAfterSeconds('30')).toBe(30);
    expect(retryAfterSeconds('0')).toBe(1);
    expect(retryAfterSeconds(null)).toBe(1);
    expect(retryAfterSeconds(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5);
    expect(retryAfterSeconds('soon')).toBe(1);
  });
});
