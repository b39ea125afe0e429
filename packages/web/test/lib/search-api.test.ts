// Message search's HTTP client (packages/web/src/lib/search-api.ts) against a real HTTP server on
// an ephemeral port (node:http, answering fixed JSON) and Node's own fetch: the query string under
// the page's prefix, a guest's bearer token and none for an account, pages read and followed with
// `next`, deleted or malformed rows left out, failures in the terms the panel says them, and at
// most one request in flight: the one before is aborted, and the server sees it go.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialSearchState, parseSearchPage, SearchApi, SearchSession, searchPath, type SearchFetch } from '../../src/lib/search-api.js';
import { httpUrl } from '../../src/lib/urls.js';

const ALICE = { id: 'u-alice', nick: 'alice' };
const message = (room: string, seq: number, text: string, extra: object = {}) => ({
  type: 'message',
  room,
  seq,
  id: `${room}-${seq}`,
  clientId: `c${seq}`,
  from: ALICE,
  text,
  ts: 1_700_000_000_000 + seq,
  ...extra,
});

/** What the test server saw of one request. */
interface Seen {
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

type Answer = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

let server: Server;
let answer: Answer;
let seen: Seen[];
/** Requests whose connection closed before the server answered (aborted by the client). */
let dropped: string[];
let page: string;

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

beforeEach(async () => {
  seen = [];
  dropped = [];
  answer = (_req, res) => json(res, 200, { results: [], next: null });
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const entry = { path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization };
    seen.push(entry);
    res.on('close', () => {
      if (!res.writableEnded) dropped.push(entry.query.q ?? '');
    });
    answer(req, res, entry);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Served under a proxy prefix, as behind nginx's `location /wsline/`.
  page = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wsline/`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const nodeFetch: SearchFetch = (url, init) => fetch(url, init);
const apiFor = (token: string | null = null) => new SearchApi({ url: (path) => httpUrl(page, path), fetch: nodeFetch, guestToken: () => token });

describe('search requests', () => {
  it('builds the path: q always, room, limit (1 to 100) and cursor when given, all encoded', () => {
    expect(searchPath({ q: 'hello world' })).toBe('api/search?q=hello+world');
    expect(searchPath({ q: '北京 from:bob', room: 'dev', limit: 500, cursor: 'a+b/=' })).toBe(
      'api/search?q=%E5%8C%97%E4%BA%AC+from%3Abob&room=dev&limit=100&cursor=a%2Bb%2F%3D',
    );
    expect(searchPath({ q: 'x', limit: 0, cursor: null })).toBe('api/search?q=x&limit=1');
    // At most the server's 200 characters, counted as characters: an emoji is never cut in half.
    expect(new URLSearchParams(searchPath({ q: '😀'.repeat(250) }).split('?')[1]).get('q')).toBe('😀'.repeat(200));
  });

  it('asks the server under the page prefix, with a guest token as a bearer, and reads the page', async () => {
    answer = (_req, res) => json(res, 200, { results: [{ room: 'dev', message: message('dev', 7, 'ship it') }], next: 'CUR' });
    const result = await apiFor('tok_en-1').page({ q: 'ship 北京', limit: 20 });
    expect(seen).toEqual([{ path: '/wsline/api/search', query: { q: 'ship 北京', limit: '20' }, authorization: 'Bearer tok_en-1' }]);
    expect(result).toEqual({ ok: true, value: { results: [{ room: 'dev', message: message('dev', 7, 'ship it') }], next: 'CUR' } });
  });

  it('sends no Authorization for an account (its session cookie goes along)', async () => {
    await apiFor(null).page({ q: 'x' });
    expect(seen[0]!.authorization).toBeUndefined();
  });

  it('leaves out deleted messages and rows that are not a message, and reads a missing next as the end', () => {
    const page = parseSearchPage({
      results: [
        { room: 'a', message: message('a', 1, 'kept') },
        { room: 'a', message: message('a', 2, '', { deleted: true }) },
        { room: 'a', message: { seq: 3 } },
        { message: message('a', 4, 'no room') },
        null,
        { room: 'b', message: message('b', 5, 'kept too') },
      ],
    });
    expect(page?.results.map((hit) => `${hit.room}:${hit.message.seq}`)).toEqual(['a:1', 'b:5']);
    expect(page?.next).toBeNull();
    expect(parseSearchPage({ error: 'x' })).toBeNull();
    expect(parseSearchPage(null)).toBeNull();
  });

  it('turns 400, 401, 429 + Retry-After, 500, a body that is not JSON and no server into failures', async () => {
    const cases: Array<[Answer, unknown]> = [
      [(_q, res) => json(res, 400, { error: 'bad_request' }), { kind: 'invalid' }],
      [(_q, res) => json(res, 401, { error: 'unauthorized' }), { kind: 'unauthorized' }],
      [(_q, res) => json(res, 429, { error: 'rate_limited' }, { 'retry-after': '3' }), { kind: 'throttled', seconds: 3 }],
      [(_q, res) => json(res, 429, { error: 'rate_limited' }), { kind: 'throttled', seconds: 1 }],
      [(_q, res) => json(res, 500, { error: 'internal' }), { kind: 'server', status: 500 }],
      [(_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'), { kind: 'server', status: 200 }],
    ];
    for (const [script, failure] of cases) {
      answer = script;
      expect(await apiFor().page({ q: 'x' })).toEqual({ ok: false, failure });
    }
    // A port nothing listens on any more.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise((resolve) => gone.close(resolve));
    const unreachable = new SearchApi({ url: (path) => `http://127.0.0.1:${port}/${path}`, fetch: nodeFetch, guestToken: () => null });
    expect(await unreachable.page({ q: 'x' })).toEqual({ ok: false, failure: { kind: 'network' } });
  });

