// Shared setup for the hub-rules tests (accounts, private rooms, DMs, moderation over WebSocket):
// a real server over our own SqliteStore, so accounts and tokens are made directly in the store
// (no dependency on the HTTP register/login routes).
import { rmSync } from 'node:fs';
import { expect } from 'vitest';
import type { ErrorCode, ErrorFrame, JoinedFrame, PongFrame, ServerFrame, User } from '@chat/protocol';
import { openFiles } from '../../src/backends.js';
import type { Config } from '../../src/config.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir, trackResources, TestClient, type TestServer } from '../helpers.js';

export type Resources = ReturnType<typeof trackResources>;

export interface Account {
  user: User;
  /** A session token (what the `session` cookie carries). */
  token: string;
  tokenId: string;
  /** A new connection signed in with `?token=`. */
  connect(): Promise<TestClient>;
}

export interface World {
  server: TestServer;
  store: SqliteStore;
  /**
   * An account made in the store. `operatorAdmin` (default: listed in the world's ADMIN_USERS) says
   * whether the operator made it (`chat-server admin create`), as a listed admin must be.
   */
  account(username: string, options?: { operatorAdmin?: boolean }): Promise<Account>;
  /** Several accounts, made in this order. */
  accounts<const Names extends string[]>(...usernames: Names): Promise<{ [K in keyof Names]: Account }>;
  guest(nick?: string): Promise<TestClient>;
  /** Connects with arbitrary query and headers (tracked, closed after the test). */
  connect(query?: Record<string, string>, headers?: Record<string, string>): Promise<TestClient>;
}

/** A server on a store the test can reach; the app closes the store, the data dir goes last. */
export async function world(
  res: Resources,
  overrides: Partial<Config> = {},
  storeOptions: Omit<SqliteStoreOptions, 'dir'> = {},
): Promise<World> {
  const dir = tempDir('chat-hub-rules-');
  res.track({ close: async () => rmSync(dir, { recursive: true, force: true }) });
  // The store signs file URLs with the upload directory's key, as createBackends would make it.
  const files = await openFiles({ dataDir: dir, uploadDir: overrides.uploadDir ?? null });
  const store = await new SqliteStore({ signFile: (f) => files.links.info(f), ...storeOptions, dir }).open();
  const server = await res.server({ dataDir: dir, ...overrides }, { store, files });
  const connect = (query: Record<string, string> = {}, headers: Record<string, string> = {}) => res.connect(server, query, headers);
  const account = async (username: string, options: { operatorAdmin?: boolean } = {}): Promise<Account> => {
    const operatorAdmin = options.operatorAdmin ?? (overrides.adminUsers ?? []).includes(username);
    const user = await store.createAccount(username, 'unused-hash', { operatorAdmin });
    if (!user) throw new Error(`account ${username} exists`);
    const { token, id } = await store.issueToken(user.id, 'session');
    return { user, token, tokenId: id, connect: () => connect({ token }) };
  };
  return {
    server,
    store,
    connect,
    guest: (nick?: string) => connect(nick === undefined ? {} : { nick }),
    account,
    async accounts<const Names extends string[]>(...usernames: Names) {
      const made: Account[] = [];
      for (const username of usernames) made.push(await account(username));
      return made as { [K in keyof Names]: Account };
    },
  };
}

/** Round trip: every frame the server wrote to `c` before answering this ping has arrived. */
export async function barrier(c: TestClient): Promise<void> {
  expect((await c.request<PongFrame>({ type: 'ping' })).type).toBe('pong');
}

/** Sends a request that must be refused with `code`; the connection must stay usable. */
export async function refused(c: TestClient, frame: Record<string, unknown>, code: ErrorCode): Promise<ErrorFrame> {
  const reply = await c.request(frame);
  expect(reply, `${JSON.stringify(frame)} → ${JSON.stringify(reply)}`).toMatchObject({ type: 'error', code });
  return reply as ErrorFrame;
}

/** Joins a room and expects `joined`. */
export async function join(c: TestClient, room: string): Promise<JoinedFrame> {
  const reply = await c.request(({ type: 'join', room }));
  expect(reply, `join ${room} → ${JSON.stringify(reply)}`).toMatchObject({ type: 'joined', room });
  return reply as JoinedFrame;
}

/** Expects a successful reply of `type` to `frame`. */
export async function ok<T extends ServerFrame>(c: TestClient, frame: Record<string, unknown>, type: T['type']): Promise<T> {
  const reply = await c.request(frame);
  expect(reply, `${JSON.stringify(frame)} → ${JSON.stringify(reply)}`).toMatchObject({ type });
  return reply as T;
}

let sendCounter = 0;

/** Sends a message that must be acked; resolves with the ack's seq. */
export async function say(c: TestClient, room: string, text: string): Promise<number> {
  const reply = await ok<Extract<ServerFrame, { type: 'ack' }>>(c, { type: 'send', room, text, id: `m${++sendCounter}` }, 'ack');
  return reply.seq;
}

/** Waits for the `message` event with this text in this room. */
export function heard(c: TestClient, room: string, text: string): Promise<ServerFrame> {
  return c.next((f) => f.type === 'message' && f.room === room && f.text === text);
}

/** Every frame this connection ever got that names the room. */
export function framesOf(c: TestClient, room: string): ServerFrame[] {
  return c.frames.filter((f) => 'room' in f && f.room === room);
}

/** Polls `check` (every 20 ms, up to `timeoutMs`) until it stops throwing. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
