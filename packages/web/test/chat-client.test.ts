// ChatClient (packages/web/src/lib/chat-client.ts) driven by a fake socket and in-memory storage.
// Server frames are shaped exactly like the frames captured in docs/protocol.md ("Sample session"
// and "Resume after a dropped connection"); several tests replay those captured lines verbatim.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage, ServerFrame, User } from '@chat/protocol';
import { Backoff } from '../src/lib/backoff.js';
import { ChatClient, initialState, type ChatState, type RoomState } from '../src/lib/chat-client.js';
import { FakeSocket, MemoryStorage, type Sent } from './fakes.js';

// ---- recorded frames (docs/protocol.md) ----------------------------------------------------------

const ALICE: User = { id: 'RVr2DtMA6dZRXEFk', nick: 'alice' };
const BOB: User = { id: 'R3Sz3jCiozrgZSNj', nick: 'bob' };
const TOKEN = 'gyM6RQoOng_gX4aGEqzz0E_xhPk6t-BUEUZD_EL6G6M';
const T0 = 1795682391262;

function welcome(user: User = ALICE, token: string | undefined = TOKEN, online = 1): ServerFrame {
  return { type: 'welcome', protocol: 1, user, online, serverTime: T0, ...(token ? { token } : {}) };
}

function message(seq: number, from: User = BOB, text = `message ${seq}`, clientId = `${from.nick[0]}-${seq}`, room = 'lobby'): ChatMessage {
  return { type: 'message', room, seq, id: String(seq), clientId, from, text, ts: T0 + seq * 100 };
}

function range(from: number, to: number, sender: User = BOB, room = 'lobby'): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (let seq = from; seq <= to; seq++) out.push(message(seq, sender, `message ${seq}`, `${sender.nick[0]}-${seq}`, room));
  return out;
}

interface JoinedOptions {
  seq?: number;
  history?: ChatMessage[];
  hasMore?: boolean;
  members?: User[];
  online?: number;
  ref?: string;
}

function joined(room: string, options: JoinedOptions = {}): ServerFrame {
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
function withRef<F extends object>(request: Sent, frame: F): F & { ref?: string } {
  return request.ref !== undefined ? { ...frame, ref: request.ref } : frame;
}

// ---- harness -------------------------------------------------------------------------------------

interface HarnessOptions {
  storage?: MemoryStorage;
  serverUp?: boolean;
  keepaliveMs?: number;
  /** Backoff randomness: 1 gives the top of the range, so delays are 1000, 2000, 4000, 8000, 8000… */
  jitter?: () => number;
}

function harness(options: HarnessOptions = {}) {
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
  });
  const h = {
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
    seqs(name = 'lobby'): Array<number | null> {
      return h.room(name).messages.map((m) => m.seq);
    },
    /** Opens the newest socket, sends welcome, and answers every join with `joined` (no history unless given). */
    connect(options: { user?: User; token?: string; joined?: Record<string, JoinedOptions> } = {}): FakeSocket {
      const socket = h.socket;
      socket.open();
      socket.receive(welcome(options.user ?? ALICE, options.token ?? TOKEN));
      for (const join of socket.ofType('join')) {
        socket.receive(withRef(join, joined(String(join.room), options.joined?.[String(join.room)] ?? {})));
      }
      return socket;
    },
  };
  return h;
}

/** A first visit as alice, online in the lobby with the given history. */
function onlineAsAlice(lobby: JoinedOptions = {}, options: HarnessOptions = {}) {
  const h = harness(options);
  h.client.start('alice');
  h.connect({ joined: { lobby } });
  return h;
}

/** Alice writes `text` while offline and reloads the page: a new client on the same storage. */
function pendingAcrossReload(text: string) {
  const h = onlineAsAlice();
  h.socket.drop();
  h.client.send('lobby', text);
  const clientId = h.room().outbox[0]!.clientId;
  h.client.stop();
  return { clientId, reload: harness({ storage: h.storage }) };
}

/** Lets promise callbacks and the fake socket's close event run. */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

// ---- identity ------------------------------------------------------------------------------------

describe('identity', () => {
  it('a first visit needs a name and connects only once one is given, with ?nick=', () => {
    const h = harness();
    expect(h.state.needsName).toBe(true);
    expect(h.state.status).toBe('offline');
    h.client.start();
    expect(h.sockets).toHaveLength(0);

    h.client.start('alice');
    expect(h.state.needsName).toBe(false);
    expect(h.sockets).toHaveLength(1);
    expect(h.socket.query).toEqual({ nick: 'alice' });
    expect(h.state.status).toBe('connecting');
  });

  it('welcome makes the client online as that user and keeps the token; a reload offers it as a subprotocol, never in the URL', () => {
    const h = harness();
    h.client.start('alice');
    h.socket.open();
    h.socket.receive(welcome(ALICE, TOKEN, 3));
    expect(h.state.status).toBe('online');
    expect(h.state.me).toEqual(ALICE);
    expect(h.state.online).toBe(3);
    expect(h.storage.dump()).toContain(TOKEN);

    // Reload: a new page (new state, new client) on the same localStorage.
    const reload = harness({ storage: h.storage });
    expect(reload.state.needsName).toBe(false);
    reload.client.start();
    expect(reload.sockets).toHaveLength(1);
    expect(reload.socket.query).toEqual({});
    expect(reload.socket.protocols).toEqual(['chat', `token.${TOKEN}`]);
    reload.socket.open();
    reload.socket.receive(welcome(ALICE, TOKEN));
    expect(reload.state.me).toEqual(ALICE);
  });

  // Issue 13: a subprotocol must be an HTTP token; a stored value that is not one of ours would make
  // the browser's WebSocket constructor throw. It is dropped, as a refused token would be.
  it('a stored token that is not one of ours is not offered; the client connects as a new guest', () => {
    const storage = new MemoryStorage();
    storage.setItem('chat.token', 'not a token, with spaces');
    storage.setItem('chat.nick', 'alice');
    const h = harness({ storage });
    h.client.start();
    expect(h.socket.protocols).toEqual(['chat']);
    expect(h.socket.query).toEqual({ nick: 'alice' });
    expect(storage.getItem('chat.token')).toBeNull();
  });

  it('a nick frame (the reply to a nick change, or from another tab) updates me', () => {
    const h = onlineAsAlice();
    h.socket.receive({ type: 'nick', nick: 'alicia', ref: 'n1' });
    expect(h.state.me).toEqual({ id: ALICE.id, nick: 'alicia' });
  });
});

// ---- joining -------------------------------------------------------------------------------------

