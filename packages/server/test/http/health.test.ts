// HTTP surface: GET /healthz reflects whether the store answers (200 / 503), GET / serves the web
// client's page. Also: a store failure during `send` is an `internal` error the client may retry
// with the same id, and the connection stays open.
import { afterEach, describe, expect, it } from 'vitest';
import type { AckFrame, ErrorFrame, JoinedFrame } from '@chat/protocol';
import { StoreWriteError, type EntryResult, type NewEntry, type Store } from '../../src/store/store.js';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { startServer, tempDir, TestClient, type TestServer } from '../helpers.js';

/** Switches that make a real store's ping() or appendEntries() (the hub's group commit) fail. */
interface Switches {
  failPing: boolean;
  /** What ping rejects with while failPing is on. */
  pingError: Error;
  failAppends: boolean;
  appendCalls: number;
}

/**
 * The real store behind a Proxy: every method passes through, except the two switched ones, so the
 * server can start, hand out identities and join while a failure is switched on.
 */
function switchable(inner: Store): { store: Store; switches: Switches } {
  const switches: Switches = { failPing: false, pingError: new Error('store unreachable (test)'), failAppends: false, appendCalls: 0 };
  const store = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'ping') {
        return () => (switches.failPing ? Promise.reject(switches.pingError) : target.ping());
      }
      if (prop === 'appendEntries') {
        return (batch: NewEntry[]): Promise<EntryResult[]> => {
          switches.appendCalls++;
          return switches.failAppends ? Promise.reject(new Error('disk on fire (test)')) : target.appendEntries(batch);
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, switches };
}

/** The real SQLite store, opened on a fresh directory. */
async function openSqliteStore(dir: string): Promise<Store> {
  return new SqliteStore({ dir }).open();
}

let server: TestServer | undefined;
let clients: TestClient[] = [];
let cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of clients) await c.close().catch(() => {});
  clients = [];
  await server?.close().catch(() => {});
  server = undefined;
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => {});
  cleanups = [];
});

async function switchableServer(): Promise<{ server: TestServer; store: Switches }> {
  const dir = tempDir('chat-health-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const inner = await openSqliteStore(dir);
  // Whether or not app.close() closes an injected store, close it afterwards (idempotent or caught).
  cleanups.push(() => inner.close());
  const { store, switches } = switchable(inner);
  server = await startServer({ rateLimit: 0 }, { store });
  return { server, store: switches };
}

describe('GET /healthz', () => {
  it('answers 200 {"status":"ok"} with the default store (inject and real HTTP)', async () => {
    server = await startServer();
    const res = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json()).toEqual({ status: 'ok' });

    const real = await fetch(`${server.httpUrl}/healthz`);
    expect(real.status).toBe(200);
    expect(await real.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 while the store does not answer, and 200 again once it does', async () => {
    const { server, store } = await switchableServer();
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    store.failPing = true;
    const down = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(down.statusCode).toBe(503);
    // The body says what is wrong, in a few words that reveal nothing else.
    expect(down.json()).toEqual({ status: 'unavailable', reason: 'store not answering' });
    const downReal = await fetch(`${server.httpUrl}/healthz`);
    expect(downReal.status).toBe(503);

    store.failPing = false;
    const up = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toEqual({ status: 'ok' });
  });

  it('says "store writes failing" while the store rejects ping with a StoreWriteError (disk full)', async () => {
    const { server, store } = await switchableServer();
    store.failPing = true;
    store.pingError = new StoreWriteError('SQLITE_FULL', { cause: new Error('database or disk is full') });
    const down = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', reason: 'store writes failing' });
  });

  it("answers 503 while UPLOAD_DIR cannot be written (a cluster's shared volume gone), and 200 again once it can", async () => {
    const uploadDir = tempDir('chat-uploads-');
    server = await startServer({ uploadDir });
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    // Root may write through any mode bits, so the directory goes away instead (an unmounted volume).
    rmSync(uploadDir, { recursive: true, force: true });
    const down = await fetch(`${server.httpUrl}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', reason: 'uploads not answering' });
    mkdirSync(join(uploadDir, 'tmp'), { recursive: true });
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    rmSync(uploadDir, { recursive: true, force: true });
  });
});

describe('GET /', () => {
  it('serves the web client page as HTML', async () => {
    server = await startServer();
    const res = await server.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<html|<!doctype html/i);

    const real = await fetch(`${server.httpUrl}/`);
    expect(real.status).toBe(200);
    expect(real.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('store failure during send', () => {
  it('answers `internal` with the ref, keeps the connection open, and a retry with the same id is acked once', async () => {
    const { server, store } = await switchableServer();
    const alice = await TestClient.connect(server, { query: { nick: 'alice' } });
    clients.push(alice);
    const joined = await alice.request<JoinedFrame>({ type: 'join', room: 'failing' });
    expect(joined.type).toBe('joined');
    expect(joined.seq).toBe(0);

    store.failAppends = true;
    const err = await alice.request<ErrorFrame>({ type: 'send', room: 'failing', id: 'm1', text: 'hello' });
    expect(err.type).toBe('error');
    expect(err.code).toBe('internal');
    expect(store.appendCalls).toBeGreaterThan(0);
    // Nothing was broadcast for the failed message.
    expect(alice.frames.some((f) => f.type === 'message')).toBe(false);

    // Still connected and serving.
    const pong = await alice.request({ type: 'ping' });
    expect(pong.type).toBe('pong');

    store.failAppends = false;
    const ack = await alice.request<AckFrame>({ type: 'send', room: 'failing', id: 'm1', text: 'hello' });
    expect(ack.type).toBe('ack');
    expect(ack).toMatchObject({ room: 'failing', id: 'm1', seq: 1 });
    const msg = await alice.next((f) => f.type === 'message' && f.room === 'failing');
    expect(msg).toMatchObject({ seq: 1, clientId: 'm1', text: 'hello' });

    // The failed attempt left no trace: the room holds exactly one message.
    const hist = await alice.request({ type: 'history', room: 'failing' });
    expect(hist).toMatchObject({ type: 'history', messages: [{ seq: 1, clientId: 'm1', text: 'hello' }], hasMore: false });
  });

  it('a failed commit does not take down other connections or later sends', async () => {
    const { server, store } = await switchableServer();
    const a = await TestClient.connect(server, { query: { nick: 'a' } });
    const b = await TestClient.connect(server, { query: { nick: 'b' } });
    clients.push(a, b);
    await a.request({ type: 'join', room: 'r' });
    await b.request({ type: 'join', room: 'r' });

    store.failAppends = true;
    const errors = await Promise.all([1, 2, 3].map((i) => a.request<ErrorFrame>({ type: 'send', room: 'r', id: `x${i}`, text: `t${i}` })));
    for (const e of errors) expect(e).toMatchObject({ type: 'error', code: 'internal' });

    store.failAppends = false;
    const ack = await b.request<AckFrame>({ type: 'send', room: 'r', id: 'y1', text: 'after' });
    expect(ack).toMatchObject({ type: 'ack', seq: 1 });
    await a.next((f) => f.type === 'message' && f.seq === 1);
    await b.next((f) => f.type === 'message' && f.seq === 1);
  });
});
