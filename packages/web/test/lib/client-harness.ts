// A ChatClient (packages/web/src/lib/chat-client.ts) on a fake socket, in-memory storage and a
// fixed clock, with the test playing the server; shared by the tests in test/lib/. Server frames
// are shaped exactly like the frames captured in docs/protocol.md ("Sample session" and "Resume
// after a dropped connection"); several tests replay those captured lines verbatim.
import { afterEach, beforeEach, vi } from 'vitest';
import type { ChatMessage, ServerFrame, User } from '@chat/protocol';
import { Backoff } from '../../src/lib/backoff.js';
import { ChatClient, initialState, type AccountHooks, type ChatState, type RoomState } from '../../src/lib/chat-client.js';
import { FakeSocket, MemoryStorage, type Sent } from '../fakes.js';

// ---- recorded frames (docs/protocol.md) ----------------------------------------------------------

export const ALICE: User = { id: 'RVr2DtMA6dZRXEFk', nick: 'alice' };
export const BOB: User = { id: 'R3Sz3jCiozrgZSNj', nick: 'bob' };
export const TOKEN = 'gyM6RQoOng_gX4aGEqzz0E_xhPk6t-BUEUZD_EL6G6M';
export const T0 = 1795682391262;

export function welcome(user: User = ALICE, token: string | undefined = TOKEN, online = 1): ServerFrame {
  return { type: 'welcome', protocol: 1, user, online, serverTime: T0, ...(token ? { token } : {}) };
}

export function message(seq: number, from: User = BOB, text = `message ${seq}`, clientId = `${from.nick[0]}-${seq}`, room = 'lobby'): ChatMessage {
  return { type: 'message', room, seq, id: String(seq), clientId, from, text, ts: T0 + seq * 100 };
}

export function range(from: number, to: number, sender: User = BOB, room = 'lobby'): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (let seq = from; seq <= to; seq++) out.push(message(seq, sender, `message ${seq}`, `${sender.nick[0]}-${seq}`, room));
  return out;
}

export interface JoinedOptions {
  seq?: number;
  history?: ChatMessage[];
  hasMore?: boolean;
  members?: User[];
  online?: number;
  ref?: string;
}

export function joined(room: string, options: JoinedOptions = {}): ServerFrame {
  const history = options.history ?? [];
  const members = options.members ?? [ALICE];
  return {
    type: 'joined',
    room,
    seq: options.seq ?? history[history.length - 1]?.seq ?? 0,
    online: options.online ?? members.length,
    members,
    history,
    hasMore: options.hasMore ?? false,
    ...(options.ref !== undefined ? { ref: options.ref } : {}),
  };
}

/** The server copies a request's `ref` into its reply. */
export function withRef<F extends object>(request: Sent, frame: F): F & { ref?: string } {
  return request.ref !== undefined ? { ...frame, ref: request.ref } : frame;
}

// ---- harness -------------------------------------------------------------------------------------

export interface FixtureOptions {
  storage?: MemoryStorage;
  serverUp?: boolean;
  keepaliveMs?: number;
  /** Backoff randomness: 1 gives the top of the range, so delays are 1000, 2000, 4000, 8000, 8000… */
  jitter?: () => number;
  /** The account side of the HTTP API; without it, the guest-only client. */
  accounts?: AccountHooks;
  /** ChatClient's onLive: others' messages as they arrive live. */
  onLive?: (room: RoomState, message: ChatMessage) => void;
}

/** The client and what the test holds of its world: sockets opened, storage, the clock. */
export function clientFixture(options: FixtureOptions = {}) {
  const storage = options.storage ?? new MemoryStorage();
  const sockets: FakeSocket[] = [];
  const clock = { now: T0 };
  const serverIsUp = vi.fn(async () => options.serverUp ?? true);
  const state: ChatState = initialState();
  const client = new ChatClient({
    state,
    storage,
    openSocket: (query, protocols) => {
      const socket = new FakeSocket(query, protocols);
      sockets.push(socket);
      return socket;
    },
    serverIsUp,
    now: () => clock.now,
    random: () => 0.5,
    backoff: new Backoff({ baseMs: 1000, maxMs: 8000, random: options.jitter ?? (() => 1) }),
    keepaliveMs: options.keepaliveMs ?? 60_000,
    ...(options.accounts ? { accounts: options.accounts } : {}),
    ...(options.onLive ? { onLive: options.onLive } : {}),
  });
  return {
    client,
    state,
    storage,
    sockets,
    clock,
    serverIsUp,
    /** The newest socket the client opened. */
    get socket(): FakeSocket {
      const socket = sockets[sockets.length - 1];
      if (!socket) throw new Error('no socket opened');
      return socket;
    },
    room(name = 'lobby'): RoomState {
      const room = state.rooms.get(name);
      if (!room) throw new Error(`no room ${name}`);
      return room;
    },
  };
}

export type HarnessOptions = Omit<FixtureOptions, 'accounts'>;

/** The guest-only client, and a server that welcomes alice with the recorded frames. */
export function harness(options: HarnessOptions = {}) {
  const f = clientFixture(options);
  return Object.assign(f, {
    seqs: (name = 'lobby'): Array<number | null> => f.room(name).messages.map((m) => m.seq),
    /** Opens the newest socket, sends welcome, and answers every join with `joined` (no history unless given). */
    connect: (options: { user?: User; token?: string; joined?: Record<string, JoinedOptions> } = {}): FakeSocket => {
      const socket = f.socket;
      socket.open();
      socket.receive(welcome(options.user ?? ALICE, options.token ?? TOKEN));
      for (const join of socket.ofType('join')) {
        socket.receive(withRef(join, joined(String(join.room), options.joined?.[String(join.room)] ?? {})));
      }
      return socket;
    },
  });
}

/** A first visit as alice, online in the lobby with the given history. */
export function onlineAsAlice(lobby: JoinedOptions = {}, options: HarnessOptions = {}) {
  const h = harness(options);
  h.client.start('alice');
  h.connect({ joined: { lobby } });
  return h;
}

/** Alice writes `text` while offline and reloads the page: a new client on the same storage. */
export function pendingAcrossReload(text: string) {
  const h = onlineAsAlice();
  h.socket.drop();
  h.client.send('lobby', text);
  const clientId = h.room().outbox[0]!.clientId;
  h.client.stop();
  return { clientId, reload: harness({ storage: h.storage }) };
}

/** Lets promise callbacks and the fake socket's close event run. */
export async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

/** Fake timers for every test of the file: the tests move the clock themselves. */
export function useFakeTimers(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