describe('joining rooms', () => {
  it('on welcome joins every room in roomOrder, lobby first, without since the first time', () => {
    const storage = new MemoryStorage();
    const first = harness({ storage });
    first.client.start('alice');
    first.connect();
    first.client.openRoom('general');
    first.client.openRoom('random');
    first.client.stop();

    const h = harness({ storage });
    expect(h.state.roomOrder).toEqual(['lobby', 'general', 'random']);
    h.client.start();
    h.socket.open();
    expect(h.socket.sent).toEqual([]); // nothing before welcome
    h.socket.receive(welcome());
    const joins = h.socket.ofType('join');
    expect(joins.map((j) => j.room)).toEqual(['lobby', 'general', 'random']);
    for (const join of joins) expect(join).not.toHaveProperty('since');
  });

  it('joined fills messages, lastSeq, members, online and hasOlder', () => {
    const h = harness();
    h.client.start('alice');
    h.socket.open();
    h.socket.receive(welcome());
    const join = h.socket.last('join');
    expect(join).toMatchObject({ type: 'join', room: 'lobby' });
    expect(join).not.toHaveProperty('since');
    expect(h.room().joined).toBe(false);

    h.socket.receive(withRef(join, joined('lobby', { seq: 60, history: range(11, 60), hasMore: true, members: [BOB, ALICE], online: 2 })));
    const room = h.room();
    expect(room.joined).toBe(true);
    expect(h.seqs()).toEqual(range(11, 60).map((m) => m.seq));
    expect(room.messages[0]).toMatchObject({ seq: 11, clientId: 'b-11', from: BOB, text: 'message 11', status: 'sent' });
    expect(room.lastSeq).toBe(60);
    expect(room.members).toEqual([BOB, ALICE]);
    expect(room.online).toBe(2);
    expect(room.hasOlder).toBe(true);
    expect(room.unread).toBe(0); // history is not news

    const empty = onlineAsAlice({ seq: 0, history: [], hasMore: false });
    expect(empty.room().hasOlder).toBe(false);
    expect(empty.room().lastSeq).toBe(0);
    expect(empty.room().messages).toEqual([]);
  });

  it('joined.seq beyond the history (live messages still to come) is the resume point', () => {
    // joined.seq is the room's last seq; the client holds everything up to it (history is the newest window).
    const h = onlineAsAlice({ seq: 7, history: range(5, 7), hasMore: true });
    expect(h.room().lastSeq).toBe(7);
    h.socket.receive(message(8));
    expect(h.room().lastSeq).toBe(8);
  });
});

// ---- the recorded sample session --------------------------------------------------------------------

describe('the sample session from docs/protocol.md, replayed', () => {
  it("alice's side: welcome, joined, presence, typing, messages, history paging, rename, leave", () => {
    const h = harness();
    h.client.start('alice');
    const s = h.socket;
    s.open();
    // Captured lines (alice ←), verbatim except for refs, which the server copies from our requests.
    s.receive(JSON.parse('{"type":"welcome","protocol":1,"user":{"id":"RVr2DtMA6dZRXEFk","nick":"alice"},"online":1,"serverTime":1795682391262,"token":"gyM6RQoOng_gX4aGEqzz0E_xhPk6t-BUEUZD_EL6G6M"}'));
    const join = s.last('join');
    s.receive(withRef(join, JSON.parse('{"type":"joined","room":"lobby","seq":0,"online":1,"members":[{"id":"RVr2DtMA6dZRXEFk","nick":"alice"}],"history":[],"hasMore":false}')));
    s.receive(JSON.parse('{"type":"presence","room":"lobby","online":1,"joined":{"id":"RVr2DtMA6dZRXEFk","nick":"alice"}}'));
    expect(h.room().members).toEqual([ALICE]);
    s.receive(JSON.parse('{"type":"presence","room":"lobby","online":2,"joined":{"id":"R3Sz3jCiozrgZSNj","nick":"bob"}}'));
    expect(h.room().members).toEqual([ALICE, BOB]);
    expect(h.room().online).toBe(2);

    h.client.send('lobby', '  hello bob  ');
    const send = s.last('send');
    expect(send).toMatchObject({ type: 'send', room: 'lobby', text: 'hello bob' });
    const id = String(send.id);
    s.receive(JSON.parse(`{"type":"message","room":"lobby","seq":1,"id":"1","clientId":"${id}","from":{"id":"RVr2DtMA6dZRXEFk","nick":"alice"},"text":"hello bob","ts":1795682391431}`));
    s.receive(withRef(send, JSON.parse(`{"type":"ack","room":"lobby","id":"${id}","seq":1,"msgId":"1","ts":1795682391431}`)));
    s.receive(JSON.parse('{"type":"typing","room":"lobby","user":{"id":"R3Sz3jCiozrgZSNj","nick":"bob"}}'));
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
    s.receive(JSON.parse('{"type":"message","room":"lobby","seq":2,"id":"2","clientId":"b-1","from":{"id":"R3Sz3jCiozrgZSNj","nick":"bob"},"text":"hi alice 👋","ts":1795682391639}'));
    expect(h.client.typingUsers('lobby')).toEqual([]);
    s.receive(message(3, ALICE, 'how are you?', 'a-2'));
    s.receive(message(4, BOB, 'fine, thanks', 'b-2'));

    s.receive(JSON.parse('{"type":"presence","room":"lobby","online":2,"renamed":{"id":"R3Sz3jCiozrgZSNj","nick":"bobby"}}'));
    expect(h.room().members).toEqual([ALICE, { id: BOB.id, nick: 'bobby' }]);
    s.receive(JSON.parse('{"type":"presence","room":"lobby","online":1,"left":{"id":"R3Sz3jCiozrgZSNj","nick":"bobby"}}'));

    const room = h.room();
    expect(room.messages.map((m) => [m.seq, m.from.nick, m.text, m.status])).toEqual([
      [1, 'alice', 'hello bob', 'sent'],
      [2, 'bob', 'hi alice 👋', 'sent'],
      [3, 'alice', 'how are you?', 'sent'],
      [4, 'bob', 'fine, thanks', 'sent'],
    ]);
    expect(room.outbox).toEqual([]);
    expect(room.lastSeq).toBe(4);
    expect(room.members).toEqual([ALICE]);
    expect(room.online).toBe(1);
    expect(room.unread).toBe(0); // the active room, page visible
    expect(h.state.me).toEqual(ALICE);
  });
});

// ---- messages and unread ---------------------------------------------------------------------------

