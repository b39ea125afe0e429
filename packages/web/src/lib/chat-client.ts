// The client side of protocol v1, without any UI: one connection, reconnect with backoff, resume
// with `since`, an outbox of messages that survive going offline (and a reload), unread counts.
// Accounts (docs/protocol.md, "Accounts, private rooms and moderation"): a signed-in browser
// connects with its session cookie and no query; private rooms, invitations, DMs and moderation
// are frames with a `ref` that maps the reply or refusal back to the request.
// The UI passes in a reactive state object (Vue's `reactive()`) and renders it; tests pass a plain
// object and a fake socket.
//
// This is the façade: the UI's API, and the wiring of the pieces. Each piece gets the state and
// the neighbours it needs, never ChatClient, so none imports this file:
//   chat-state.ts      the state and its types       timeline.ts  messages in seq order
//   client-storage.ts  localStorage between visits   notices.ts   what the user is told
//   connection.ts      socket, reconnect, keepalive  identity.ts  who we connect as
//   request-refs.ts    replies back to requests      room-list.ts rooms held, joins, history
//   room-sync.ts       the server's room list after each welcome
//   read-state.ts      unread and mention counts against the read marker
//   outbox.ts          unsent messages               frames/      a module per frame family
//   message-changes.ts our edits, deletions and reactions, queued like unsent messages
import { normalizeNick, type ChatMessage, type ClientFrame, type FileInfo, type ModerationAction, type User } from '@chat/protocol';
import type { AccountHooks } from './account-hooks.js';
import { Backoff } from './backoff.js';
import { LOBBY, MUTE_MS, newRoom, type ChatState, type RoomState } from './chat-state.js';
import { ClientStorage, type StorageLike } from './client-storage.js';
import { Connection, type SocketLike } from './connection.js';
import type { FrameContext } from './frames/frame-context.js';
import { onServerFrame } from './frames/server-frames.js';
import { credentials, onConnectionLost, type IdentityContext } from './identity.js';
import { MessageChanges, quoteOf } from './message-changes.js';
import { Notices } from './notices.js';
import { Outbox } from './outbox.js';
import { RequestRefs, type PendingAction } from './request-refs.js';
import { RoomList } from './room-list.js';
import { RoomSync } from './room-sync.js';

export * from './chat-state.js';
export type { AccountHooks } from './account-hooks.js';
export type { StorageLike } from './client-storage.js';
export type { SocketLike } from './connection.js';

export interface ChatClientOptions {
  state: ChatState;
  /**
   * Opens a socket to the server with these query parameters, offering these subprotocols
   * (Sec-WebSocket-Protocol). A guest token is offered as a subprotocol, never put in the query:
   * URLs end up in proxy access logs.
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
  /** Someone else's message just arrived live (not history, not a resume): the page may notify. */
  onLive?: (room: RoomState, message: ChatMessage) => void;
}

/** `typing` goes out at most this often per room. */
const TYPING_SEND_EVERY_MS = 3000;

export class ChatClient {
  readonly state: ChatState;
  private readonly storage: ClientStorage;
  private readonly notices: Notices;
  private readonly refs = new RequestRefs();
  private readonly rooms: RoomList;
  private readonly outbox: Outbox;
  private readonly changes: MessageChanges;
  private readonly connection: Connection;
  private readonly lastTypingSent = new Map<string, number>();
  private readonly roomSync: RoomSync;
  private readonly now: () => number;

