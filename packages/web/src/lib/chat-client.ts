// The client side of protocol v1, without any UI: one connection, reconnect with backoff, resume
// with `since`, an outbox of messages that survive going offline (and a reload), unread counts.
// The UI passes in a reactive state object (Vue's `reactive()`) and renders it; tests pass a plain
// object and a fake socket. See docs/protocol.md for the frames.
import type { ChatMessage, ErrorFrame, JoinedFrame, ServerFrame, User } from '@chat/protocol';
import { Backoff } from './backoff.js';

export type ConnectionState = 'offline' | 'connecting' | 'online';

export interface DisplayMessage {
  /** Stable key for rendering: the client id, which pending and stored copies share. */
  key: string;
  seq: number | null;
  clientId: string;
  from: User;
  text: string;
  ts: number;
  status: 'sent' | 'pending' | 'failed';
  /** Why a failed message failed (an error code). */
  error?: string;
}

export interface TypingUser {
  user: User;
  until: number;
}

export interface RoomState {
  name: string;
  /** Joined on the current connection. */
  joined: boolean;
  /** Highest seq up to which this client has every message (the `since` for a resume). */
  lastSeq: number;
  /** Stored messages, ascending by seq. */
  messages: DisplayMessage[];
  /** Messages not yet acknowledged, in the order they were written. */
  outbox: DisplayMessage[];
  /** Older messages exist on the server. */
  hasOlder: boolean;
  loadingOlder: boolean;
  unread: number;
  online: number;
  members: User[];
  typing: TypingUser[];
}

export interface ChatState {
  status: ConnectionState;
  me: User | null;
  /** A name is needed before connecting (first visit, or the saved identity was refused). */
  needsName: boolean;
  /** Distinct users connected to the server. */
  online: number;
  rooms: Record<string, RoomState>;
  /** Joined rooms in sidebar order. */
  roomOrder: string[];
  activeRoom: string;
  /** The last problem to show the user, as an error code or a short key. */
  notice: string | null;
  /** The page is not visible (unread counts grow even in the active room). */
  hidden: boolean;
}

/** The part of the browser's WebSocket that the client uses. */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** The part of localStorage that the client uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ChatClientOptions {
  state: ChatState;
  /** Opens a socket to the server with these query parameters. */
  openSocket: (query: Record<string, string>) => SocketLike;
  /** Resolves true when the server answers its health check (to tell "down" from "token refused"). */
  serverIsUp: () => Promise<boolean>;
  storage: StorageLike;
  now?: () => number;
  random?: () => number;
  backoff?: Backoff;
  /** Browser-side keepalive: ping after this long without a frame. */
  keepaliveMs?: number;
}

export const LOBBY = 'lobby';
const TYPING_SHOWN_MS = 5000;
const TYPING_SEND_EVERY_MS = 3000;
const HISTORY_PAGE = 50;
/** Messages kept in memory per room; older ones are dropped (and can be loaded again). */
const MAX_MESSAGES_PER_ROOM = 5000;
const PONG_TIMEOUT_MS = 10_000;
const INTERNAL_RETRY_MS = 1000;

const KEYS = { token: 'chat.token', rooms: 'chat.rooms', active: 'chat.activeRoom', outbox: 'chat.outbox', nick: 'chat.nick' };

export function initialState(): ChatState {
  return {
    status: 'offline',
    me: null,
    needsName: true,
    online: 0,
    rooms: {},
    roomOrder: [],
    activeRoom: LOBBY,
    notice: null,
    hidden: false,
  };
}

export function newRoom(name: string): RoomState {
  return { name, joined: false, lastSeq: 0, messages: [], outbox: [], hasOlder: false, loadingOlder: false, unread: 0, online: 0, members: [], typing: [] };
}

interface SavedOutboxEntry {
  room: string;
  clientId: string;
  text: string;
  ts: number;
}