describe('message events', () => {
  it('append in seq order; a repeated seq is ignored', () => {
    const h = onlineAsAlice({ seq: 2, history: range(1, 2) });
    h.socket.receive(message(3));
    h.socket.receive(message(4));
    h.socket.receive(message(4));
    h.socket.receive(message(3));
    h.socket.receive(message(2));
    expect(h.seqs()).toEqual([1, 2, 3, 4]);
    expect(h.room().lastSeq).toBe(4);
  });

  it('a message arriving out of order is inserted by seq, and lastSeq only covers contiguous seqs', () => {
    const h = onlineAsAlice({ seq: 2, history: range(1, 2) });
    h.socket.receive(message(4));
    expect(h.room().lastSeq).toBe(2);
    h.socket.receive(message(3));
    expect(h.seqs()).toEqual([1, 2, 3, 4]);
    expect(h.room().lastSeq).toBe(4);
  });

  it('ignores frames for rooms it does not hold, unknown types and bad JSON', () => {
    const h = onlineAsAlice();
    h.socket.receive(message(1, BOB, 'elsewhere', 'b-1', 'general'));
    h.socket.receive({ type: 'something_new', room: 'lobby' });
    h.socket.onmessage?.({ data: 'not json' });
    expect(h.state.rooms.get('general')).toBeUndefined();
    expect(h.room().messages).toEqual([]);
    expect(h.state.status).toBe('online');
  });
});

describe('unread counts', () => {
  function twoRooms() {
    const h = onlineAsAlice();
    h.client.openRoom('general');
    h.socket.receive(withRef(h.socket.last('join'), joined('general', { members: [ALICE, BOB] })));
    h.client.activate('lobby');
    return h;
  }

  it('grow for messages in rooms that are not active, and activate() clears them', () => {
    const h = twoRooms();
    h.socket.receive(message(1, BOB, 'psst', 'b-1', 'general'));
    h.socket.receive(message(2, BOB, 'psst', 'b-2', 'general'));
    h.socket.receive(message(2, BOB, 'psst', 'b-2', 'general')); // a duplicate is not news
    h.socket.receive(message(1, BOB, 'hi', 'b-1', 'lobby'));
    expect(h.room('general').unread).toBe(2);
    expect(h.room('lobby').unread).toBe(0);

    h.client.activate('general');
    expect(h.state.activeRoom).toBe('general');
    expect(h.room('general').unread).toBe(0);
  });

  it('grow in the active room too while the page is hidden; setHidden(false) clears the active room', () => {
    const h = twoRooms();
    h.client.setHidden(true);
    expect(h.state.hidden).toBe(true);
    h.socket.receive(message(1, BOB, 'hi', 'b-1', 'lobby'));
    h.socket.receive(message(1, BOB, 'hi', 'b-1', 'general'));
    expect(h.room('lobby').unread).toBe(1);
    expect(h.room('general').unread).toBe(1);

    h.client.setHidden(false);
    expect(h.room('lobby').unread).toBe(0);
    expect(h.room('general').unread).toBe(1); // still unread: not the active room
  });

  it('never count my own messages', () => {
    const h = twoRooms();
    h.client.setHidden(true);
    h.socket.receive(message(1, ALICE, 'from my other tab', 'a-1', 'general'));
    h.socket.receive(message(1, ALICE, 'from my other tab', 'a-1', 'lobby'));
    expect(h.room('general').unread).toBe(0);
    expect(h.room('lobby').unread).toBe(0);
  });
});

// ---- sending -------------------------------------------------------------------------------------

describe('send while online', () => {
  it('sends a send frame with a fresh id and a ref, and keeps the message pending until it is stored', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'one');
    h.client.send('lobby', 'two');
    const [a, b] = h.socket.ofType('send');
    expect(a).toMatchObject({ type: 'send', room: 'lobby', text: 'one' });
    expect(b).toMatchObject({ type: 'send', room: 'lobby', text: 'two' });
    for (const frame of [a!, b!]) {
      expect(typeof frame.id).toBe('string');
      expect(String(frame.id).length).toBeGreaterThanOrEqual(1);
      expect(String(frame.id).length).toBeLessThanOrEqual(64);
      expect(typeof frame.ref).toBe('string');
      expect(String(frame.ref).length).toBeLessThanOrEqual(64);
    }
    expect(a!.id).not.toBe(b!.id);
    expect(h.room().outbox.map((m) => [m.clientId, m.text, m.status, m.from.id])).toEqual([
      [a!.id, 'one', 'pending', ALICE.id],
      [b!.id, 'two', 'pending', ALICE.id],
    ]);
    expect(h.room().messages).toEqual([]);
  });

  it('ignores empty text and unknown rooms', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', '   \n ');
    h.client.send('nowhere', 'hello');
    expect(h.socket.ofType('send')).toEqual([]);
    expect(h.room().outbox).toEqual([]);
  });

  it('ack before the message event: sent with the acked seq, and the event does not duplicate it', () => {
    const h = onlineAsAlice({ seq: 1, history: range(1, 1) });
    h.client.send('lobby', 'hello bob');
    const send = h.socket.last('send');
    const id = String(send.id);
    h.socket.receive(withRef(send, { type: 'ack', room: 'lobby', id, seq: 2, msgId: '2', ts: T0 + 500 }));
    expect(h.room().outbox).toEqual([]);
    expect(h.room().messages[1]).toMatchObject({ seq: 2, clientId: id, text: 'hello bob', status: 'sent', ts: T0 + 500, from: ALICE });
    expect(h.room().lastSeq).toBe(2);

    h.socket.receive({ ...message(2, ALICE, 'hello bob', id), ts: T0 + 500 });
    expect(h.seqs()).toEqual([1, 2]);
    expect(h.room().outbox).toEqual([]);
    expect(h.room().unread).toBe(0);
  });

  it('message event before the ack: stored once, the ack changes nothing', () => {
    const h = onlineAsAlice({ seq: 1, history: range(1, 1) });
    h.client.send('lobby', 'hello bob');
    const send = h.socket.last('send');
    const id = String(send.id);
    h.socket.receive(message(2, ALICE, 'hello bob', id));
    expect(h.room().outbox).toEqual([]);
    expect(h.seqs()).toEqual([1, 2]);
    expect(h.room().messages[1]).toMatchObject({ clientId: id, from: ALICE, status: 'sent' });

    h.socket.receive(withRef(send, { type: 'ack', room: 'lobby', id, seq: 2, msgId: '2', ts: T0 + 200 }));
    expect(h.seqs()).toEqual([1, 2]);
    expect(h.room().outbox).toEqual([]);
  });

  it('a message keeps its render key from pending to stored (no re-created bubble)', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'one');
    h.client.send('lobby', 'two');
    const [one, two] = h.socket.ofType('send');
    const keyOne = h.room().outbox[0]!.key;
    const keyTwo = h.room().outbox[1]!.key;
    expect(keyOne).not.toBe(keyTwo);
    h.socket.receive(withRef(one!, { type: 'ack', room: 'lobby', id: String(one!.id), seq: 1, msgId: '1', ts: T0 }));
    h.socket.receive(message(2, ALICE, 'two', String(two!.id)));
    expect(h.room().messages.map((m) => m.key)).toEqual([keyOne, keyTwo]);
  });

  it('a message event from someone else with the same clientId does not settle my pending message', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'mine');
    const id = String(h.socket.last('send').id);
    h.socket.receive(message(1, BOB, 'not yours', id));
    expect(h.room().outbox.map((m) => m.clientId)).toEqual([id]);
    expect(h.room().outbox[0]!.status).toBe('pending');
  });

  it('the settled message is no longer persisted as pending', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'persist me');
    const send = h.socket.last('send');
    expect(h.storage.dump()).toContain('persist me');
    h.socket.receive(withRef(send, { type: 'ack', room: 'lobby', id: String(send.id), seq: 1, msgId: '1', ts: T0 }));
    expect(h.storage.dump()).not.toContain('persist me');
    const reload = harness({ storage: h.storage });
    expect(reload.room().outbox).toEqual([]);
  });
});

