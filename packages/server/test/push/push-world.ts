// Shared setup for the server's push tests: the built server as a child process that trusts the
// test's push receiver (NODE_EXTRA_CA_CERTS) and may send to it on 127.0.0.1
// (PUSH_ALLOW_PRIVATE_ENDPOINTS), accounts registered over HTTP, their WebSocket connections,
// and bounded waits. Everything a test opens is closed after it (usePushTests).
import { rmSync } from 'node:fs';
import { afterEach, expect } from 'vitest';
import type { AckFrame, JoinedFrame, PresenceFrame, ServerFrame, User } from '@chat/protocol';
import { killChildren, startChild, type ChildServer } from '../child-server.js';
import { api, register } from '../http/http-helpers.js';
import { sleep, tempDir, TestClient } from '../helpers.js';
import { parseProm } from '../ops/ops-helpers.js';
import { startPushReceiver, type BrowserSubscription, type PushReceiver, type ReceivedPush } from './push-receiver.js';

/** Per test: a push test starts processes and waits out quiet periods; 20 s is too tight. */
export const PUSH_TEST_TIMEOUT_MS = 60_000;
/** The longest a test waits for one expected push (retries with Retry-After: 1 included). */
export const PUSH_WAIT_MS = 15_000;

/** What a server needs to reach the receiver: its CA, and leave to send to 127.0.0.1. */
export function pushEnv(receiver: PushReceiver, allowPrivate = true): Record<string, string> {
  return {
    NODE_EXTRA_CA_CERTS: receiver.cert.certFile,
    ...(allowPrivate ? { PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true' } : {}),
    // Every account and connection of a test comes from 127.0.0.1.
    MAX_REGISTRATIONS_PER_IP: '0',
    MAX_CONNECTIONS_PER_IP: '0',
  };
}

export interface Person {
  user: User;
  username: string;
  /** `session=…` for the API and the WebSocket upgrade. */
  cookie: string;
  /** The session token alone, as `Authorization: Bearer`. */
  token: string;
}

export interface PushTests {
  /** A temporary directory, removed after the test. */
  dir(prefix: string): string;
  receiver(dir?: string): Promise<PushReceiver>;
  /** A server on dataDir that trusts `receiver` (and, by default, may push to 127.0.0.1). */
  server(dataDir: string, receiver: PushReceiver, options?: { allowPrivate?: boolean; env?: Record<string, string> }): Promise<ChildServer>;
  /** A signed-in WebSocket connection of `person` on `node`, terminated after the test. */
  connect(node: ChildServer, person: Person): Promise<TestClient>;
  /**
   * Records how long a push took to arrive after its message was sent; quiet() waits several
   * times the slowest one seen, so "no push came" means as much as "a push came" did.
   */
  delivered(push: ReceivedPush, sentAt: number): void;
  quiet(): Promise<void>;
  /** A receiver, a server pushing to it, and two accounts on it: what most cases start from. */
  aliceAndBob(): Promise<{ r: PushReceiver; node: ChildServer; alice: Person; bob: Person }>;
}

/** Registers the per-test cleanup; call once at the top of a test file. */
export function usePushTests(): PushTests {
  const dirs: string[] = [];
  const receivers: PushReceiver[] = [];
  const clients: TestClient[] = [];
  let slowestMs = 0;
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    killChildren();
    for (const r of receivers.splice(0)) await r.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    slowestMs = 0;
  });
  const dir = (prefix: string) => {
    const d = tempDir(prefix);
    dirs.push(d);
    return d;
  };
  return {
    dir,
    async receiver(certDir = dir('push-cert-')) {
      const r = await startPushReceiver(certDir);
      receivers.push(r);
      return r;
    },
    async server(dataDir, receiver, options = {}) {
      const node = await startChild(dataDir, { env: { ...pushEnv(receiver, options.allowPrivate ?? true), ...options.env } });
      receiver.setServerKey(await serverKey(node));
      return node;
    },
    async connect(node, person) {
      const client = await TestClient.connect(node.wsUrl(), { headers: { cookie: person.cookie } });
      clients.push(client);
      return client;
    },
    delivered(push, sentAt) {
      slowestMs = Math.max(slowestMs, push.at - sentAt);
    },
    quiet: async () => {
      await sleep(Math.min(8000, Math.max(1000, 4 * slowestMs)));
    },
    async aliceAndBob() {
      const r = await this.receiver();
      const node = await this.server(dir('push-data-'), r);
      const [alice, bob] = await people(node, 'alice', 'bob');
      return { r, node, alice: alice as Person, bob: bob as Person };
    },
  };
}

