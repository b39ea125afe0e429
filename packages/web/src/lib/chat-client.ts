// The client side of protocol v1, without any UI: one connection, reconnect with backoff, resume
// with `since`, an outbox of messages that survive going offline (and a reload), unread counts.
// Accounts (PROTOCOL.md, "Accounts, private rooms and moderation"): a signed-in browser connects
// with its session cookie and no query; private rooms, invitations, DMs and moderation are frames
// with a `ref` that maps the reply or refusal back to the request.
// The UI passes in a reactive state object (Vue's `reactive()`) and renders it; tests pass a plain
// object and a fake socket. See docs/protocol.md for the frames.
import type { ChatMessage, ErrorFrame, JoinedFrame, KickedFrame, ModerationAction, ServerFrame, User } from '@chat/protocol';
import { WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '@chat/protocol';
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

export type RoomKind = 'public' | 'private' | 'dm';
export type RoomRole = 'owner' | 'moderator' | 'member';

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
  /** From `joined.kind`; null until the first join answers (a `dm-` name is always a DM). */
  kind: RoomKind | null;
  /** My role in the room from `joined.role` (null: none, e.g. a public room I did not create). */
  role: RoomRole | null;
  /** A DM room: the other person's name (the hash name means nothing to people). */
  peer: string | null;
}

/** A private room or DM this account may join and has not opened (from `api/rooms`). */
export interface AvailableRoom {
  name: string;
  kind: 'private' | 'dm';
  peer: string | null;
}

/** One row of `GET api/rooms`. */
export interface RoomSummary {
  name: string;
  private: boolean;
  online: number;
  lastSeq: number;
}

/** A short confirmation of an action that worked ("invited bob"), shown for a moment. */
export interface Confirmation {
  key: string;
  params: Record<string, string>;
  /** Changes with every confirmation, so the UI can restart its timer for an identical text. */
  id: number;
}

export interface ChatState {
  status: ConnectionState;
  me: User | null;
  /** A name is needed before connecting (first visit, or the saved identity was refused). */
  needsName: boolean;
  /** Distinct users connected to the server. */
  online: number;
  /**
   * By name. A Map, not an object: a room named `constructor` (or any Object.prototype member) is
   * an ordinary room (issue 13).
   */
  rooms: Map<string, RoomState>;
  /** Joined rooms in sidebar order. */
  roomOrder: string[];
  activeRoom: string;
  /** The last problem to show the user, as an error code or a short key. */
  notice: string | null;
  /** Values for the notice's text ({room}, {user}). */
  noticeParams: Record<string, string>;
  /** The last action that worked, shown briefly. */
  confirmation: Confirmation | null;
  /** The page is not visible (unread counts grow even in the active room). */
  hidden: boolean;
  /** Signed in to an account (the session cookie); false for a guest. */
  account: boolean;
  /** `api/info`'s allowGuests; null until known. */
  allowGuests: boolean | null;
  /** Private rooms and DMs this account may join but has not opened. */
  available: AvailableRoom[];
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
  /**
   * Opens a socket to the server with these query parameters, offering these subprotocols
   * (Sec-WebSocket-Protocol). A guest token is offered as a subprotocol, never put in the query:
   * URLs end up in proxy access logs (issue 13).
   */
  openSocket: (query: Record<string, string>, protocols: string[]) => SocketLike;
  /** Resolves true when the server answers its health check (to tell "down" from "token refused"). */
  serverIsUp: () => Promise<boolean>;
  storage: StorageLike;
  now?: () => number;
  random?: () => number;
  backoff?: Backoff;
  /** Browser-side keepalive: ping after this long without a frame. */
  keepaliveMs?: number;
  /** The account side of the HTTP API; without it the client is the guest-only client. */
  accounts?: AccountHooks;
}

/** What the client asks the HTTP API (src/lib/account-api.ts does it in the browser). */
export interface AccountHooks {
  /** `GET api/me`: true while the session is valid, false once it is not (401), null when unknown. */
  sessionValid(): Promise<boolean | null>;
  /** `GET api/info`'s allowGuests; null when unknown. */
  guestsAllowed(): Promise<boolean | null>;
  /** `GET api/rooms`: at least the caller's private rooms and DMs (all pages); null when unknown. */
  rooms(): Promise<RoomSummary[] | null>;
}