describe('send while offline', () => {
  it('stays pending and persisted, and goes out with the same id after the next joined', async () => {
    const h = onlineAsAlice({ seq: 4, history: range(1, 4) });
    const first = h.socket;
    first.drop(1006);
    expect(h.state.status).toBe('offline');

    h.client.send('lobby', 'typed offline');
    expect(first.ofType('send')).toEqual([]);
    const pending = h.room().outbox[0]!;
    expect(pending).toMatchObject({ text: 'typed offline', status: 'pending', seq: null });
    expect(h.storage.dump()).toContain('typed offline');
    expect(h.storage.dump()).toContain(pending.clientId);

    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    const second = h.socket;
    expect(second.query).toEqual({});
    expect(second.protocols).toEqual(['chat', `token.${TOKEN}`]);
    second.open();
    second.receive(welcome());
    expect(second.ofType('send')).toEqual([]); // not before the room is joined again
    const join = second.last('join');
    second.receive(withRef(join, joined('lobby', { seq: 4 })));
    const sends = second.ofType('send');
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({ room: 'lobby', text: 'typed offline', id: pending.clientId });
    expect(second.sent.indexOf(join)).toBeLessThan(second.sent.indexOf(sends[0]!));

    second.receive(message(5, ALICE, 'typed offline', pending.clientId));
    second.receive(withRef(sends[0]!, { type: 'ack', room: 'lobby', id: pending.clientId, seq: 5, msgId: '5', ts: T0 + 500 }));
    expect(h.seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(h.room().outbox).toEqual([]);
  });

  it('survives a reload: restored as pending, sent with the same id after the next joined', () => {
    const { clientId, reload } = pendingAcrossReload('before the reload');
    expect(reload.room().outbox.map((m) => [m.clientId, m.text, m.status])).toEqual([[clientId, 'before the reload', 'pending']]);
    reload.client.start();
    reload.socket.open();
    reload.socket.receive(welcome());
    expect(reload.socket.ofType('send')).toEqual([]);
    reload.socket.receive(withRef(reload.socket.last('join'), joined('lobby')));
    expect(reload.socket.ofType('send')).toEqual([expect.objectContaining({ type: 'send', room: 'lobby', text: 'before the reload', id: clientId })]);

    reload.socket.receive(message(1, ALICE, 'before the reload', clientId));
    expect(reload.room().outbox).toEqual([]);
    expect(reload.room().messages).toEqual([expect.objectContaining({ seq: 1, clientId, from: ALICE, status: 'sent' })]);
    expect(reload.storage.dump()).not.toContain('before the reload');
  });

  // A restored entry does not know who wrote it until welcome; the ack may come before the message
  // event (their order is not guaranteed), and what the ack stores must still be mine.
  it('a restored message acked before its message event is stored as mine', () => {
    const { clientId, reload } = pendingAcrossReload('before the reload');
    reload.client.start();
    reload.connect();
    const send = reload.socket.last('send');
    reload.socket.receive(withRef(send, { type: 'ack', room: 'lobby', id: clientId, seq: 1, msgId: '1', ts: T0 }));
    reload.socket.receive(message(1, ALICE, 'before the reload', clientId));
    expect(reload.room().messages).toHaveLength(1);
    expect(reload.room().messages[0]!.from).toEqual(ALICE);
  });

  // Regression: send() drops the text silently while `me` is unknown, i.e. after a reload until the
  // first welcome (the composer is already shown then). Typed while offline should mean queued.
  it('a message typed after a reload, before the server answers, is queued', () => {
    const storage = new MemoryStorage();
    const first = onlineAsAlice({}, { storage });
    first.client.stop();

    const h = harness({ storage, serverUp: false });
    h.client.start();
    h.socket.drop(); // the server is down
    h.client.send('lobby', 'typed while the server is down');
    expect(h.room().outbox.map((m) => [m.text, m.status])).toEqual([['typed while the server is down', 'pending']]);
  });
});

// ---- send errors ---------------------------------------------------------------------------------

describe('errors for a send', () => {
  it('invalid_text: failed with the code; retry() resends with the same id; discard() removes it', () => {
    const h = onlineAsAlice();
    const long = 'x'.repeat(4001);
    h.client.send('lobby', long);
    const send = h.socket.last('send');
    h.socket.receive(withRef(send, { type: 'error', code: 'invalid_text', message: 'text must be 1-4000 characters' }));
    const entry = h.room().outbox[0]!;
    expect(entry.status).toBe('failed');
    expect(entry.error).toBe('invalid_text');
    expect(h.state.status).toBe('online');

    // A failed message is not resent on its own, even after a reconnect.
    h.socket.receive(withRef(h.socket.last('join'), joined('lobby')));
    expect(h.socket.ofType('send')).toHaveLength(1);

    h.client.retry('lobby', entry.clientId);
    expect(h.room().outbox[0]!.status).toBe('pending');
    expect(h.room().outbox[0]!.error).toBeUndefined();
    const resend = h.socket.ofType('send');
    expect(resend).toHaveLength(2);
    expect(resend[1]).toMatchObject({ id: send.id, text: long, room: 'lobby' });

    h.socket.receive(withRef(resend[1]!, { type: 'error', code: 'invalid_text', message: 'text must be 1-4000 characters' }));
    expect(h.room().outbox[0]!.status).toBe('failed');
    h.client.discard('lobby', entry.clientId);
    expect(h.room().outbox).toEqual([]);
    expect(h.storage.dump()).not.toContain(long);
    expect(harness({ storage: h.storage }).room().outbox).toEqual([]);
  });

  it('rate_limited: resent automatically with the same id after retryAfterMs', async () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'slow down');
    const send = h.socket.last('send');
    h.socket.receive(withRef(send, { type: 'error', code: 'rate_limited', message: 'too many messages', retryAfterMs: 1500 }));
    expect(h.room().outbox[0]!.status).toBe('pending');

    await vi.advanceTimersByTimeAsync(1499);
    expect(h.socket.ofType('send')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const sends = h.socket.ofType('send');
    expect(sends).toHaveLength(2);
    expect(sends[1]).toMatchObject({ id: send.id, text: 'slow down', room: 'lobby' });

    h.socket.receive(withRef(sends[1]!, { type: 'ack', room: 'lobby', id: String(send.id), seq: 1, msgId: '1', ts: T0 }));
    expect(h.room().outbox).toEqual([]);
    expect(h.seqs()).toEqual([1]);
  });

  it('internal: resent with the same id after a short wait', async () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'try again');
    const send = h.socket.last('send');
    h.socket.receive(withRef(send, { type: 'error', code: 'internal', message: 'the server failed' }));
    expect(h.room().outbox[0]!.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(5000);
    const sends = h.socket.ofType('send');
    expect(sends).toHaveLength(2);
    expect(sends[1]!.id).toBe(send.id);
  });

  it('rate_limited for a message discarded meanwhile: not resent', async () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'never mind');
    const send = h.socket.last('send');
    h.socket.receive(withRef(send, { type: 'error', code: 'rate_limited', message: 'too many messages', retryAfterMs: 1000 }));
    h.client.discard('lobby', String(send.id));
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.socket.ofType('send')).toHaveLength(1);
  });

  it('an error that answers no send becomes the notice', () => {
    const h = onlineAsAlice();
    h.socket.receive({ type: 'error', code: 'bad_request', message: 'unknown type' });
    expect(h.state.notice).toBe('bad_request');
    expect(h.state.status).toBe('online');
  });
});