export class ChatClient {
  readonly state: ChatState;
  private socket: SocketLike | null = null;
  private readonly backoff: Backoff;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private keepaliveTimer: ReturnType<typeof setTimeout> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private lastTypingSent = new Map<string, number>();
  /** Rooms whose first join (no `since`) is still to come on this connection. */
  private readonly freshRooms = new Set<string>();
  private stopped = true;
  private welcomed = false;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: ChatClientOptions) {
    this.state = options.state;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? new Backoff({ random: this.random });
    this.restore();
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Connects with the saved identity, or with `nick` for a new guest. */
  start(nick?: string): void {
    if (nick !== undefined) {
      this.options.storage.setItem(KEYS.nick, nick);
      this.state.needsName = false;
    }
    if (this.state.needsName) return;
    this.stopped = false;
    this.connect();
  }

  /** Connect now if offline (the tab became visible, or the browser came back online). */
  wake(): void {
    if (this.stopped || this.state.status !== 'offline') return;
    this.backoff.reset();
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.socket?.close(1000, 'bye');
    this.socket = null;
    this.state.status = 'offline';
  }

  private connect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const token = this.options.storage.getItem(KEYS.token);
    const nick = this.options.storage.getItem(KEYS.nick);
    const query: Record<string, string> = token ? { token } : nick ? { nick } : {};
    this.state.status = 'connecting';
    this.welcomed = false;
    const socket = this.options.openSocket(query);
    this.socket = socket;
    socket.onopen = () => {
      // A socket that opens but never says welcome is caught by the keepalive too.
      if (this.socket === socket) this.armKeepalive();
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.onFrame(String(ev.data));
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.onClose(Boolean(token));
    };
    socket.onerror = () => {};
  }

  private onClose(usedToken: boolean): void {
    const wasWelcomed = this.welcomed;
    this.socket = null;
    this.clearTimers();
    this.state.status = 'offline';
    for (const room of Object.values(this.state.rooms)) {
      room.joined = false;
      room.typing = [];
      room.loadingOlder = false; // its reply died with the socket
    }
    if (this.stopped) return;
    if (!wasWelcomed && usedToken) {
      // Refused before welcome: the server is down, or it no longer knows our token (HTTP 401
      // is invisible to browser code). The health check tells which.
      void this.options.serverIsUp().then((up) => {
        if (up && !this.stopped) {
          this.options.storage.removeItem(KEYS.token);
          this.state.notice = 'identity_lost';
        }
        this.scheduleReconnect();
      });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.connect();
    }, this.backoff.next());
  }

  private clearTimers(): void {
    for (const timer of [this.keepaliveTimer, this.pongTimer]) if (timer) clearTimeout(timer);
    this.keepaliveTimer = this.pongTimer = null;
  }

  /** Any frame proves the connection alive; after a quiet spell, ask for a pong. */
  private armKeepalive(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = null;
    if (this.keepaliveTimer) clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = setTimeout(() => {
      this.transmit({ type: 'ping' });
      this.pongTimer = setTimeout(() => this.socket?.close(4000, 'no pong'), PONG_TIMEOUT_MS);
    }, this.options.keepaliveMs ?? 25_000);
  }

  // ---- user actions ---------------------------------------------------------------------------

  /** Joins (or creates) a room and makes it the active one. */
  openRoom(name: string): void {
    if (!this.state.rooms[name]) {
      this.state.rooms[name] = newRoom(name);
      this.state.roomOrder.push(name);
      this.freshRooms.add(name);
      this.saveRooms();
      if (this.state.status === 'online') this.join(name);
    }
    this.activate(name);
  }

  activate(name: string): void {
    if (!this.state.rooms[name]) return;
    this.state.activeRoom = name;
    this.options.storage.setItem(KEYS.active, name);
    this.markRead(name);
  }

  markRead(name: string): void {
    const room = this.state.rooms[name];
    if (room) room.unread = 0;
  }

  /** Leaves a room and forgets it (the lobby stays). */
  closeRoom(name: string): void {
    if (name === LOBBY || !this.state.rooms[name]) return;
    this.transmit({ type: 'leave', room: name });
    delete this.state.rooms[name];
    this.state.roomOrder = this.state.roomOrder.filter((r) => r !== name);
    this.saveRooms();
    this.saveOutbox();
    if (this.state.activeRoom === name) this.activate(LOBBY);
  }

  setHidden(hidden: boolean): void {
    this.state.hidden = hidden;
    if (!hidden) this.markRead(this.state.activeRoom);
  }

  /** Queues a message; it is sent now if online, else on reconnect, with the same id. */
  send(roomName: string, text: string): void {
    const room = this.state.rooms[roomName];
    const trimmed = text.trim();
    if (!room || !trimmed) return;
    // Before the first welcome (a reload while the server is down) the sender is filled in later.
    const from = this.state.me ? { ...this.state.me } : { id: '', nick: this.options.storage.getItem(KEYS.nick) ?? '' };
    const clientId = this.newClientId();
    const entry: DisplayMessage = {
      key: messageKey(clientId, from.id),
      seq: null,
      clientId,
      from,
      text: trimmed,
      ts: this.now(),
      status: 'pending',
    };
    room.outbox.push(entry);
    this.saveOutbox();
    if (room.joined) this.transmitSend(roomName, entry);
  }

  /** Sends a failed message again, with its original id. */
  retry(roomName: string, clientId: string): void {
    const room = this.state.rooms[roomName];
    const entry = room?.outbox.find((m) => m.clientId === clientId);
    if (!room || !entry) return;
    entry.status = 'pending';
    delete entry.error;
    if (room.joined) this.transmitSend(roomName, entry);
  }

  /** Drops a failed message from the outbox. */
  discard(roomName: string, clientId: string): void {
    const room = this.state.rooms[roomName];
    if (!room) return;
    room.outbox = room.outbox.filter((m) => m.clientId !== clientId);
    this.saveOutbox();
  }

  /** Tells the room we are typing, at most every 3 s. */
  typing(roomName: string): void {
    const room = this.state.rooms[roomName];
    if (!room?.joined) return;
    const last = this.lastTypingSent.get(roomName) ?? 0;
    if (this.now() - last < TYPING_SEND_EVERY_MS) return;
    this.lastTypingSent.set(roomName, this.now());
    this.transmit({ type: 'typing', room: roomName });
  }

  /** Asks for the page of messages before the oldest one held. */
  loadOlder(roomName: string): void {
    const room = this.state.rooms[roomName];
    if (!room?.joined || !room.hasOlder || room.loadingOlder) return;
    const oldest = room.messages[0]?.seq;
    room.loadingOlder = true;
    this.transmit({ type: 'history', room: roomName, limit: HISTORY_PAGE, ref: `older:${roomName}`, ...(oldest ? { before: oldest } : {}) });
  }

  /** Users typing in a room now (expired entries are dropped). */
  typingUsers(roomName: string): User[] {
    const room = this.state.rooms[roomName];
    if (!room) return [];
    const now = this.now();
    if (room.typing.some((t) => t.until <= now)) room.typing = room.typing.filter((t) => t.until > now);
    return room.typing.map((t) => t.user);
  }

  // ---- frames from the server -----------------------------------------------------------------

  private onFrame(data: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    this.armKeepalive();
    switch (frame.type) {
      case 'welcome': {
        this.welcomed = true;
        this.backoff.reset();
        this.state.me = frame.user;
        this.state.online = frame.online;
        this.state.status = 'online';
        this.state.notice = null;
        if (frame.token) this.options.storage.setItem(KEYS.token, frame.token);
        this.options.storage.setItem(KEYS.nick, frame.user.nick);
        // Messages restored from the last visit were written by this user.
        for (const room of Object.values(this.state.rooms)) {
          for (const m of room.outbox) if (m.from.id === '') Object.assign(m, { from: { ...frame.user }, key: messageKey(m.clientId, frame.user.id) });
        }
        for (const name of this.state.roomOrder) this.join(name);
        return;
      }
      case 'joined':
        return this.onJoined(frame);
      case 'message':
        return this.onMessage(frame);
      case 'ack': {
        const room = this.state.rooms[frame.room];
        const entry = room?.outbox.find((m) => m.clientId === frame.id);
        if (!room || !entry) return;
        this.removeFromOutbox(room, frame.id);
        this.insertMessages(room, [{ ...entry, seq: frame.seq, ts: frame.ts, status: 'sent' }]);
        return;
      }
      case 'history':
        return this.onHistory(frame.room, frame.messages, frame.hasMore, frame.ref);
      case 'presence': {
        const room = this.state.rooms[frame.room];
        if (!room) return;
        room.online = frame.online;
        if (frame.joined && !room.members.some((m) => m.id === frame.joined!.id)) room.members.push(frame.joined);
        if (frame.left) room.members = room.members.filter((m) => m.id !== frame.left!.id);
        if (frame.renamed) {
          const renamed = frame.renamed;
          room.members = room.members.map((m) => (m.id === renamed.id ? renamed : m));
          if (this.state.me?.id === renamed.id) this.state.me = renamed;
        }
        return;
      }
      case 'typing': {
        const room = this.state.rooms[frame.room];
        if (!room) return;
        room.typing = [...room.typing.filter((t) => t.user.id !== frame.user.id), { user: frame.user, until: this.now() + TYPING_SHOWN_MS }];
        return;
      }
      case 'nick':
        if (this.state.me) this.state.me = { ...this.state.me, nick: frame.nick };
        return;
      case 'error':
        return this.onError(frame);
      case 'left':
      case 'pong':
        return;
    }
  }

  private onJoined(frame: JoinedFrame): void {
    const room = this.state.rooms[frame.room];
    if (!room) return;
    const fresh = this.freshRooms.delete(frame.room);
    room.joined = true;
    room.online = frame.online;
    room.members = frame.members;
    if (fresh) {
      room.messages = [];
      room.hasOlder = frame.hasMore;
      room.lastSeq = frame.seq;
      this.insertMessages(room, frame.history);
    } else {
      const before = room.messages.length;
      this.insertMessages(room, frame.history);
      // Messages missed while offline count as unread like live ones.
      if (this.state.activeRoom !== room.name || this.state.hidden) {
        const me = this.state.me?.id;
        const missed = frame.history.filter((m) => m.from.id !== me).length;
        room.unread += Math.min(missed, room.messages.length - before);
      }
      // A capped resume: page forward until we hold everything up to the room's last seq.
      if (frame.hasMore) this.transmit({ type: 'history', room: room.name, after: room.lastSeq, limit: 200, ref: `newer:${room.name}` });
    }
    for (const entry of room.outbox) if (entry.status === 'pending') this.transmitSend(room.name, entry);
  }

  private onMessage(message: ChatMessage): void {
    const room = this.state.rooms[message.room];
    if (!room) return;
    const mine = message.from.id === this.state.me?.id;
    if (mine) this.removeFromOutbox(room, message.clientId);
    const added = this.insertMessages(room, [message]);
    room.typing = room.typing.filter((t) => t.user.id !== message.from.id);
    if (added && !mine && (this.state.activeRoom !== room.name || this.state.hidden)) room.unread++;
  }

  private onHistory(roomName: string, messages: ChatMessage[], hasMore: boolean, ref: string | undefined): void {
    const room = this.state.rooms[roomName];
    if (!room) return;
    if (ref?.startsWith('older:')) {
      room.loadingOlder = false;
      room.hasOlder = hasMore;
      this.insertMessages(room, messages);
    } else if (ref?.startsWith('newer:')) {
      this.insertMessages(room, messages);
      if (hasMore) this.transmit({ type: 'history', room: roomName, after: room.lastSeq, limit: 200, ref: `newer:${roomName}` });
    }
  }

  private onError(frame: ErrorFrame): void {
    const ref = frame.ref ?? '';
    if (ref.startsWith('send:')) {
      const [roomName, clientId] = splitRef(ref.slice(5));
      const room = this.state.rooms[roomName];
      const entry = room?.outbox.find((m) => m.clientId === clientId);
      if (!room || !entry) return;
      if (frame.code === 'rate_limited' || frame.code === 'internal') {
        const wait = frame.retryAfterMs ?? INTERNAL_RETRY_MS;
        setTimeout(() => {
          if (room.joined && entry.status === 'pending' && room.outbox.includes(entry)) this.transmitSend(roomName, entry);
        }, wait);
        return;
      }
      entry.status = 'failed';
      entry.error = frame.code;
      return;
    }
    if (ref.startsWith('older:')) {
      const room = this.state.rooms[ref.slice(6)];
      if (room) room.loadingOlder = false;
    }
    if (ref.startsWith('join:') && frame.code === 'internal') {
      const name = ref.slice(5);
      setTimeout(() => {
        if (this.state.status === 'online' && this.state.rooms[name] && !this.state.rooms[name]!.joined) this.join(name);
      }, INTERNAL_RETRY_MS);
    }
    this.state.notice = frame.code;
  }

  // ---- helpers --------------------------------------------------------------------------------

  private join(name: string): void {
    const room = this.state.rooms[name];
    if (!room) return;
    const fresh = this.freshRooms.has(name);
    this.transmit({ type: 'join', room: name, ref: `join:${name}`, ...(fresh ? {} : { since: room.lastSeq }) });
  }

  private transmitSend(roomName: string, entry: DisplayMessage): void {
    this.transmit({ type: 'send', room: roomName, text: entry.text, id: entry.clientId, ref: `send:${roomName}|${entry.clientId}` });
  }

  private transmit(frame: Record<string, unknown>): void {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(frame));
  }

  /** Adds stored messages in seq order, skipping ones already held. Returns how many were new. */
  private insertMessages(room: RoomState, incoming: Array<ChatMessage | DisplayMessage>): number {
    let added = 0;
    const list = room.messages;
    const me = this.state.me?.id;
    for (const m of incoming) {
      if (m.seq === null) continue;
      // My message stored before an ack was lost (it came back in history): no longer pending.
      if (me !== undefined && m.from.id === me && room.outbox.length > 0) this.removeFromOutbox(room, m.clientId);
      const message: DisplayMessage = { key: messageKey(m.clientId, m.from.id), seq: m.seq, clientId: m.clientId, from: m.from, text: m.text, ts: m.ts, status: 'sent' };
      const last = list[list.length - 1];
      if (!last || (last.seq as number) < m.seq) {
        list.push(message);
      } else {
        const index = lowerBound(list, m.seq);
        if (list[index]?.seq === m.seq) continue;
        list.splice(index, 0, message);
      }
      added++;
    }
    // Advance the resume point over every seq now held contiguously.
    let i = lowerBound(list, room.lastSeq + 1);
    while (list[i]?.seq === room.lastSeq + 1) {
      room.lastSeq++;
      i++;
    }
    if (list.length > MAX_MESSAGES_PER_ROOM) {
      list.splice(0, list.length - MAX_MESSAGES_PER_ROOM);
      room.hasOlder = true;
    }
    return added;
  }

  private removeFromOutbox(room: RoomState, clientId: string): void {
    const before = room.outbox.length;
    room.outbox = room.outbox.filter((m) => m.clientId !== clientId);
    if (room.outbox.length !== before) this.saveOutbox();
  }

  private newClientId(): string {
    // crypto.randomUUID needs a secure context; a LAN address over plain http is not one.
    const bytes = new Uint8Array(12);
    if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(this.random() * 256);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  private saveRooms(): void {
    this.options.storage.setItem(KEYS.rooms, JSON.stringify(this.state.roomOrder));
  }

  private saveOutbox(): void {
    const saved: SavedOutboxEntry[] = [];
    for (const room of Object.values(this.state.rooms)) {
      for (const m of room.outbox) saved.push({ room: room.name, clientId: m.clientId, text: m.text, ts: m.ts });
    }
    if (saved.length) this.options.storage.setItem(KEYS.outbox, JSON.stringify(saved));
    else this.options.storage.removeItem(KEYS.outbox);
  }

  /** Rooms, the active room and unsent messages from the last visit. */
  private restore(): void {
    const storage = this.options.storage;
    const rooms = parseJson<string[]>(storage.getItem(KEYS.rooms)) ?? [];
    const names = [LOBBY, ...rooms.filter((r) => typeof r === 'string' && r !== LOBBY)];
    for (const name of names) {
      if (!this.state.rooms[name]) {
        this.state.rooms[name] = newRoom(name);
        this.state.roomOrder.push(name);
        this.freshRooms.add(name);
      }
    }
    const active = storage.getItem(KEYS.active);
    this.state.activeRoom = active && this.state.rooms[active] ? active : LOBBY;
    this.state.needsName = !storage.getItem(KEYS.token) && !storage.getItem(KEYS.nick);
    const nick = storage.getItem(KEYS.nick) ?? '?';
    for (const saved of parseJson<SavedOutboxEntry[]>(storage.getItem(KEYS.outbox)) ?? []) {
      const room = this.state.rooms[saved.room];
      if (!room || typeof saved.clientId !== 'string' || typeof saved.text !== 'string') continue;
      room.outbox.push({ key: messageKey(saved.clientId, ''), seq: null, clientId: saved.clientId, from: { id: '', nick }, text: saved.text, ts: saved.ts, status: 'pending' });
    }
  }
}

/** The render key of a message: the same while pending and once stored. */
function messageKey(clientId: string, userId: string): string {
  return `${userId}:${clientId}`;
}

function lowerBound(list: DisplayMessage[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid]!.seq as number) < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function splitRef(value: string): [string, string] {
  const bar = value.indexOf('|');
  return [value.slice(0, bar), value.slice(bar + 1)];
}

function parseJson<T>(raw: string | null): T | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}
