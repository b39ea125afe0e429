// Shared test harness: a real server on an ephemeral port, and real WebSocket clients.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect } from 'vitest';
import WebSocket from 'ws';
import { isMessage } from '@chat/protocol';
import type { ChatMessage, ClientFrame, HistoryReplyFrame, JoinedFrame, LogEntry, ServerFrame, WelcomeFrame } from '@chat/protocol';
import { buildApp, type AppOptions } from '../src/app.js';
import { createBackends, type Backends } from '../src/backends.js';
import { defaultConfig, type Config } from '../src/config.js';

export interface TestServer {
  app: FastifyInstance;
  port: number;
  httpUrl: string;
  dataDir: string;
  wsUrl(query?: Record<string, string>): string;
  close(): Promise<void>;
}

export function tempDir(prefix = 'chat-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** What a test may give buildApp() besides the config: app options, and backends to use instead of the config's. */
export type ServerExtras = Omit<AppOptions, 'config' | 'backends'> & Partial<Backends>;

/** buildApp() with the test defaults and a fresh data dir (unless one is given); not listening. */
async function testApp(overrides: Partial<Config>, extra: ServerExtras): Promise<{ app: FastifyInstance; dataDir: string; removeDir: () => void }> {
  const ownDir = overrides.dataDir === undefined;
  const dataDir = overrides.dataDir ?? tempDir();
  // Every test client comes from 127.0.0.1, so the per-address limits are off unless a test sets them.
  const perAddressOff: Partial<Config> = { maxConnectionsPerIp: 0, maxGuestsPerIpPerHour: 0, rateLimitPerIp: 0, maxRoomsCreatedPerIpPerHour: 0, requestRatePerIp: 0 };
  const config: Config = { ...defaultConfig(), logLevel: 'silent', ...perAddressOff, ...overrides, dataDir, host: '127.0.0.1', port: 0 };
  const { tls, adminPassword, requestBudget, ...given } = extra;
  const app = await buildApp({ config, tls, adminPassword, requestBudget, backends: (log) => createBackends(config, log, given) });
  return { app, dataDir, removeDir: () => ownDir && rmSync(dataDir, { recursive: true, force: true }) };
}

/**
 * buildApp() answering through app.inject() only: for tests of plain HTTP requests that need no
 * socket. Requests name `httpUrl`'s host, as a browser on that address would.
 */
export interface InjectServer {
  inject: true;
  app: FastifyInstance;
  /** Nominal: nothing listens on it; requests carry it in Host. */
  port: number;
  httpUrl: string;
  dataDir: string;
  close(): Promise<void>;
}

/** The port injected requests name in Host (nothing listens on it). */
const INJECT_PORT = 3000;

export async function injectServer(overrides: Partial<Config> = {}, extra: ServerExtras = {}): Promise<InjectServer> {
  const { app, dataDir, removeDir } = await testApp(overrides, extra);
  await app.ready();
  return {
    inject: true,
    app,
    port: INJECT_PORT,
    dataDir,
    httpUrl: `http://127.0.0.1:${INJECT_PORT}`,
    close: async () => {
      await app.close();
      removeDir();
    },
  };
}

/** Starts buildApp() on 127.0.0.1:0 with a fresh data dir (unless one is given). */
export async function startServer(overrides: Partial<Config> = {}, extra: ServerExtras = {}): Promise<TestServer> {
  const { app, dataDir, removeDir } = await testApp(overrides, extra);
  await app.listen({ port: 0, host: '127.0.0.1' });
  await app.listenMetrics();
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const port = address.port;
  return {
    app,
    port,
    dataDir,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: (query = {}) => {
      const qs = new URLSearchParams(query).toString();
      return `ws://127.0.0.1:${port}/ws${qs ? `?${qs}` : ''}`;
    },
    close: async () => {
      await app.close();
      removeDir();
    },
  };
}

export interface ConnectOptions {
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** WebSocket subprotocols to offer (Sec-WebSocket-Protocol). */
  protocols?: string[];
  /** ws client options passed through (e.g. autoPong: false). */
  wsOptions?: WebSocket.ClientOptions;
}

type Pred = (f: ServerFrame) => boolean;
interface Waiter {
  pred: Pred;
  resolve: (f: ServerFrame) => void;
}

let refCounter = 0;

/** A WebSocket client that records every frame and lets a test wait for the ones it expects. */
export class TestClient {
  /** Every parsed frame received, in order. */
  readonly frames: ServerFrame[] = [];
  /** Frames not yet consumed by next()/request(). */
  private unread: ServerFrame[] = [];
  private waiters: Waiter[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  welcome!: WelcomeFrame;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const frame = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString() : data.toString()) as ServerFrame;
      this.frames.push(frame);
      const i = this.waiters.findIndex((w) => w.pred(frame));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        w!.resolve(frame);
      } else {
        this.unread.push(frame);
      }
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Opens a connection and waits for `welcome` (the protocol's first frame). */
  static async connect(server: TestServer | string, options: ConnectOptions = {}): Promise<TestClient> {
    const url = typeof server === 'string' ? server : server.wsUrl(options.query);
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers, ...options.wsOptions });
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    const welcome = await client.next((f) => f.type === 'welcome');
    client.welcome = welcome as WelcomeFrame;
    return client;
  }

  /** Sends a frame: an object is JSON-encoded, a string or Buffer is sent as is. */
  send(frame: ClientFrame | Record<string, unknown> | string | Buffer, options?: { binary?: boolean }): void {
    const data = typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame);
    this.ws.send(data, { binary: options?.binary ?? false });
  }

  /** Sends with a fresh `ref` and resolves with the frame (reply or error) that echoes it. */
  async request<T extends ServerFrame = ServerFrame>(frame: Record<string, unknown>, timeoutMs = 5000): Promise<T> {
    const ref = `r${++refCounter}`;
    const reply = this.next((f) => 'ref' in f && f.ref === ref, timeoutMs);
    this.send({ ...frame, ref });
    return (await reply) as T;
  }

  /** Resolves with the next unconsumed frame matching pred (default: any), or rejects on timeout. */
  next<T extends ServerFrame = ServerFrame>(pred: Pred = () => true, timeoutMs = 5000): Promise<T> {
    const i = this.unread.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.unread.splice(i, 1)[0] as T);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = { pred, resolve: (f) => (clearTimeout(timer), resolve(f as T)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a frame; unread: ${JSON.stringify(this.unread).slice(0, 500)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits for the next frame of a type. */
  nextOfType<T extends ServerFrame = ServerFrame>(type: ServerFrame['type'], timeoutMs?: number): Promise<T> {
    return this.next<T>((f) => f.type === type, timeoutMs);
  }

  /** Frames received but not consumed yet (for asserting that nothing else arrived). */
  pending(): ServerFrame[] {
    return [...this.unread];
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- Bulk helpers (used by the gateway tests; generic for any WebSocket-level test) ----------

export type MessageEvent = Extract<ServerFrame, { type: 'message' }>;

let sendBatch = 0;

/**
 * Fires `count` sends to `room` without waiting between them (id and text `<prefix><i>`), then
 * resolves with each one's reply (`ack` or `error`), in send order.
 */
export function sendMany(
  client: TestClient,
  room: string,
  count: number,
  options: { prefix?: string; timeoutMs?: number } = {},
): Promise<ServerFrame[]> {
  const prefix = options.prefix ?? `batch${++sendBatch}-`;
  const replies: Promise<ServerFrame>[] = [];
  for (let i = 0; i < count; i++) {
    replies.push(client.request({ type: 'send', room, id: `${prefix}${i}`, text: `${prefix}${i}` }, options.timeoutMs ?? 30_000));
  }
  return Promise.all(replies);
}

/** Waits for the next `count` `message` events of `room` on this connection, in arrival order. */
export async function nextMessages(client: TestClient, room: string, count: number, timeoutMs = 10_000): Promise<MessageEvent[]> {
  const out: MessageEvent[] = [];
  for (let i = 0; i < count; i++) {
    out.push(await client.next<MessageEvent>((f) => f.type === 'message' && f.room === room, timeoutMs));
  }
  return out;
}

/**
 * Joins `room` with since: 0 and pages forward with `history after` until it is read to its end,
 * each reply checked: every entry of its log (messages and changes), the messages among them, and
 * its last seq as joined gave it. For the tests that check what a restarted server kept.
 */
export async function readWholeRoom(client: TestClient, room: string): Promise<{ lastSeq: number; entries: LogEntry[]; messages: ChatMessage[] }> {
  const joined = await client.request<JoinedFrame>({ type: 'join', room, since: 0 }, 15_000);
  expect(joined.type, JSON.stringify(joined).slice(0, 300)).toBe('joined');
  const entries = [...joined.history];
  let hasMore = joined.hasMore;
  while (hasMore) {
    const page = await client.request<HistoryReplyFrame>({ type: 'history', room, after: entries.at(-1)?.seq ?? 0, limit: 200 }, 15_000);
    expect(page.type, JSON.stringify(page).slice(0, 300)).toBe('history');
    expect(page.messages.length).toBeGreaterThan(0);
    entries.push(...page.messages);
    hasMore = page.hasMore;
  }
  return { lastSeq: joined.seq, entries, messages: entries.filter(isMessage) };
}

/** [from, from+1, …, to] (empty when to < from). */
export function seqRange(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/**
 * Servers and clients opened by a test file's tests, closed after each test (clients first, then
 * their servers). Call once at the top of a test file.
 */
export function trackResources() {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const r of open.splice(0).reverse()) await r.close();
  });
  return {
    /** Closes anything else with the rest (e.g. a raw WebSocket). */
    track(resource: { close(): Promise<void> }): void {
      open.push(resource);
    },
    async server(overrides: Partial<Config> = {}, extra: ServerExtras = {}): Promise<TestServer> {
      const s = await startServer(overrides, extra);
      open.push(s);
      return s;
    },
    /** The app without a listener, for plain HTTP through app.inject(). */
    async injected(overrides: Partial<Config> = {}, extra: ServerExtras = {}): Promise<InjectServer> {
      const s = await injectServer(overrides, extra);
      open.push(s);
      return s;
    },
    async connect(s: TestServer, query: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<TestClient> {
      const c = await TestClient.connect(s, { query, headers });
      open.push(c);
      return c;
    },
  };
}

/** What a raw WebSocket upgrade request got: its status, headers and body (101: accepted, then dropped). */
export interface UpgradeAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Sends a raw WebSocket upgrade request, so a test controls every header (Origin, Host,
 * X-Forwarded-For) and sees refusals as HTTP answers.
 */
export function rawUpgrade(s: TestServer, path: string, headers: Record<string, string> = {}): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: s.port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