// ---- reconnect and resume ----------------------------------------------------------------------------

describe('reconnect', () => {
  it('a drop makes the client offline and reconnects after the backoff delay, which grows and resets on welcome', async () => {
    const h = onlineAsAlice({}, { serverUp: false });
    h.socket.drop(1006);
    expect(h.state.status).toBe('offline');
    expect(h.room().joined).toBe(false);

    // Delays with jitter at the top of its range: 1000, 2000, 4000 ms.
    for (const delay of [1000, 2000, 4000]) {
      const count = h.sockets.length;
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(h.sockets).toHaveLength(count);
      await vi.advanceTimersByTimeAsync(1);
      expect(h.sockets).toHaveLength(count + 1);
      expect(h.state.status).toBe('connecting');
      h.socket.drop(1006); // still down (the token was not refused: the health check says down)
      await settle();
      expect(h.state.status).toBe('offline');
    }

    await vi.advanceTimersByTimeAsync(8000);
    h.connect();
    expect(h.state.status).toBe('online');
    h.socket.drop();
    const count = h.sockets.length;
    await vi.advanceTimersByTimeAsync(999);
    expect(h.sockets).toHaveLength(count);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.sockets).toHaveLength(count + 1); // back to the base delay
  });

  it('a server closing with 1001 (shutdown) is reconnected too', async () => {
    const h = onlineAsAlice();
    h.socket.drop(1001);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
  });

  it('wake() reconnects at once when offline; stop() closes and stays offline', async () => {
    const h = onlineAsAlice();
    h.socket.drop();
    h.client.wake();
    expect(h.sockets).toHaveLength(2);
    expect(h.state.status).toBe('connecting');
    h.connect();
    h.client.wake(); // online: nothing to do
    expect(h.sockets).toHaveLength(2);

    const socket = h.socket;
    h.client.stop();
    expect(socket.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(2);
    expect(h.state.status).toBe('offline');
    h.client.wake();
    expect(h.sockets).toHaveLength(2);
  });

  it('a late frame from an old socket is ignored', async () => {
    const h = onlineAsAlice({ seq: 1, history: range(1, 1) });
    const old = h.socket;
    old.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.connect({ joined: { lobby: { seq: 1 } } });
    old.receive(message(2));
    expect(h.seqs()).toEqual([1]);
  });
});