/** A request whose reply (or refusal) comes back with its `ref`. */
type PendingAction =
  | { kind: 'create'; room: string }
  | { kind: 'invite'; room: string; user: string }
  | { kind: 'dm'; user: string }
  | { kind: 'moderate'; action: ModerationAction; room: string; user: User };

/** How long the "Mute" action of the member menu mutes. */
export const MUTE_MS = 10 * 60_000;

export const LOBBY = 'lobby';
const TYPING_SHOWN_MS = 5000;
const TYPING_SEND_EVERY_MS = 3000;
const HISTORY_PAGE = 50;
/** Messages kept in memory per room; older ones are dropped (and can be loaded again). */
const MAX_MESSAGES_PER_ROOM = 5000;
const PONG_TIMEOUT_MS = 10_000;
const INTERNAL_RETRY_MS = 1000;

const MAX_REF_CHARS = 64;
const DM_PREFIX = 'dm-';

const KEYS = {
  token: 'chat.token',
  rooms: 'chat.rooms',
  active: 'chat.activeRoom',
  outbox: 'chat.outbox',
  nick: 'chat.nick',
  /** The signed-in username: the page connects with its cookie, not a guest identity. */
  account: 'chat.account',
  /** DM room name -> the other person's name. */
  peers: 'chat.dmPeers',
};

export function initialState(): ChatState {
  return {
    status: 'offline',
    me: null,
    needsName: true,
    online: 0,
    rooms: new Map(),
    roomOrder: [],
    activeRoom: LOBBY,
    notice: null,
    noticeParams: {},
    confirmation: null,
    hidden: false,
    account: false,
    allowGuests: null,
    available: [],
  };
}

export function newRoom(name: string): RoomState {
  return {
    name,
    joined: false,
    lastSeq: 0,
    messages: [],
    outbox: [],
    hasOlder: false,
    loadingOlder: false,
    unread: 0,
    online: 0,
    members: [],
    typing: [],
    kind: isDmName(name) ? 'dm' : null,
    role: null,
    peer: null,
  };
}

/** Only DMs have `dm-` names: the server refuses to create or join any other room so named. */
export function isDmName(name: string): boolean {
  return name.startsWith(DM_PREFIX);
}

/** Private rooms and DMs get a lock. */
export function isPrivateRoom(room: Pick<RoomState, 'name' | 'kind'>): boolean {
  return room.kind === 'private' || room.kind === 'dm' || isDmName(room.name);
}

/** How a room is named to people: `#name`, or the other person's name for a DM. */
export function roomLabel(room: Pick<RoomState, 'name' | 'peer'>): string {
  return room.peer ?? `#${room.name}`;
}