  it('keeps one request in flight: a new one aborts the one before, and the server sees it dropped', async () => {
    answer = (_req, res, entry) => {
      if (entry.query.q === 'slow') return; // never answers: only an abort ends it
      json(res, 200, { results: [{ room: 'a', message: message('a', 1, 'fast') }], next: null });
    };
    const api = apiFor();
    const first = api.page({ q: 'slow' });
    await until(() => seen.length === 1);
    const second = await api.page({ q: 'fast' });
    expect(await first).toEqual({ ok: false, failure: { kind: 'aborted' } });
    expect(second.ok).toBe(true);
    await until(() => dropped.length === 1);
    expect(dropped).toEqual(['slow']);
  });
});

describe('SearchSession', () => {
  it('shows the first page, appends the next one with the cursor, lists a message found twice once', async () => {
    answer = (_req, res, entry) => {
      if (entry.query.cursor === undefined) json(res, 200, { results: [{ room: 'a', message: message('a', 9, 'nine') }, { room: 'b', message: message('b', 4, 'four') }], next: 'P2' });
      else json(res, 200, { results: [{ room: 'b', message: message('b', 4, 'four') }, { room: 'a', message: message('a', 2, 'two') }], next: null });
    };
    const session = new SearchSession(initialSearchState(), apiFor(), 2);
    await session.search('  words  ');
    expect(session.state).toMatchObject({ query: 'words', next: 'P2', loading: false, error: null, loaded: true });
    expect(session.state.hits.map((h) => h.message.text)).toEqual(['nine', 'four']);
    await session.more();
    expect(seen.map((s) => s.query)).toEqual([
      { q: 'words', limit: '2' },
      { q: 'words', limit: '2', cursor: 'P2' },
    ]);
    expect(session.state.hits.map((h) => h.message.text)).toEqual(['nine', 'four', 'two']);
    expect(session.state.next).toBeNull();
    await session.more(); // nothing more to ask
    expect(seen).toHaveLength(2);
  });

  it('asks nothing for an empty query and clears the results', async () => {
    answer = (_req, res) => json(res, 200, { results: [{ room: 'a', message: message('a', 1, 'one') }], next: null });
    const session = new SearchSession(initialSearchState(), apiFor());
    await session.search('one');
    await session.search('   ');
    expect(seen).toHaveLength(1);
    expect(session.state).toEqual(initialSearchState());
  });

  it('shows only the newest search when an older one is still in flight', async () => {
    answer = (_req, res, entry) => {
      if (entry.query.q === 'old') return;
      json(res, 200, { results: [{ room: 'a', message: message('a', 1, 'new') }], next: null });
    };
    const session = new SearchSession(initialSearchState(), apiFor());
    const old = session.search('old');
    await until(() => seen.length === 1);
    await session.search('new');
    await old;
    expect(session.state).toMatchObject({ query: 'new', loading: false, error: null });
    expect(session.state.hits.map((h) => h.message.text)).toEqual(['new']);
  });

  it('says a failure, keeps the results a failed next page came after, and retries what failed', async () => {
    let fail = false;
    answer = (_req, res, entry) => {
      if (fail) return json(res, 429, { error: 'rate_limited' }, { 'retry-after': '2' });
      json(res, 200, { results: [{ room: 'a', message: message('a', entry.query.cursor ? 1 : 2, 'x') }], next: entry.query.cursor ? null : 'P2' });
    };
    const session = new SearchSession(initialSearchState(), apiFor());
    await session.search('x');
    fail = true;
    await session.more();
    expect(session.state.error).toEqual({ kind: 'throttled', seconds: 2 });
    expect(session.state.hits).toHaveLength(1);
    fail = false;
    await session.retry();
    expect(seen.at(-1)!.query).toEqual({ q: 'x', limit: '20', cursor: 'P2' });
    expect(session.state.error).toBeNull();
    expect(session.state.hits.map((h) => h.message.seq)).toEqual([2, 1]);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