describe('resume', () => {
  it('rejoins with since = the last seq and merges the missed messages without duplicates (recorded)', async () => {
    const h = harness();
    h.client.start('alice');
    h.connect({ joined: { lobby: { seq: 4, history: [message(1, ALICE, 'hello bob', 'a-1'), message(2), message(3, ALICE, 'how are you?', 'a-2'), message(4)] } } });
    expect(h.room().lastSeq).toBe(4);
    h.client.openRoom('general');
    h.socket.receive(withRef(h.socket.last('join'), joined('general', { seq: 2, history: range(1, 2, BOB, 'general') })));
    h.client.activate('lobby');

    h.socket.drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    const s = h.socket;
    expect(s.query).toEqual({});
    expect(s.protocols).toEqual(['chat', `token.${TOKEN}`]);
    s.open();
    s.receive(JSON.parse('{"type":"welcome","protocol":1,"user":{"id":"RVr2DtMA6dZRXEFk","nick":"alice"},"online":2,"serverTime":1795682392653,"token":"gyM6RQoOng_gX4aGEqzz0E_xhPk6t-BUEUZD_EL6G6M"}'));
    const joins = s.ofType('join');
    expect(joins.map((j) => [j.room, j.since])).toEqual([
      ['lobby', 4],
      ['general', 2],
    ]);
    // Captured reply, plus an overlapping seq 4 that must not be doubled.
    const reply = JSON.parse('{"type":"joined","room":"lobby","seq":5,"online":2,"members":[{"id":"R3Sz3jCiozrgZSNj","nick":"bobby"},{"id":"RVr2DtMA6dZRXEFk","nick":"alice"}],"history":[{"type":"message","room":"lobby","seq":5,"id":"5","clientId":"b-4","from":{"id":"R3Sz3jCiozrgZSNj","nick":"bobby"},"text":"alice?","ts":1795682392548}],"hasMore":false}');
    reply.history.unshift(message(4));
    s.receive(withRef(joins[0]!, reply));
    s.receive(JSON.parse('{"type":"presence","room":"lobby","online":2,"joined":{"id":"RVr2DtMA6dZRXEFk","nick":"alice"}}'));
    s.receive(message(6));
    s.receive(message(6));
    s.receive(withRef(joins[1]!, joined('general', { seq: 3, history: range(3, 3, BOB, 'general') })));

    expect(h.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.room().messages[4]).toMatchObject({ seq: 5, text: 'alice?', from: { id: BOB.id, nick: 'bobby' } });
    expect(h.room().lastSeq).toBe(6);
    expect(h.room().members).toEqual([{ id: BOB.id, nick: 'bobby' }, ALICE]);
    expect(h.room().hasOlder).toBe(false);
    expect(h.seqs('general')).toEqual([1, 2, 3]);
    expect(h.room('general').lastSeq).toBe(3);
    expect(h.state.status).toBe('online');
  });

  it('a capped resume pages forward with history after until hasMore is false', async () => {
    const h = onlineAsAlice({ seq: 4, history: range(1, 4) });
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    const s = h.socket;
    s.open();
    s.receive(welcome());
    const join = s.last('join');
    expect(join.since).toBe(4);
    // The server's cap cut the missed window at seq 7; the room is at 12.
    s.receive(withRef(join, joined('lobby', { seq: 12, history: range(5, 7), hasMore: true })));
    const page1 = s.last('history');
    expect(page1).toMatchObject({ room: 'lobby', after: 7 });
    expect(page1).not.toHaveProperty('before');
    // A live message after joined.seq arrives meanwhile.
    s.receive(message(13));
    s.receive(withRef(page1, { type: 'history', room: 'lobby', messages: range(8, 10), hasMore: true }));
    const page2 = s.last('history');
    expect(page2).toMatchObject({ room: 'lobby', after: 10 });
    s.receive(withRef(page2, { type: 'history', room: 'lobby', messages: range(11, 12), hasMore: false }));
    expect(s.ofType('history')).toHaveLength(2);

    expect(h.seqs()).toEqual(range(1, 13).map((m) => m.seq));
    expect(h.room().lastSeq).toBe(13);
    expect(h.room().hasOlder).toBe(false); // paging forward says nothing about older messages
  });

  it('sends nothing more for a resume that was not capped', async () => {
    const h = onlineAsAlice({ seq: 4, history: range(1, 4) });
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.connect({ joined: { lobby: { seq: 6, history: range(5, 6), hasMore: false } } });
    expect(h.socket.ofType('history')).toEqual([]);
    expect(h.seqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a resume that keeps older history loaded keeps hasOlder', async () => {
    const h = onlineAsAlice({ seq: 60, history: range(11, 60), hasMore: true });
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.connect({ joined: { lobby: { seq: 61, history: range(61, 61) } } });
    expect(h.room().hasOlder).toBe(true);
    expect(h.seqs()[0]).toBe(11);
  });

  // Regression: a room that was empty when first joined (lastSeq 0, no messages) is re-joined
  // WITHOUT since after a drop, so it gets only the newest window instead of everything it missed.
  it('a room that was empty when joined is resumed with since = 0', async () => {
    const h = onlineAsAlice({ seq: 0, history: [] });
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.socket.open();
    h.socket.receive(welcome());
    expect(h.socket.last('join')).toMatchObject({ room: 'lobby', since: 0 });
  });

  // Regression: my pending message that the server stored before the connection dropped (the ack
  // was lost) comes back in joined.history; it should settle the outbox entry, not stay pending beside it.
  it('my pending message found in the resume history is settled, not shown twice', async () => {
    const h = onlineAsAlice({ seq: 1, history: range(1, 1) });
    h.client.send('lobby', 'did it arrive?');
    const id = String(h.socket.last('send').id);
    h.socket.drop(); // stored as seq 2, but the ack never came
    await vi.advanceTimersByTimeAsync(1000);
    h.socket.open();
    h.socket.receive(welcome());
    h.socket.receive(withRef(h.socket.last('join'), joined('lobby', { seq: 2, history: [message(2, ALICE, 'did it arrive?', id)] })));
    expect(h.seqs()).toEqual([1, 2]);
    expect(h.room().outbox).toEqual([]);
  });
});

// ---- refused before welcome ------------------------------------------------------------------------

describe('a socket refused before welcome', () => {
  function withSavedToken(serverUp: boolean) {
    const storage = new MemoryStorage();
    const first = onlineAsAlice({}, { storage });
    first.client.stop();
    const h = harness({ storage, serverUp });
    h.client.start();
    expect(h.socket.query).toEqual({});
    expect(h.socket.protocols).toEqual(['chat', `token.${TOKEN}`]);
    return h;
  }

  it('with a saved token, server up: the token was refused, so it is forgotten and identity_lost shown', async () => {
    const h = withSavedToken(true);
    h.socket.drop(1006);
    expect(h.state.status).toBe('offline');
    await settle();
    expect(h.serverIsUp).toHaveBeenCalledTimes(1);
    expect(h.storage.dump()).not.toContain(TOKEN);
    expect(h.state.notice).toBe('identity_lost');

    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.offeredToken).toBeNull();
    expect(h.socket.query).toEqual({ nick: 'alice' });
  });

  it('with a saved token, server down: the token is kept and the client retries with it', async () => {
    const h = withSavedToken(false);
    h.socket.drop(1006);
    await settle();
    expect(h.serverIsUp).toHaveBeenCalledTimes(1);
    expect(h.storage.dump()).toContain(TOKEN);
    expect(h.state.notice).toBeNull();

    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.query).toEqual({});
    expect(h.socket.protocols).toEqual(['chat', `token.${TOKEN}`]);
  });

  it('without a token (a new guest) the health check is not needed; it just retries', async () => {
    const h = harness();
    h.client.start('alice');
    h.socket.drop(1006);
    await settle();
    expect(h.serverIsUp).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2);
    expect(h.socket.query).toEqual({ nick: 'alice' });
  });

  it('a drop after welcome with a token is not a refusal: the token stays, no health check', async () => {
    const h = withSavedToken(true);
    h.connect();
    h.socket.drop(1006);
    await settle();
    expect(h.serverIsUp).not.toHaveBeenCalled();
    expect(h.storage.dump()).toContain(TOKEN);
    expect(h.state.notice).toBeNull();
  });
});

// ---- keepalive ---------------------------------------------------------------------------------------

describe('keepalive', () => {
  it('pings after keepaliveMs without a frame, and closes the socket if nothing answers within 10 s', async () => {
    const h = onlineAsAlice({}, { keepaliveMs: 20_000 });
    const s = h.socket;
    await vi.advanceTimersByTimeAsync(19_999);
    expect(s.ofType('ping')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.ofType('ping')).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(9_999);
    expect(s.closedWith).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.closedWith).not.toBeNull();
    await settle();
    expect(h.state.status).toBe('offline');
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sockets).toHaveLength(2); // and reconnects
  });

  it('a pong (or any frame) keeps the connection and restarts the quiet timer', async () => {
    const h = onlineAsAlice({}, { keepaliveMs: 20_000 });
    const s = h.socket;
    await vi.advanceTimersByTimeAsync(15_000);
    s.receive(message(1)); // traffic counts as proof of life
    await vi.advanceTimersByTimeAsync(15_000);
    expect(s.ofType('ping')).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s.ofType('ping')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5_000);
    s.receive({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(15_000);
    expect(s.closedWith).toBeNull();
    expect(h.state.status).toBe('online');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s.ofType('ping')).toHaveLength(2);
  });
});

// ---- older history -----------------------------------------------------------------------------------

