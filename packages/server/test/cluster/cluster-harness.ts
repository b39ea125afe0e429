// Multi-node harness: several built server processes (dist/main.js) on one PostgreSQL
// schema and one Redis key prefix, real WebSocket clients spread over them, and whatever a test
// needs to break: kill -9, SIGTERM, a tcp proxy cut, its own redis-server.
//
// Every cluster gets its own schema and prefix (dropped afterwards); nothing shared is flushed or
// restarted. useClusterCleanup() (once per file) terminates clients, kills every child, stops the
// test's own redis-servers and drops schemas and prefixes after each test.
import { isMessage } from '@chat/protocol';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { afterEach, expect } from 'vitest';
import type { AckFrame, ChatMessage, ErrorFrame, HistoryReplyFrame, JoinedFrame, ServerFrame, User } from '@chat/protocol';
import { freePort, killChildren, startChild, type ChildServer } from '../child-server.js';
import { sleep, tempDir, TestClient } from '../helpers.js';
import { createSchema, redisPrefix, TEST_DATABASE_URL, TEST_REDIS_URL } from '../services.js';
import { startTcpProxy, type TcpProxy } from '../tcp-proxy.js';

/**
 * Per test: generous, so that a failing bounded wait inside reports what it waited for (the
 * suite's default of 20 s would cut it short on a loaded machine). A test takes 2-10 s.
 */
export const TEST_TIMEOUT_MS = 60_000;

const cleanups: Array<() => Promise<void> | void> = [];

/** Registers the per-test cleanup; call once at the top of a test file. */
export function useClusterCleanup(): void {
  afterEach(async () => {
    // Reverse order: clients, then processes, then the services' data.
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (err) {
        console.error('cluster cleanup failed:', err);
      }
    }
    killChildren();
  });
}

export interface NodeOptions {
  /** Extra environment for this node (e.g. DATABASE_URL through a proxy). */
  env?: Record<string, string>;
  port?: number;
  /** Keep everything the node prints (default: the last 8000 characters). */
  keepAllOutput?: boolean;
}

export interface Cluster {
  /** The nodes started so far, in start order. */
  nodes: ChildServer[];
  /** PostgreSQL URL selecting this cluster's schema. */
  databaseUrl: string;
  redisUrl: string;
  /** REDIS_PREFIX of this cluster. */
  prefix: string;
  /** Starts one more node of this cluster. */
  addNode(options?: NodeOptions): Promise<ChildServer>;
}

export interface ClusterOptions {
  /** Environment for every node (on top of the cluster's DATABASE_URL, REDIS_URL, REDIS_PREFIX). */
  env?: Record<string, string>;
  /** Redis to use; the shared one by default. */
  redisUrl?: string;
  /** Per-node extra options, by index, given the environment the node would get otherwise. */
  node?: (index: number, env: Readonly<Record<string, string>>) => NodeOptions;
}

/** Starts `count` nodes on a fresh schema and prefix; they are stopped and dropped after the test. */
export async function startCluster(count: number, options: ClusterOptions = {}): Promise<Cluster> {
  const schema = await createSchema('chat_cluster');
  cleanups.push(() => schema.drop());
  const prefix = redisPrefix('chat_cluster');
  cleanups.push(() => prefix.drop());
  const dataDir = tempDir('chat-cluster-');
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const baseEnv: Record<string, string> = {
    DATABASE_URL: schema.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix.prefix,
    // Every client comes from 127.0.0.1.
    MAX_CONNECTIONS_PER_IP: '0',
    MAX_REGISTRATIONS_PER_IP: '0',
    RATE_LIMIT_PER_IP: '0',
    MAX_ROOMS_CREATED_PER_IP_PER_HOUR: '0',
    REQUEST_RATE_PER_IP: '0',
    MAX_GUESTS_PER_IP_PER_HOUR: '0',
    DATABASE_POOL_MAX: '5',
    ...options.env,
  };
  const all: ChildServer[] = [];
  const cluster: Cluster = {
    nodes: [],
    databaseUrl: schema.url,
    redisUrl,
    prefix: prefix.prefix,
    async addNode(nodeOptions = {}) {
      const node = await startNode(nodeOptions);
      cluster.nodes.push(node);
      return node;
    },
  };
  const startNode = async (nodeOptions: NodeOptions = {}) => {
    const node = await startChild(dataDir, { env: { ...baseEnv, ...nodeOptions.env }, port: nodeOptions.port, keepAllOutput: nodeOptions.keepAllOutput });
    all.push(node);
    return node;
  };
  // Dropping the schema and prefix waits for the processes to be gone (they would write on).
  cleanups.push(async () => {
    killChildren();
    await Promise.all(all.map((n) => n.exited));
  });
  // All at once on the empty schema, as an operator's nodes start: one migrates under the
  // advisory lock, the others wait for it and find nothing left to do.
  cluster.nodes.push(...(await Promise.all(Array.from({ length: count }, (_, i) => startNode(options.node?.(i, baseEnv))))));
  return cluster;
}