/** May this role invite, kick, ban and mute? */
export function canModerate(role: RoomRole | null): boolean {
  return role === 'owner' || role === 'moderator';
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
  /** Requests awaiting their reply, by ref. */
  private readonly actions = new Map<string, PendingAction>();
  private actionSeq = 0;
  /** Rooms whose name is too long for a `join:`/`older:`… ref, by their short ref. */
  private readonly longRefs = new Map<string, string>();
  /** Rooms that refused us on this page (kicked, banned, join refused): not offered as available. */
  private readonly refused = new Set<string>();
  private confirmationSeq = 0;
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
    // Signed in: the session cookie goes with the upgrade by itself, and a guest token or nick
    // would win over it, so there is none.
    const account = this.state.account;
    const token = account ? null : this.savedToken();
    const nick = account ? null : this.options.storage.getItem(KEYS.nick);
    // The token goes as the subprotocol `token.<TOKEN>` beside `chat` (docs/protocol.md, Identity).
    const query: Record<string, string> = !token && nick ? { nick } : {};
    const protocols = token ? [WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX + token] : [WS_PROTOCOL];
    const identity: Identity = account ? 'account' : token ? 'token' : 'guest';
    this.state.status = 'connecting';
    this.welcomed = false;
    const socket = this.options.openSocket(query, protocols);
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
      this.onClose(identity);
    };
    socket.onerror = () => {};
  }

  /**
   * The saved guest token, if it looks like one of ours (base64url). Anything else is dropped: a
   * subprotocol must be an HTTP token, and the browser's WebSocket constructor throws on others.
   */
  private savedToken(): string | null {
    const token = this.options.storage.getItem(KEYS.token);
    if (token === null || /^[A-Za-z0-9_-]{1,256}$/.test(token)) return token;
    this.options.storage.removeItem(KEYS.token);
    return null;
  }

  private onClose(identity: Identity): void {
    const wasWelcomed = this.welcomed;
    this.socket = null;
    this.connectionGone();
    if (this.stopped) return;
    const accounts = this.options.accounts;
    if (!wasWelcomed && identity === 'account' && accounts) {
      // Refused before welcome while signed in: the server is down, or the session is over
      // (signed out in another tab, expired). api/me tells which.
      void this.options.serverIsUp().then(async (up) => {
        const valid = up ? await accounts.sessionValid().catch(() => null) : null;
        if (valid === false && !this.stopped && this.state.account) return this.signedOut('session_expired');
        this.scheduleReconnect();
      });
      return;
    }
    if (!wasWelcomed && identity === 'guest' && accounts) {
      // A new guest refused: when the server no longer takes guests, retrying is pointless.
      void accounts
        .guestsAllowed()
        .catch(() => null)
        .then((allowed) => {
          if (allowed === false && !this.stopped && !this.state.account) {
            this.state.allowGuests = false;
            this.stop();
            this.state.needsName = true;
            this.setNotice('guests_disabled');
            return;
          }
          this.scheduleReconnect();
        });
      return;
    }
    if (!wasWelcomed && identity === 'token') {
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

  /** The socket is gone: nothing is joined, and replies still to come never will. */
  private connectionGone(): void {
    this.clearTimers();
    this.state.status = 'offline';
    this.actions.clear();
    for (const room of this.state.rooms.values()) {
      room.joined = false;
      room.typing = [];
      room.loadingOlder = false; // its reply died with the socket
    }
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
    this.refused.delete(name);
    if (this.state.available.some((r) => r.name === name)) this.state.available = this.state.available.filter((r) => r.name !== name);
    if (!this.state.rooms.has(name)) {
      this.addRoom(name);
      if (this.state.status === 'online') this.join(name);
    }
    this.activate(name);
  }

  activate(name: string): void {
    if (!this.state.rooms.has(name)) return;
    this.state.activeRoom = name;
    this.options.storage.setItem(KEYS.active, name);
    this.markRead(name);
  }

  markRead(name: string): void {
    const room = this.state.rooms.get(name);
    if (room) room.unread = 0;
  }

  /** Leaves a room and forgets it (the lobby stays). */
  closeRoom(name: string): void {
    if (name === LOBBY || !this.state.rooms.has(name)) return;
    this.transmit({ type: 'leave', room: name });
    this.removeRoom(name);
  }

  // ---- accounts, private rooms, DMs and moderation ---------------------------------------------

  /**
   * The browser now holds a session cookie for this user (sign-in, registration, or `api/me` on
   * load): forget the guest identity and connect as the account, unless already doing so.
   */
  signedIn(user: User): void {
    const storage = this.options.storage;
    storage.removeItem(KEYS.token);
    storage.removeItem(KEYS.nick);
    storage.setItem(KEYS.account, user.nick);
    const already = this.state.account && !this.stopped && (this.state.me === null || this.state.me.id === user.id);
    this.state.account = true;
    this.state.needsName = false;
    if (!this.state.me || this.state.me.id !== user.id) this.state.me = { ...user };
    if (already) return;
    this.clearNotice();
    // Unsent messages written as a guest go out as the account (filled in at welcome).
    for (const room of this.state.rooms.values()) {
      for (const m of room.outbox) Object.assign(m, { from: { id: '', nick: user.nick }, key: messageKey(m.clientId, '') });
    }
    if (this.socket || this.reconnectTimer) {
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      const socket = this.socket;
      this.socket = null;
      socket?.close(1000, 'signed in');
      this.connectionGone();
    }
    this.stopped = false;
    this.backoff.reset();
    this.connect();
  }

  /**
   * Signed out (or the session ended): disconnect and forget everything of this user — rooms,
   * unsent messages, identity — and ask for a name again. `notice` says why, when it was not asked.
   */
  signedOut(notice?: string): void {
    this.stop();
    const storage = this.options.storage;
    for (const key of [KEYS.account, KEYS.token, KEYS.nick, KEYS.rooms, KEYS.active, KEYS.outbox, KEYS.peers]) storage.removeItem(key);
    this.freshRooms.clear();
    this.freshRooms.add(LOBBY);
    this.lastTypingSent.clear();
    this.refused.clear();
    this.longRefs.clear();
    Object.assign(this.state, {
      me: null,
      account: false,
      needsName: true,
      online: 0,
      rooms: new Map([[LOBBY, newRoom(LOBBY)]]),
      roomOrder: [LOBBY],
      activeRoom: LOBBY,
      available: [],
      confirmation: null,
    });
    if (notice) this.setNotice(notice);
    else this.clearNotice();
  }

  /** Creates a room (accounts only); on `created` it is joined and opened. */
  createRoom(name: string, isPrivate: boolean): void {
    this.request({ type: 'create', room: name, private: isPrivate }, { kind: 'create', room: name });
  }

  /** Lets the account with this username join a private room. */
  invite(room: string, username: string): void {
    this.request({ type: 'invite', room, user: username }, { kind: 'invite', room, user: username });
  }

  /** Opens the DM room with this username (the reply is `joined` for a room we may not hold yet). */
  directMessage(username: string): void {
    const existing = this.state.roomOrder.find((name) => this.state.rooms.get(name)!.peer === username);
    if (existing) return this.activate(existing);
    this.request({ type: 'dm', user: username }, { kind: 'dm', user: username });
  }

  /** kick, ban, unban, op, or mute for `ms`; the target by user id. */
  moderate(action: ModerationAction, room: string, user: User, ms = MUTE_MS): void {
    this.request({ type: action, room, user: user.id, ...(action === 'mute' ? { ms } : {}) }, { kind: 'moderate', action, room, user });
  }

  /** Asks `api/rooms` for private rooms and DMs this account may join and has not opened. */
  async refreshRooms(): Promise<void> {
    const hooks = this.options.accounts;
    if (!hooks || !this.state.account) return;
    const rooms = await hooks.rooms().catch(() => null);
    if (!rooms || !this.state.account) return;
    const peers = this.loadPeers();
    this.state.available = rooms
      .filter((r) => r.private && !this.state.rooms.has(r.name) && !this.refused.has(r.name))
      .map((r) => ({ name: r.name, kind: isDmName(r.name) ? 'dm' : 'private', peer: peers.get(r.name) ?? null }));
  }

  dismissNotice(): void {
    this.clearNotice();
  }

  setHidden(hidden: boolean): void {
    this.state.hidden = hidden;
    if (!hidden) this.markRead(this.state.activeRoom);
  }

  /** Queues a message; it is sent now if online, else on reconnect, with the same id. */
  send(roomName: string, text: string): void {
    const room = this.state.rooms.get(roomName);
    const trimmed = text.trim();
    if (!room || !trimmed) return;
    // Before the first welcome (a reload while the server is down) the sender is filled in later.
    const storage = this.options.storage;
    const from = this.state.me ? { ...this.state.me } : { id: '', nick: storage.getItem(KEYS.account) ?? storage.getItem(KEYS.nick) ?? '' };
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
    const room = this.state.rooms.get(roomName);
    const entry = room?.outbox.find((m) => m.clientId === clientId);
    if (!room || !entry) return;
    entry.status = 'pending';
    delete entry.error;
    if (room.joined) this.transmitSend(roomName, entry);
  }

  /** Drops a failed message from the outbox. */
  discard(roomName: string, clientId: string): void {
    const room = this.state.rooms.get(roomName);
    if (!room) return;
    room.outbox = room.outbox.filter((m) => m.clientId !== clientId);
    this.saveOutbox();
  }

  /** Tells the room we are typing, at most every 3 s. */
  typing(roomName: string): void {
    const room = this.state.rooms.get(roomName);
    if (!room?.joined) return;
    const last = this.lastTypingSent.get(roomName) ?? 0;
    if (this.now() - last < TYPING_SEND_EVERY_MS) return;
    this.lastTypingSent.set(roomName, this.now());
    this.transmit({ type: 'typing', room: roomName });
  }

  /** Asks for the page of messages before the oldest one held. */
  loadOlder(roomName: string): void {
    const room = this.state.rooms.get(roomName);
    if (!room?.joined || !room.hasOlder || room.loadingOlder) return;
    const oldest = room.messages[0]?.seq;
    room.loadingOlder = true;
    this.transmit({ type: 'history', room: roomName, limit: HISTORY_PAGE, ref: this.roomRef('older', roomName), ...(oldest ? { before: oldest } : {}) });
  }

  /** Users typing in a room now (expired entries are dropped). */
  typingUsers(roomName: string): User[] {
    const room = this.state.rooms.get(roomName);
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
        if (this.state.account && frame.token) {
          // We connected without a cookie (it expired or was cleared) and became a new guest.
          return this.signedOut('session_expired');
        }
        if (!this.state.account && !frame.token && this.options.accounts) {
          // Only an account's welcome has no token: the browser still had a session cookie, and
          // the server prefers it to a guest nick. Be that account then, and stop sending the nick.
          this.state.account = true;
          this.options.storage.removeItem(KEYS.token);
          this.options.storage.removeItem(KEYS.nick);
        }
        this.welcomed = true;
        this.backoff.reset();
        this.state.me = frame.user;
        this.state.online = frame.online;
        this.state.status = 'online';
        this.clearNotice();
        if (this.state.account) {
          this.options.storage.setItem(KEYS.account, frame.user.nick);
          void this.refreshRooms();
        } else {
          if (frame.token) this.options.storage.setItem(KEYS.token, frame.token);
          this.options.storage.setItem(KEYS.nick, frame.user.nick);
        }
        // Messages restored from the last visit were written by this user.
        for (const room of this.state.rooms.values()) {
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
        const room = this.state.rooms.get(frame.room);
        const entry = room?.outbox.find((m) => m.clientId === frame.id);
        if (!room || !entry) return;
        if (this.state.notice === 'muted') this.clearNotice();
        this.removeFromOutbox(room, frame.id);
        this.insertMessages(room, [{ ...entry, seq: frame.seq, ts: frame.ts, status: 'sent' }]);
        return;
      }
      case 'history':
        return this.onHistory(frame.room, frame.messages, frame.hasMore, frame.ref);
      case 'presence': {
        const room = this.state.rooms.get(frame.room);
        if (!room) return;
        room.online = frame.online;
        if (frame.joined && !room.members.some((m) => m.id === frame.joined!.id)) room.members.push(frame.joined);
        if (frame.joined) this.learnPeer(room, [frame.joined]);
        if (frame.left) room.members = room.members.filter((m) => m.id !== frame.left!.id);
        if (frame.renamed) {
          const renamed = frame.renamed;
          room.members = room.members.map((m) => (m.id === renamed.id ? renamed : m));
          if (this.state.me?.id === renamed.id) this.state.me = renamed;
        }
        return;
      }
      case 'typing': {
        const room = this.state.rooms.get(frame.room);
        if (!room) return;
        room.typing = [...room.typing.filter((t) => t.user.id !== frame.user.id), { user: frame.user, until: this.now() + TYPING_SHOWN_MS }];
        return;
      }
      case 'nick':
        if (this.state.me) this.state.me = { ...this.state.me, nick: frame.nick };
        return;
      case 'error':
        return this.onError(frame);
      case 'created': {
        this.takeAction(frame.ref);
        this.clearNotice();
        this.openRoom(frame.room);
        return;
      }
      case 'invited': {
        this.takeAction(frame.ref);
        const room = this.state.rooms.get(frame.room);
        this.confirm('invited', { user: frame.user.nick, room: room ? roomLabel(room) : `#${frame.room}` });
        return;
      }
      case 'moderated': {
        const room = this.state.rooms.get(frame.room);
        if (frame.ref === undefined && frame.user.id === this.state.me?.id) {
          // About me, from someone else: a mute or a promotion.
          const label = room ? roomLabel(room) : `#${frame.room}`;
          if (frame.action === 'op' && room) room.role = 'moderator';
          if (frame.action === 'mute' && frame.until) {
            this.setNotice('muted_by_moderator', { room: label, minutes: String(Math.max(1, Math.round((frame.until - this.now()) / 60_000))) });
          }
          if (frame.action === 'op') this.setNotice('opped_you', { room: label });
          return;
        }
        this.takeAction(frame.ref);
        const minutes = frame.until ? String(Math.max(1, Math.round((frame.until - this.now()) / 60_000))) : '';
        this.confirm(`moderated_${frame.action}`, { user: frame.user.nick, room: room ? roomLabel(room) : `#${frame.room}`, minutes });
        return;
      }
      case 'kicked':
        return this.onKicked(frame);
      case 'invitation':
        this.setNotice('invitation', { room: `#${frame.room}`, user: frame.by.nick });
        void this.refreshRooms();
        return;
      case 'deleted':
        this.takeAction(frame.ref);
        this.confirm('deleted', { room: `#${frame.room}` });
        return;
      case 'left':
      case 'pong':
        return;
    }
  }

  /** Removed from a room by a moderator, a ban, or its deletion: it goes, and we say why. */
  private onKicked(frame: KickedFrame): void {
    const room = this.state.rooms.get(frame.room);
    if (!room) return;
    const label = roomLabel(room);
    const reason = frame.reason ?? 'kick';
    if (reason !== 'kick') this.refused.add(frame.room);
    if (frame.room === LOBBY) {
      // The lobby stays in the list; it is joined again on the next connection.
      room.joined = false;
      room.members = [];
    } else {
      this.removeRoom(frame.room);
    }
    this.setNotice(`kicked_${reason}`, { room: label });
  }

  private onJoined(frame: JoinedFrame): void {
    const action = this.takeAction(frame.ref);
    if (action?.kind === 'dm') {
      // The DM room: new to us unless we had it already; either way it becomes the active room.
      if (!this.state.rooms.has(frame.room)) {
        this.addRoom(frame.room);
        this.state.available = this.state.available.filter((r) => r.name !== frame.room);
      }
      const dm = this.state.rooms.get(frame.room)!;
      dm.kind = 'dm';
      if (dm.peer !== action.user) {
        dm.peer = action.user;
        this.savePeer(frame.room, action.user);
      }
      this.clearNotice();
      this.activate(frame.room);
    }
    const room = this.state.rooms.get(frame.room);
    if (!room) return;
    const fresh = this.freshRooms.delete(frame.room);
    room.joined = true;
    room.online = frame.online;
    room.members = frame.members;
    room.kind = frame.kind ?? (isDmName(frame.room) ? 'dm' : 'public');
    room.role = frame.role ?? null;
    this.learnPeer(room, [...frame.members, ...frame.history.map((m) => m.from)]);
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
      if (frame.hasMore) this.transmit({ type: 'history', room: room.name, after: room.lastSeq, limit: 200, ref: this.roomRef('newer', room.name) });
    }
    for (const entry of room.outbox) if (entry.status === 'pending') this.transmitSend(room.name, entry);
  }

  private onMessage(message: ChatMessage): void {
    const room = this.state.rooms.get(message.room);
    if (!room) return;
    const mine = message.from.id === this.state.me?.id;
    if (mine) this.removeFromOutbox(room, message.clientId);
    const added = this.insertMessages(room, [message]);
    if (!mine) this.learnPeer(room, [message.from]);
    room.typing = room.typing.filter((t) => t.user.id !== message.from.id);
    if (added && !mine && (this.state.activeRoom !== room.name || this.state.hidden)) room.unread++;
  }

  private onHistory(roomName: string, messages: ChatMessage[], hasMore: boolean, ref: string | undefined): void {
    const room = this.state.rooms.get(roomName);
    if (!room) return;
    if (this.refRoom(ref ?? '', 'older') !== null) {
      room.loadingOlder = false;
      room.hasOlder = hasMore;
      this.insertMessages(room, messages);
    } else if (this.refRoom(ref ?? '', 'newer') !== null) {
      this.insertMessages(room, messages);
      if (hasMore) this.transmit({ type: 'history', room: roomName, after: room.lastSeq, limit: 200, ref: this.roomRef('newer', roomName) });
    }
  }

  private onError(frame: ErrorFrame): void {
    const ref = frame.ref ?? '';
    if (ref.startsWith('send:')) {
      const clientId = ref.slice(5);
      const room = [...this.state.rooms.values()].find((r) => r.outbox.some((m) => m.clientId === clientId));
      const entry = room?.outbox.find((m) => m.clientId === clientId);
      if (!room || !entry) return;
      const roomName = room.name;
      if (frame.code === 'rate_limited' || frame.code === 'internal') {
        const wait = frame.retryAfterMs ?? INTERNAL_RETRY_MS;
        setTimeout(() => {
          if (room.joined && entry.status === 'pending' && room.outbox.includes(entry)) this.transmitSend(roomName, entry);
        }, wait);
        return;
      }
      entry.status = 'failed';
      entry.error = frame.code;
      // The only `forbidden` a send gets: a moderator muted us here.
      if (frame.code === 'forbidden') this.setNotice('muted', { room: roomLabel(room) });
      return;
    }
    const action = this.takeAction(ref);
    if (action) return this.onRefused(action, frame);
    const older = this.refRoom(ref, 'older');
    if (older !== null) {
      const room = this.state.rooms.get(older);
      if (room) room.loadingOlder = false;
    }
    const joinRoom = this.refRoom(ref, 'join');
    if (joinRoom !== null && frame.code === 'internal') {
      const name = joinRoom;
      setTimeout(() => {
        if (this.state.status === 'online' && this.state.rooms.get(name)?.joined === false) this.join(name);
      }, INTERNAL_RETRY_MS);
    }
    if (joinRoom !== null && (frame.code === 'forbidden' || frame.code === 'not_found')) {
      // A private room without an invitation, a ban, or a DM that is gone: the room goes.
      const room = this.state.rooms.get(joinRoom);
      const label = room ? roomLabel(room) : `#${joinRoom}`;
      this.refused.add(joinRoom);
      if (joinRoom !== LOBBY) this.removeRoom(joinRoom);
      return this.setNotice(frame.code === 'forbidden' ? 'join_forbidden' : 'join_not_found', { room: label });
    }
    this.setNotice(frame.code);
  }

  /** A request of ours was refused: say so in words that fit the request. */
  private onRefused(action: PendingAction, frame: ErrorFrame): void {
    const code = frame.code;
    if (code === 'unauthorized') return this.setNotice('unauthorized');
    if (code === 'rate_limited') return this.setNotice('rate_limited');
    switch (action.kind) {
      case 'create':
        if (code === 'forbidden') return this.setNotice('room_exists', { room: `#${action.room}` });
        return this.setNotice(code);
      case 'dm':
        if (code === 'not_found') return this.setNotice('user_not_found', { user: action.user });
        if (code === 'forbidden') return this.setNotice('not_allowed');
        return this.setNotice(code);
      case 'invite':
        if (code === 'not_found') return this.setNotice('user_not_found', { user: action.user });
        if (code === 'forbidden') return this.setNotice('not_allowed');
        return this.setNotice(code);
      case 'moderate':
        if (code === 'not_found') return this.setNotice('user_not_found', { user: action.user.nick });
        if (code === 'forbidden') return this.setNotice('not_allowed');
        return this.setNotice(code);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private setNotice(code: string, params: Record<string, string> = {}): void {
    this.state.notice = code;
    this.state.noticeParams = params;
  }

  private clearNotice(): void {
    this.state.notice = null;
    this.state.noticeParams = {};
  }

  /** An action worked: the last refusal no longer applies, and a confirmation says what happened. */
  private confirm(key: string, params: Record<string, string>): void {
    this.clearNotice();
    this.state.confirmation = { key, params, id: ++this.confirmationSeq };
  }

  /** Sends a request whose reply or refusal comes back with a fresh ref. */
  private request(frame: Record<string, unknown>, action: PendingAction): void {
    if (this.state.status !== 'online' || !this.socket) return this.setNotice('offline_action');
    const ref = `a${++this.actionSeq}`;
    this.actions.set(ref, action);
    this.transmit({ ...frame, ref });
  }

  private takeAction(ref: string | undefined): PendingAction | undefined {
    if (ref === undefined) return undefined;
    const action = this.actions.get(ref);
    this.actions.delete(ref);
    return action;
  }

  /** `join:room`, or a short stand-in when that would be longer than a ref may be. */
  private roomRef(prefix: 'join' | 'older' | 'newer', room: string): string {
    const ref = `${prefix}:${room}`;
    if (ref.length <= MAX_REF_CHARS) return ref;
    for (const [short, name] of this.longRefs) if (name === room && short.startsWith(`${prefix}#`)) return short;
    const short = `${prefix}#${this.longRefs.size + 1}`;
    this.longRefs.set(short, room);
    return short;
  }

  /** The room a `roomRef` names, or null when the ref is not of that kind. */
  private refRoom(ref: string, prefix: 'join' | 'older' | 'newer'): string | null {
    if (ref.startsWith(`${prefix}:`)) return ref.slice(prefix.length + 1);
    if (ref.startsWith(`${prefix}#`)) return this.longRefs.get(ref) ?? null;
    return null;
  }

  private addRoom(name: string): void {
    const room = newRoom(name);
    room.peer = this.loadPeers().get(name) ?? null;
    this.state.rooms.set(name, room);
    this.state.roomOrder.push(name);
    this.freshRooms.add(name);
    this.saveRooms();
  }

  /** Forgets a room (left, kicked, or refused), moving to the lobby if it was the active one. */
  private removeRoom(name: string): void {
    if (name === LOBBY || !this.state.rooms.has(name)) return;
    this.state.rooms.delete(name);
    this.freshRooms.delete(name);
    this.state.roomOrder = this.state.roomOrder.filter((r) => r !== name);
    this.saveRooms();
    this.saveOutbox();
    if (this.state.activeRoom === name) this.activate(LOBBY);
  }

  /** A DM room's other person, from anyone seen in it who is not me. */
  private learnPeer(room: RoomState, users: User[]): void {
    if (room.kind !== 'dm' || room.peer !== null) return;
    const me = this.state.me?.id;
    const other = users.find((u) => u.id !== me);
    if (!other || me === undefined) return;
    room.peer = other.nick;
    this.savePeer(room.name, other.nick);
  }

  /** DM room name -> the other person's name. A Map: stored names are looked up by room name. */
  private loadPeers(): Map<string, string> {
    const saved = parseJson<unknown>(this.options.storage.getItem(KEYS.peers));
    const peers = new Map<string, string>();
    if (typeof saved !== 'object' || saved === null) return peers;
    for (const [room, peer] of Object.entries(saved)) if (typeof peer === 'string') peers.set(room, peer);
    return peers;
  }

  private savePeer(room: string, peer: string): void {
    const peers = this.loadPeers();
    // Only rooms still held, so the map does not grow forever.
    const kept = [...peers].filter(([name]) => this.state.rooms.has(name));
    // Written with JSON.stringify of an object made by Object.fromEntries, which defines even
    // `__proto__` as an own key; Object.entries reads it back as such.
    this.options.storage.setItem(KEYS.peers, JSON.stringify(Object.fromEntries([...kept, [room, peer]])));
  }

  private join(name: string): void {
    const room = this.state.rooms.get(name);
    if (!room) return;
    const fresh = this.freshRooms.has(name);
    this.transmit({ type: 'join', room: name, ref: this.roomRef('join', name), ...(fresh ? {} : { since: room.lastSeq }) });
  }

  private transmitSend(roomName: string, entry: DisplayMessage): void {
    // The client id alone finds the message again: `send:room|id` would outgrow 64 characters.
    this.transmit({ type: 'send', room: roomName, text: entry.text, id: entry.clientId, ref: `send:${entry.clientId}` });
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
    for (const room of this.state.rooms.values()) {
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
      if (!this.state.rooms.has(name)) {
        this.state.rooms.set(name, newRoom(name));
        this.state.roomOrder.push(name);
        this.freshRooms.add(name);
      }
    }
    const peers = this.loadPeers();
    for (const name of names) {
      const peer = peers.get(name);
      const room = this.state.rooms.get(name);
      if (peer && room) room.peer = peer;
    }
    const active = storage.getItem(KEYS.active);
    this.state.activeRoom = active && this.state.rooms.has(active) ? active : LOBBY;
    const account = storage.getItem(KEYS.account);
    this.state.account = account !== null;
    this.state.needsName = !account && !storage.getItem(KEYS.token) && !storage.getItem(KEYS.nick);
    const nick = account ?? storage.getItem(KEYS.nick) ?? '?';
    for (const saved of parseJson<SavedOutboxEntry[]>(storage.getItem(KEYS.outbox)) ?? []) {
      const room = this.state.rooms.get(saved.room);
      if (!room || typeof saved.clientId !== 'string' || typeof saved.text !== 'string') continue;
      room.outbox.push({ key: messageKey(saved.clientId, ''), seq: null, clientId: saved.clientId, from: { id: '', nick }, text: saved.text, ts: saved.ts, status: 'pending' });
    }
  }
}

/** How the current connection says who we are: the cookie, a guest token, or a new guest's nick. */
type Identity = 'account' | 'token' | 'guest';

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

function parseJson<T>(raw: string | null): T | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}