describe('loadOlder', () => {
  it('asks for history before the oldest seq held; the reply prepends and sets hasOlder', () => {
    const h = onlineAsAlice({ seq: 100, history: range(51, 100), hasMore: true });
    h.client.loadOlder('lobby');
    expect(h.room().loadingOlder).toBe(true);
    const request = h.socket.last('history');
    expect(request).toMatchObject({ type: 'history', room: 'lobby', before: 51 });
    expect(request).not.toHaveProperty('after');

    h.client.loadOlder('lobby'); // already loading
    expect(h.socket.ofType('history')).toHaveLength(1);

    h.socket.receive(withRef(request, { type: 'history', room: 'lobby', messages: range(21, 50), hasMore: true }));
    expect(h.seqs()).toEqual(range(21, 100).map((m) => m.seq));
    expect(h.room().loadingOlder).toBe(false);
    expect(h.room().hasOlder).toBe(true);
    expect(h.room().lastSeq).toBe(100);
    expect(h.room().unread).toBe(0);

    h.client.loadOlder('lobby');
    const next = h.socket.last('history');
    expect(next.before).toBe(21);
    h.socket.receive(withRef(next, { type: 'history', room: 'lobby', messages: range(1, 20), hasMore: false }));
    expect(h.seqs()).toEqual(range(1, 100).map((m) => m.seq));
    expect(h.room().hasOlder).toBe(false);

    h.client.loadOlder('lobby'); // nothing older exists
    expect(h.socket.ofType('history')).toHaveLength(2);
  });

  it('does nothing while offline or without older messages', () => {
    const none = onlineAsAlice({ seq: 3, history: range(1, 3), hasMore: false });
    none.client.loadOlder('lobby');
    expect(none.socket.ofType('history')).toEqual([]);

    const h = onlineAsAlice({ seq: 100, history: range(51, 100), hasMore: true });
    h.socket.drop();
    h.client.loadOlder('lobby');
    expect(h.room().loadingOlder).toBe(false);
  });

  it('an error answering it ends the loading state', () => {
    const h = onlineAsAlice({ seq: 100, history: range(51, 100), hasMore: true });
    h.client.loadOlder('lobby');
    h.socket.receive(withRef(h.socket.last('history'), { type: 'error', code: 'internal', message: 'the server failed' }));
    expect(h.room().loadingOlder).toBe(false);
    h.client.loadOlder('lobby');
    expect(h.socket.ofType('history')).toHaveLength(2);
  });

  // Regression: a connection that drops while a page of older history is requested leaves
  // loadingOlder true forever, so scrolling up never loads anything again.
  it('works again after the connection dropped during a request', async () => {
    const h = onlineAsAlice({ seq: 100, history: range(51, 100), hasMore: true });
    h.client.loadOlder('lobby');
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.connect({ joined: { lobby: { seq: 100 } } });
    h.client.loadOlder('lobby');
    expect(h.socket.ofType('history')).toEqual([expect.objectContaining({ room: 'lobby', before: 51 })]);
  });
});

// ---- presence ----------------------------------------------------------------------------------------

describe('presence', () => {
  it('joined / left / renamed update members and online', () => {
    const h = onlineAsAlice({ members: [ALICE], online: 1 });
    h.socket.receive({ type: 'presence', room: 'lobby', online: 2, joined: BOB });
    expect(h.room().members).toEqual([ALICE, BOB]);
    expect(h.room().online).toBe(2);
    h.socket.receive({ type: 'presence', room: 'lobby', online: 2, joined: BOB }); // not twice
    expect(h.room().members).toEqual([ALICE, BOB]);

    h.socket.receive({ type: 'presence', room: 'lobby', online: 2, renamed: { id: BOB.id, nick: 'bobby' } });
    expect(h.room().members).toEqual([ALICE, { id: BOB.id, nick: 'bobby' }]);
    expect(h.state.me).toEqual(ALICE);

    h.socket.receive({ type: 'presence', room: 'lobby', online: 1, left: { id: BOB.id, nick: 'bobby' } });
    expect(h.room().members).toEqual([ALICE]);
    expect(h.room().online).toBe(1);
  });

  it('renamed for me updates state.me', () => {
    const h = onlineAsAlice({ members: [ALICE, BOB], online: 2 });
    h.socket.receive({ type: 'presence', room: 'lobby', online: 2, renamed: { id: ALICE.id, nick: 'alicia' } });
    expect(h.state.me).toEqual({ id: ALICE.id, nick: 'alicia' });
    expect(h.room().members).toEqual([{ id: ALICE.id, nick: 'alicia' }, BOB]);
  });

  it('a coalesced presence (online only) updates the count and leaves members alone', () => {
    const h = onlineAsAlice({ members: [ALICE, BOB], online: 2 });
    h.socket.receive({ type: 'presence', room: 'lobby', online: 250 });
    expect(h.room().online).toBe(250);
    expect(h.room().members).toEqual([ALICE, BOB]);
  });
});

// ---- typing ------------------------------------------------------------------------------------------

describe('typing', () => {
  it('shows a typing user for 5 s', () => {
    const h = onlineAsAlice();
    h.socket.receive({ type: 'typing', room: 'lobby', user: BOB });
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
    h.clock.now += 4_999;
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
    h.clock.now += 1;
    expect(h.client.typingUsers('lobby')).toEqual([]);
  });

  it('a new typing event extends it, once per user', () => {
    const h = onlineAsAlice();
    h.socket.receive({ type: 'typing', room: 'lobby', user: BOB });
    h.clock.now += 3_000;
    h.socket.receive({ type: 'typing', room: 'lobby', user: BOB });
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
    h.clock.now += 4_000;
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
  });

  it("is cleared by that user's message, not by someone else's", () => {
    const h = onlineAsAlice();
    const carol: User = { id: 'carol-id', nick: 'carol' };
    h.socket.receive({ type: 'typing', room: 'lobby', user: BOB });
    h.socket.receive({ type: 'typing', room: 'lobby', user: carol });
    h.socket.receive(message(1, carol, 'hi', 'c-1'));
    expect(h.client.typingUsers('lobby')).toEqual([BOB]);
    h.socket.receive(message(2, BOB, 'hi', 'b-2'));
    expect(h.client.typingUsers('lobby')).toEqual([]);
  });

  it('typing() sends at most every 3 s, per room, and only when joined', () => {
    const h = onlineAsAlice();
    h.client.typing('lobby');
    expect(h.socket.ofType('typing')).toEqual([expect.objectContaining({ type: 'typing', room: 'lobby' })]);
    h.clock.now += 2_999;
    h.client.typing('lobby');
    expect(h.socket.ofType('typing')).toHaveLength(1);
    h.clock.now += 1;
    h.client.typing('lobby');
    expect(h.socket.ofType('typing')).toHaveLength(2);

    h.client.typing('nowhere');
    h.socket.drop();
    h.clock.now += 10_000;
    h.client.typing('lobby'); // offline: nothing, and no throw
    expect(h.socket.ofType('typing')).toHaveLength(2);
  });

  it('typing indicators are dropped when the connection drops', () => {
    const h = onlineAsAlice();
    h.socket.receive({ type: 'typing', room: 'lobby', user: BOB });
    h.socket.drop();
    expect(h.client.typingUsers('lobby')).toEqual([]);
  });
});