/** GET api/push/key's publicKey (expects 200). */
export async function serverKey(node: ChildServer): Promise<string> {
  const res = await api(node.baseUrl, 'GET', '/api/push/key');
  expect(res.status, `GET api/push/key: ${res.text}`).toBe(200);
  return (res.body as { publicKey: string }).publicKey;
}

/** Registers accounts over HTTP, in order. */
export async function people(node: ChildServer | string, ...usernames: string[]): Promise<Person[]> {
  const base = typeof node === 'string' ? node : node.baseUrl;
  const out: Person[] = [];
  for (const username of usernames) {
    const account = await register(base, username);
    out.push({ user: account.user, username, cookie: account.cookie, token: account.cookie.slice('session='.length) });
  }
  return out;
}

/** POST api/push/subscriptions as `person`; expects 201. */
export async function subscribe(node: ChildServer, person: Person, sub: BrowserSubscription): Promise<void> {
  const res = await api(node.baseUrl, 'POST', '/api/push/subscriptions', { cookie: person.cookie, body: sub });
  expect(res.status, `subscribe ${person.username} at ${sub.endpoint}: ${res.text}`).toBe(201);
}

/** Opens (or reopens) the DM with `username`; its room name. */
export async function openDm(client: TestClient, username: string): Promise<string> {
  const reply = await client.request<ServerFrame>({ type: 'dm', user: username }, 10_000);
  expect(reply.type, `dm ${username}: ${JSON.stringify(reply).slice(0, 300)}`).toBe('joined');
  return (reply as JoinedFrame).room;
}

export async function joinRoom(client: TestClient, room: string): Promise<void> {
  const reply = await client.request<ServerFrame>({ type: 'join', room }, 10_000);
  expect(reply.type, `join ${room}: ${JSON.stringify(reply).slice(0, 300)}`).toBe('joined');
}

let sent = 0;

/** Sends a message and waits for its ack; its seq and when it was sent. */
export async function say(client: TestClient, room: string, text: string): Promise<{ seq: number; at: number }> {
  const at = Date.now();
  const reply = await client.request<ServerFrame>({ type: 'send', room, id: `push-${++sent}`, text }, 10_000);
  expect(reply.type, `send in ${room}: ${JSON.stringify(reply).slice(0, 300)}`).toBe('ack');
  return { seq: (reply as AckFrame).seq, at };
}

/**
 * Closes `leaver`'s connection and waits until `watcher` (in `room` with it) hears that it left:
 * by then the server has taken the connection down, so "no open connection" holds.
 */
export async function disconnect(leaver: TestClient, watcher: TestClient, room: string): Promise<void> {
  const id = leaver.welcome.user.id;
  const left = watcher.next<PresenceFrame>((f) => f.type === 'presence' && f.room === room && f.left?.id === id, 10_000);
  await leaver.close();
  await left;
}

/** PUT api/me/rooms/R {"notify": level} as `person`; expects 200. */
export async function setNotify(node: ChildServer, person: Person, room: string, notify: 'all' | 'mentions' | 'none'): Promise<void> {
  const res = await api(node.baseUrl, 'PUT', `/api/me/rooms/${encodeURIComponent(room)}`, { cookie: person.cookie, body: { notify } });
  expect(res.status, `notify ${notify} in ${room}: ${res.text}`).toBe(200);
}

/** One counter from GET /metrics (0 when absent). */
export async function metric(node: ChildServer, name: string): Promise<number> {
  const res = await fetch(`${node.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  return parseProm(await res.text()).get(name) ?? 0;
}

/** Polls until the counter reaches at least `atLeast`; its value. */
export async function metricReaches(node: ChildServer, name: string, atLeast: number, timeoutMs = PUSH_WAIT_MS): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await metric(node, name);
    if (value >= atLeast) return value;
    if (Date.now() > deadline) throw new Error(`${name} is ${value} after ${timeoutMs} ms, expected at least ${atLeast}`);
    await sleep(50);
  }
}

/** The pushes' (room, seq) pairs, for comparing what arrived with what was sent. */
export const seqsOf = (pushes: ReceivedPush[]): Array<[string, number]> => pushes.map((p) => [p.payload.room, p.payload.seq]);