  constructor(private readonly options: ChatClientOptions) {
    const state = (this.state = options.state);
    const now = (this.now = options.now ?? Date.now);
    const random = options.random ?? Math.random;
    const storage = (this.storage = new ClientStorage(options.storage));
    const notices = (this.notices = new Notices(state));
    const refs = this.refs;
    const transmit = (frame: ClientFrame) => this.connection.transmit(frame);
    const rooms = (this.rooms = new RoomList({ state, storage, refs, transmit }));
    this.roomSync = new RoomSync({ state, storage, rooms, hooks: options.accounts, refreshRooms: () => this.refreshRooms() });
    const outbox = (this.outbox = new Outbox({ state, storage, now, random, transmit }));
    const changes = (this.changes = new MessageChanges({ state, storage, notices, now, transmit }));
    const frames: FrameContext = {
      state,
      storage,
      notices,
      refs,
      rooms,
      outbox,
      changes,
      accounts: options.accounts !== undefined,
      now,
      transmit,
      welcomed: () => this.connection.welcomed(),
      signedOut: (notice) => this.signedOut(notice),
      refreshRooms: () => void this.refreshRooms(),
      syncRooms: () => void this.roomSync.afterWelcome(),
      live: (room, message) => options.onLive?.(room, message),
    };
    const lost: IdentityContext = {
      state,
      storage,
      notices,
      accounts: options.accounts,
      serverIsUp: options.serverIsUp,
      wanted: () => !this.connection.stopped,
      reconnect: () => this.connection.reconnect(),
      stop: () => this.stop(),
      signedOut: (notice) => this.signedOut(notice),
    };
    this.connection = new Connection({
      openSocket: options.openSocket,
      backoff: options.backoff ?? new Backoff({ random }),
      keepaliveMs: options.keepaliveMs ?? 25_000,
      credentials: () => credentials(state.account, storage),
      onConnecting: () => {
        state.status = 'connecting';
      },
      onFrame: (frame) => onServerFrame(frames, frame),
      onGone: () => {
        state.status = 'offline';
        refs.dropPending();
        if (state.rename.pending) Object.assign(state.rename, { pending: false, error: 'offline' });
        rooms.disconnected();
        changes.disconnected();
      },
      onLost: (identity, welcomed) => onConnectionLost(lost, identity, welcomed),
    });
    rooms.restored(storage.restore(state));
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Connects with the saved identity, or with `nick` for a new guest. */
  start(nick?: string): void {
    if (nick !== undefined) {
      this.storage.setNick(nick);
      this.state.needsName = false;
    }
    if (this.state.needsName) return;
    this.connection.start();
  }

  /**
   * Connect now if not connected (the tab became visible, or the browser came back online): also
   * while "connecting" waits out the backoff delay after a dead socket was abandoned.
   */
  wake(): void {
    if (this.state.status !== 'online') this.connection.wake();
  }

  /** The browser went offline (its event): "connecting" at once, not "connected" until the dead socket closes. */
  networkLost(): void {
    this.connection.networkLost();
  }

  stop(): void {
    this.connection.stop();
    this.state.status = 'offline';
  }

  // ---- rooms ----------------------------------------------------------------------------------

  /** Joins (or creates) a room and makes it the active one. */
  openRoom(name: string): void {
    this.rooms.open(name);
  }

  activate(name: string): void {
    this.rooms.activate(name);
  }

  markRead(name: string): void {
    this.rooms.markRead(name);
  }

  /**
   * The reader sees the room up to message `seq` (the newest in view, while the window has focus
   * and the page is visible): its counts drop, and its read marker follows within a second.
   */
  seen(name: string, seq: number): void {
    this.rooms.seen(name, seq);
  }

  /** Leaves a room and forgets it (the lobby stays). */
  closeRoom(name: string): void {
    if (name === LOBBY || !this.state.rooms.has(name)) return;
    this.connection.transmit({ type: 'leave', room: name });
    this.rooms.remove(name);
  }

  /** Asks for the page of messages before the oldest one held. */
  loadOlder(roomName: string): void {
    this.rooms.loadOlder(roomName);
  }

  /** The page is hidden or visible again (what is on screen then is marked read by the UI: seen). */
  setHidden(hidden: boolean): void {
    this.state.hidden = hidden;
  }

  dismissNotice(): void {
    this.notices.clear();
  }

  // ---- accounts, private rooms, DMs and moderation ---------------------------------------------

  /**
   * The browser now holds a session cookie for this user (sign-in, registration, or `api/me` on
   * load): forget the guest identity and connect as the account, unless already doing so.
   */
  signedIn(user: User): void {
    this.storage.forgetGuest();
    this.storage.setAccount(user.nick);
    const already = this.state.account && !this.connection.stopped && (this.state.me === null || this.state.me.id === user.id);
    this.state.account = true;
    this.state.needsName = false;
    if (!this.state.me || this.state.me.id !== user.id) this.state.me = { ...user };
    if (already) return;
    this.notices.clear();
    // Unsent messages written as a guest go out as the account (filled in at welcome).
    this.outbox.reassign(user.nick);
    this.connection.restart('signed in');
  }

  /**
   * Signed out (or the session ended): disconnect and forget everything of this user — rooms,
   * unsent messages, identity — and ask for a name again. `notice` says why, when it was not asked.
   */
  signedOut(notice?: string): void {
    this.stop();
    this.roomSync.reset();
    this.storage.forgetAll();
    this.rooms.reset();
    this.lastTypingSent.clear();
    this.refs.forgetRooms();
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
      rename: { pending: false, error: null, done: 0 },
    });
    if (notice) this.notices.set(notice);
    else this.notices.clear();
  }

  /**
   * A guest takes another name (`nick`): every room sees it renamed, and the stored nick follows
   * (frames/session-frames.ts). A name against the rules, or no connection, is refused here with
   * `state.rename.error`; the server's refusals (`nick_taken`, `rate_limited`…) land there too.
   * False when nothing was sent. An account's nick is its username: it has no rename.
   */
  rename(nick: string): boolean {
    const rename = this.state.rename;
    if (this.state.account || rename.pending) return false;
    const normalized = normalizeNick(nick);
    if (normalized === null) {
      rename.error = 'invalid_nick';
      return false;
    }
    if (this.state.status !== 'online' || !this.connection.open) {
      rename.error = 'offline';
      return false;
    }
    Object.assign(rename, { pending: true, error: null });
    this.connection.transmit({ type: 'nick', nick: normalized, ref: this.refs.track({ kind: 'nick', nick: normalized }) });
    return true;
  }

  /**
   * Creates a room with us as its owner (accounts only); on `created` it is joined and opened. A
   * public room that exists already is joined instead.
   */
  createRoom(name: string, isPrivate: boolean): void {
    this.request({ type: 'create', room: name, private: isPrivate }, { kind: 'create', room: name, private: isPrivate });
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
    const frame: ClientFrame = action === 'mute' ? { type: action, room, user: user.id, ms } : { type: action, room, user: user.id };
    this.request(frame, { kind: 'moderate', action, room, user });
  }

  /** Sets the room's topic ("" clears it): owners, moderators and admins (Version 1.1, issue 15). */
  setTopic(room: string, topic: string): void {
    this.request({ type: 'topic', room, topic: topic.trim() }, { kind: 'topic', room });
  }

  /** Deletes the room: its owner or an admin. Everyone in it, us included, then gets `kicked` (delete). */
  deleteRoom(room: string): void {
    this.request({ type: 'delete', room }, { kind: 'delete', room });
  }

  /** Asks `api/rooms` for private rooms and DMs this account may join and has not opened. */
  async refreshRooms(): Promise<void> {
    const hooks = this.options.accounts;
    if (!hooks || !this.state.account) return;
    const rooms = await hooks.rooms().catch(() => null);
    if (rooms && this.state.account) this.rooms.offer(rooms);
  }

  // ---- messages and typing --------------------------------------------------------------------

  /**
   * Queues a message; it is sent now if online, else on reconnect, with the same id. False when it
   * was refused (empty, over the length limit, unknown room): the caller keeps the text. `replyTo`:
   * the seq of the message it answers (held: its excerpt is quoted at once); `files`: uploaded files.
   */
  send(roomName: string, text: string, replyTo?: number, files?: FileInfo[]): boolean {
    const room = this.state.rooms.get(roomName);
    const written = this.outbox.write(roomName, text, room && replyTo !== undefined ? quoteOf(room, replyTo) : undefined, files);
    // The message ends this typing where it arrives, so the next keystroke, however soon (a quick
    // reply), says "typing" again at once instead of waiting out the throttle.
    if (written) this.lastTypingSent.delete(roomName);
    return written;
  }

  /** Sends a failed message again, with its original id. */
  retry(roomName: string, clientId: string): void {
    this.outbox.retry(roomName, clientId);
  }

  /** Drops a failed message from the outbox. */
  discard(roomName: string, clientId: string): void {
    this.outbox.discard(roomName, clientId);
  }

  // Version 1.1 changes to stored messages (message-changes.ts): queued like sends, sent once joined.
  /** Replaces my message's text; false when refused here (not mine, deleted, empty or too long). */
  edit = (room: string, seq: number, text: string): boolean => this.changes.edit(room, seq, text);
  redact = (room: string, seq: number): boolean => this.changes.redact(room, seq);
  react = (room: string, seq: number, emoji: string, on: boolean): boolean => this.changes.react(room, seq, emoji, on);
  retryChange = (room: string, id: string): void => this.changes.retry(room, id);
  dismissChange = (room: string, id: string): void => this.changes.dismiss(room, id);
  /** A guest's token, its bearer for `api/me/…` (the bell's level); null for an account (its cookie). */
  guestToken = (): string | null => (this.state.account ? null : this.storage.token());

  /** The composer's unsent text in a room, kept from the last visit ('' when none). */
  draft(roomName: string): string {
    return this.storage.draft(roomName);
  }

  /** Keeps the composer's text of a room across room switches and reloads ('' forgets it). */
  saveDraft(roomName: string, text: string): void {
    this.storage.saveDraft(roomName, text, this.state.rooms);
  }

  /** Tells the room we are typing, at most every 3 s. */
  typing(roomName: string): void {
    const room = this.state.rooms.get(roomName);
    if (!room?.joined) return;
    const last = this.lastTypingSent.get(roomName) ?? 0;
    if (this.now() - last < TYPING_SEND_EVERY_MS) return;
    this.lastTypingSent.set(roomName, this.now());
    this.connection.transmit({ type: 'typing', room: roomName });
  }

  /** Users typing in a room now (expired entries are dropped). */
  typingUsers(roomName: string): User[] {
    const room = this.state.rooms.get(roomName);
    if (!room) return [];
    const now = this.now();
    if (room.typing.some((t) => t.until <= now)) room.typing = room.typing.filter((t) => t.until > now);
    return room.typing.map((t) => t.user);
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Sends a request whose reply or refusal comes back with a fresh ref. */
  private request(frame: ClientFrame, action: PendingAction): void {
    if (this.state.status !== 'online' || !this.connection.open) return this.notices.set('offline_action');
    this.connection.transmit({ ...frame, ref: this.refs.track(action) });
  }
}