// ---- rooms ---------------------------------------------------------------------------------------

describe('rooms', () => {
  it('openRoom adds, persists, joins when online and activates the room', () => {
    const h = onlineAsAlice();
    h.client.openRoom('general');
    expect(h.state.roomOrder).toEqual(['lobby', 'general']);
    expect(h.state.activeRoom).toBe('general');
    const join = h.socket.last('join');
    expect(join).toMatchObject({ type: 'join', room: 'general' });
    expect(join).not.toHaveProperty('since');
    h.socket.receive(withRef(join, joined('general', { seq: 2, history: range(1, 2, BOB, 'general'), members: [BOB, ALICE] })));
    expect(h.room('general').joined).toBe(true);
    expect(h.seqs('general')).toEqual([1, 2]);

    // Opening it again only activates it.
    h.client.activate('lobby');
    h.client.openRoom('general');
    expect(h.socket.ofType('join')).toHaveLength(2);
    expect(h.state.roomOrder).toEqual(['lobby', 'general']);
    expect(h.state.activeRoom).toBe('general');

    const reload = harness({ storage: h.storage });
    expect(reload.state.roomOrder).toEqual(['lobby', 'general']);
    expect(reload.state.activeRoom).toBe('general');
  });

  // Issue 13: rooms were a plain object, so `constructor` (a valid room name) was found on
  // Object.prototype: never added, never joined, its messages lost. Names that are not room names
  // on the wire (`__proto__`, `hasOwnProperty`) may still come from storage or a bad link.
  it('rooms named after Object.prototype members are ordinary rooms', () => {
    const names = ['constructor', 'tostring', '__proto__', 'hasOwnProperty', 'valueOf'];
    const h = onlineAsAlice();
    for (const name of names) {
      h.client.openRoom(name);
      const join = h.socket.last('join');
      expect(join).toMatchObject({ type: 'join', room: name });
      h.socket.receive(withRef(join, joined(name, { seq: 1, history: range(1, 1, BOB, name), members: [BOB, ALICE] })));
      expect(h.room(name).joined).toBe(true);
      expect(h.seqs(name)).toEqual([1]);
      h.socket.receive(message(2, BOB, 'later', 'b-later', name));
      expect(h.seqs(name)).toEqual([1, 2]);
    }
    expect(h.state.roomOrder).toEqual(['lobby', ...names]);
    expect(h.state.activeRoom).toBe('valueOf');
    expect(Object.getPrototypeOf({})).toBe(Object.prototype); // nothing was polluted
    // A reload restores them from storage as rooms too, with no peer made up from the prototype.
    const reload = harness({ storage: h.storage });
    expect(reload.state.roomOrder).toEqual(['lobby', ...names]);
    for (const name of names) expect(reload.room(name).peer).toBeNull();
    reload.client.closeRoom('constructor');
    expect(reload.state.roomOrder).toEqual(['lobby', ...names.slice(1)]);
  });

  it('openRoom while offline joins the room after the next welcome', async () => {
    const h = onlineAsAlice();
    h.socket.drop();
    h.client.openRoom('general');
    expect(h.state.activeRoom).toBe('general');
    await vi.advanceTimersByTimeAsync(1000);
    h.socket.open();
    h.socket.receive(welcome());
    const joins = h.socket.ofType('join');
    expect(joins.map((j) => j.room)).toEqual(['lobby', 'general']);
    expect(joins[1]).not.toHaveProperty('since');
  });

  it('closeRoom sends leave and forgets the room; the lobby cannot be closed', () => {
    const h = onlineAsAlice();
    h.client.openRoom('general');
    h.socket.receive(withRef(h.socket.last('join'), joined('general')));
    h.client.closeRoom('general');
    expect(h.socket.last('leave')).toMatchObject({ type: 'leave', room: 'general' });
    expect(h.state.rooms.get('general')).toBeUndefined();
    expect(h.state.roomOrder).toEqual(['lobby']);
    expect(h.state.activeRoom).toBe('lobby');
    const reload = harness({ storage: h.storage });
    expect(reload.state.roomOrder).toEqual(['lobby']);
    expect(reload.state.activeRoom).toBe('lobby');

    h.client.closeRoom('lobby');
    expect(h.socket.ofType('leave')).toHaveLength(1);
    expect(h.state.rooms.get('lobby')).toBeDefined();
    expect(h.state.roomOrder).toEqual(['lobby']);
  });

  it('closing a room drops its unsent messages from storage too', () => {
    const h = onlineAsAlice();
    h.client.openRoom('general');
    h.client.send('general', 'never sent'); // not joined yet: stays in the outbox
    expect(h.storage.dump()).toContain('never sent');
    h.client.closeRoom('general');
    expect(h.storage.dump()).not.toContain('never sent');
  });
});

// ---- recovery details ------------------------------------------------------------------------------

describe('recovery', () => {
  it('retries a join that failed with internal', async () => {
    const h = harness();
    h.client.start('alice');
    h.socket.open();
    h.socket.receive(welcome());
    const join = h.socket.last('join');
    h.socket.receive(withRef(join, { type: 'error', code: 'internal', message: 'store down' }));
    expect(h.room().joined).toBe(false);
    expect(h.socket.ofType('join')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.socket.ofType('join')).toHaveLength(2);
    h.socket.receive(withRef(h.socket.last('join'), joined('lobby')));
    expect(h.room().joined).toBe(true);
  });

  it("counts others' messages missed while offline as unread in rooms not being read", async () => {
    const h = onlineAsAlice({ seq: 0, history: [] });
    h.client.openRoom('side');
    h.socket.receive(withRef(h.socket.last('join'), joined('side')));
    expect(h.state.activeRoom).toBe('side');
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    h.socket.open();
    h.socket.receive(welcome());
    const lobbyJoin = h.socket.ofType('join').find((j) => j.room === 'lobby')!;
    h.socket.receive(withRef(lobbyJoin, joined('lobby', { seq: 3, history: [message(1), message(2, ALICE), message(3)] })));
    expect(h.room('lobby').unread).toBe(2);
  });

  it('pings a socket that opened but never said welcome, and closes it when no pong comes', async () => {
    const h = harness({ keepaliveMs: 5000 });
    h.client.start('alice');
    h.socket.open();
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.socket.ofType('ping')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.state.status).not.toBe('online');
    expect(h.sockets.length).toBeGreaterThanOrEqual(1);
  });
});