// ---- clients -----------------------------------------------------------------------------

/** A client on a node (guest unless query/headers say otherwise), terminated after the test. */
export async function connect(node: ChildServer, query: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<TestClient> {
  const client = await TestClient.connect(node.wsUrl(query), { headers });
  cleanups.push(() => client.ws.terminate());
  return client;
}

/** Joins a room and expects `joined`. */
export async function join(client: TestClient, room: string, since?: number): Promise<JoinedFrame> {
  const reply = await client.request<ServerFrame>({ type: 'join', room, ...(since === undefined ? {} : { since }) }, 15_000);
  expect(reply.type, `join ${room}: ${JSON.stringify(reply).slice(0, 300)}`).toBe('joined');
  return reply as JoinedFrame;
}

/** Sends one message and expects its `ack`. */
export async function sendAcked(client: TestClient, room: string, id: string, text = id, timeoutMs = 15_000): Promise<AckFrame> {
  const reply = await client.request<ServerFrame>({ type: 'send', room, id, text }, timeoutMs);
  expect(reply.type, `send ${id}: ${JSON.stringify(reply).slice(0, 300)}`).toBe('ack');
  return reply as AckFrame;
}

/** The `message` events of a room this connection has received so far, in arrival order. */
export function messagesOf(client: TestClient, room: string): ChatMessage[] {
  return client.frames.filter((f): f is ChatMessage => f.type === 'message' && f.room === room);
}

/** Polls `check` until it returns true; fails with `what` (and `detail()`) after timeoutMs. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} ${detail()}`.trim());
    await sleep(25);
  }
}

/** Waits until the connection has received a message of the room with at least this seq. */
export function waitForSeq(client: TestClient, room: string, seq: number, timeoutMs = 15_000, who = 'a client'): Promise<void> {
  return waitFor(
    () => messagesOf(client, room).some((m) => m.seq >= seq),
    timeoutMs,
    `${who} to receive seq ${seq} of ${room}`,
    () => `(last seen: ${messagesOf(client, room).at(-1)?.seq ?? 'none'})`,
  );
}

/** Joins with since: 0 and pages forward with `history after` to the room's end. */
export async function readWholeRoom(client: TestClient, room: string): Promise<ChatMessage[]> {
  const joined = await join(client, room, 0);
  const messages = [...joined.history];
  let hasMore = joined.hasMore;
  while (hasMore) {
    const after = messages.at(-1)?.seq ?? 0;
    const page = await client.request<ServerFrame>({ type: 'history', room, after, limit: 200 }, 15_000);
    expect(page.type, JSON.stringify(page).slice(0, 300)).toBe('history');
    messages.push(...(page as HistoryReplyFrame).messages);
    hasMore = (page as HistoryReplyFrame).hasMore;
  }
  return messages.filter(isMessage);
}

/** A room's whole stored history as a fresh guest on `node` sees it (public rooms). */
export async function storedMessages(node: ChildServer, room: string): Promise<ChatMessage[]> {
  const reader = await connect(node, { nick: 'reader' });
  try {
    return await readWholeRoom(reader, room);
  } finally {
    reader.ws.terminate();
  }
}

/** [1, 2, …, n]. */
export const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** (seq, msgId, clientId) triples: what must agree across connections. */
export const order = (messages: ChatMessage[]): string[] => messages.map((m) => `${m.seq}:${m.id}:${m.clientId}`);

/** GET /healthz's status code (0 when the request itself failed). */
export async function healthStatus(node: ChildServer): Promise<number> {
  try {
    const res = await fetch(`${node.baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Stops a node with a signal and waits (bounded) for it to exit. */
export async function stopNode(node: ChildServer, signal: NodeJS.Signals, timeoutMs = 12_000) {
  node.child.kill(signal);
  return Promise.race([
    node.exited,
    sleep(timeoutMs).then(() => {
      throw new Error(`node still running ${timeoutMs} ms after ${signal}:\n${node.output()}`);
    }),
  ]);
}

// ---- sending -----------------------------------------------------------------------------

/** One send and its reply; null when the connection closed first. */
export function sendOnce(client: TestClient, room: string, id: string, timeoutMs = 20_000): Promise<ServerFrame | null> {
  return Promise.race([client.request({ type: 'send', room, id, text: `text of ${id}` }, timeoutMs), client.closed.then(() => null)]);
}

export interface Burst {
  /** Ids sent, in send order. */
  sent: string[];
  /** id -> acked seq. */
  acks: Map<string, number>;
  /** Replies other than ack. */
  errors: ServerFrame[];
  /** Acks for an id that already had one. */
  duplicateAcks: string[];
  /** Stops sending (in-flight sends still get their replies). */
  stop(): void;
  /** Resolves when every sender is done: count reached, stopped, or the connection closed. */
  done: Promise<void>;
}

/**
 * Sends up to `count` messages (ids `${prefix}${i}`) keeping `window` in flight, recording acks
 * and errors. Ends early on stop() or when the connection closes.
 */
export function burst(client: TestClient, room: string, prefix: string, count: number, window: number): Burst {
  let next = 0;
  let stopped = false;
  const b: Omit<Burst, 'done'> = {
    sent: [],
    acks: new Map(),
    errors: [],
    duplicateAcks: [],
    stop: () => (stopped = true),
  };
  const worker = async () => {
    while (!stopped && next < count) {
      const id = `${prefix}${next++}`;
      b.sent.push(id);
      const reply = await sendOnce(client, room, id);
      if (reply === null) return;
      if (reply.type === 'ack') {
        if (b.acks.has(id)) b.duplicateAcks.push(id);
        b.acks.set(id, reply.seq);
      } else {
        b.errors.push(reply);
      }
    }
  };
  const done = Promise.all(Array.from({ length: window }, worker)).then(() => undefined);
  return { ...b, done };
}

// ---- accounts ----------------------------------------------------------------------------

export const PASSWORD = 'correct horse battery staple';

export interface Account {
  user: User;
  /** `session=…`, for the WebSocket upgrade's Cookie header. */
  cookie: string;
}

/** Registers an account on a node (the page's own Origin, as a browser sends it). */
export async function register(node: ChildServer, username: string): Promise<Account> {
  const res = await fetch(`${node.baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: node.baseUrl },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${text}`);
  const set = res.headers.getSetCookie().find((c) => c.startsWith('session='));
  if (set === undefined) throw new Error(`register ${username}: no session cookie`);
  return { user: (JSON.parse(text) as { user: User }).user, cookie: set.split(';')[0]! };
}

/** A signed-in client of an account on a node. */
export function connectAccount(node: ChildServer, account: Account): Promise<TestClient> {
  return connect(node, {}, { cookie: account.cookie });
}

/** Expects an error frame with this code. */
export function expectError(frame: ServerFrame, code: ErrorFrame['code'], what: string): void {
  expect(frame.type, `${what}: ${JSON.stringify(frame).slice(0, 300)}`).toBe('error');
  expect((frame as ErrorFrame).code, `${what}: ${JSON.stringify(frame).slice(0, 300)}`).toBe(code);
}

/** A tcp proxy in front of a service (for one node's outage), closed after the test. */
export async function proxyTo(url: string, defaultPort: number): Promise<TcpProxy> {
  const proxy = await startTcpProxy(url, defaultPort);
  cleanups.push(() => proxy.close());
  return proxy;
}

/**
 * Two nodes, the first reaching PostgreSQL (DATABASE_URL) or Redis (REDIS_URL) through a proxy the
 * test can cut, so that service goes away for that node only. `first`: more options for that node.
 */
export async function twoNodesFirstBehindProxy(
  service: 'DATABASE_URL' | 'REDIS_URL',
  first: Omit<NodeOptions, 'env'> = {},
): Promise<{ proxy: TcpProxy; a: ChildServer; b: ChildServer }> {
  const proxy = service === 'DATABASE_URL' ? await proxyTo(TEST_DATABASE_URL, 5432) : await proxyTo(TEST_REDIS_URL, 6379);
  const { nodes } = await startCluster(2, { node: (i, env) => (i === 0 ? { ...first, env: { [service]: proxy.via(env[service]!) } } : {}) });
  const [a, b] = nodes as [ChildServer, ChildServer];
  return { proxy, a, b };
}

// ---- a redis-server of the test's own -------------------------------------------------------

export interface OwnRedis {
  port: number;
  url: string;
  /** SIGKILLs the server and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence), and waits until it answers. */
  restart(): Promise<void>;
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

/** Whether `redis-server` can be run; prints "skipped: …" when not, and throws in CI. */
export function redisServerAvailable(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const why = 'redis-server is not in PATH (apt-get install redis-server)';
  if (process.env.CI === 'true') throw new Error(`CI needs ${why}`);
  console.log(`skipped: ${why}`);
  return false;
}

/** Starts a throwaway redis-server (no persistence) on a free port; stopped after the test. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  const launch = async () => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', tmpdir()], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = child;
    child.once('error', (err) => (output += `\n${err.message}`));
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-4000)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output = (output + d).slice(-4000)));
    exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    await waitFor(() => answersPing(port), 10_000, `redis-server on port ${port}`, () => output);
  };
  const kill = async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  cleanups.push(kill);
  await launch();
  return { port, url: `redis://127.0.0.1:${port}`, kill, restart: launch };
}
