// The client's state as the UI renders it: plain data and pure functions, no I/O. ChatClient
// mutates it; the page passes in a reactive object (Vue's `reactive()`), tests a plain one. The
// lobby's name and the room kinds and roles are the protocol's (docs/protocol.md, "join → joined"
// and "Accounts, private rooms and moderation"), not declared again here.
import { defaultNotifyLevel, LOBBY, type NotifyLevel, type ChangeAction, type FileInfo, type JoinedFrame, type Reaction, type ReplyExcerpt, type User } from '@chat/protocol';

export { LOBBY };

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
  // Version 1.1 (docs/protocol.md, "The room log"): the message's current state.
  /** When it was last edited (ms since the epoch). */
  edited?: number;
  /** Redacted: its text is gone. */
  deleted?: boolean;
  reactions?: Reaction[];
  /** The message this one answers, as it is now ("" text once that one was redacted). */
  replyTo?: ReplyExcerpt;
  /** Ids of the members its text mentions. */
  mentions?: string[];
  /** Files sent with it (Version 1.1, "Files"); an unsent one holds the FILEs its upload answered. */
  files?: FileInfo[];
  /** The seq of the last change applied to it: an older copy of the change never undoes a newer one. */
  version?: number;
}

/**
 * An edit, redaction or reaction of ours not yet answered (`updated`): like unsent messages, it
 * waits while offline and goes out after the room's join (lib/message-changes.ts).
 */
export interface PendingChange {
  /** Local id; the request's ref is `chg:<id>`. */
  id: string;
  action: ChangeAction;
  /** The seq of the message it changes. */
  target: number;
  /** edit: the new text. */
  text?: string;
  /** react: the emoji, and whether it is added (true) or taken back. */
  emoji?: string;
  on?: boolean;
  /** queued: not sent on this connection; sent: awaiting `updated`; stored: answered, its log entry not yet held; failed: refused. */
  status: 'queued' | 'sent' | 'stored' | 'failed';
  /** stored: the change's seq in the room's log. */
  seq?: number;
  /** failed: the error code. */
  error?: string;
  ts: number;
}

export type RoomKind = NonNullable<JoinedFrame['kind']>;
export type RoomRole = NonNullable<JoinedFrame['role']>;

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
  /** Our changes to stored messages not yet in the log, in the order they were made. */
  changes: PendingChange[];
  /** Seqs above lastSeq that were changes (not messages): the resume point passes over them too. */
  changeSeqs: number[];
  /** Older messages exist on the server. */
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Others' messages after the read marker (the server's count until the messages are held: read-state.ts). */
  unread: number;
  /** Of those, the ones that mention me. */
  mentions: number;
  /** Seqs of held messages after the marker that mention me (to lower `mentions` as the marker rises). */
  mentionSeqs: number[];
  /** My read marker in the room: the highest seq read on any device, as far as this client knows. */
  readSeq: number;
  online: number;
  members: User[];
  typing: TypingUser[];
  /** From `joined.kind`; null until the first join answers (a `dm-` name is always a DM). */
  kind: RoomKind | null;
  /** My role in the room from `joined.role` (null: none, e.g. a public room I did not create). */
  role: RoomRole | null;
  /** A DM room: the other person's name (the hash name means nothing to people). */
  peer: string | null;
  /** A moderator muted me here until then (ms since the epoch; 0: not muted). */
  mutedUntil: number;
  /** The room's topic from `joined` and `topic` events (Version 1.1, issue 15); "" when none. */
  topic: string;
  /** My notification level here, from `api/me/rooms` or the bell; null until known (`notifyLevel`). */
  notify: NotifyLevel | null;
}

/** A private room or DM this account may join and has not opened (from `api/rooms`). */
export interface AvailableRoom {
  name: string;
  kind: Exclude<RoomKind, 'public'>;
  peer: string | null;
}

/** One row of `GET api/rooms`. */
export interface RoomSummary {
  name: string;
  private: boolean;
  online: number;
  lastSeq: number;
  /** Version 1.1 (issue 15): the room's topic, when one is set. */
  topic?: string;
}

/** docs/protocol.md, "Mentions, read state and the user's rooms": what a room notifies me of. */
export { NOTIFY_LEVELS, type NotifyLevel } from '@chat/protocol';

/** One row of `GET api/me/rooms`: a room this user keeps, from any device. */
export interface ListedRoom {
  name: string;
  kind: RoomKind;
  lastSeq: number;
  readSeq: number;
  unread: number;
  mentions: number;
  notify: NotifyLevel;
  /** A DM's other person (an extension of this server). */
  peer?: User;
}

/** A guest's change of name (`nick`), asked from the user menu. */
export interface RenameState {
  /** Sent, awaiting the server's reply. */
  pending: boolean;
  /** Why the last change was refused: `invalid_nick`, `nick_taken`, `rate_limited`, `offline`, or another error code. */
  error: string | null;
  /** Counts changes that took effect, so the UI can close its field when one does. */
  done: number;
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
   * an ordinary room.
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
  /** A guest's change of name in progress, or how the last one ended. */
  rename: RenameState;
}

/** How long the "Mute" action of the member menu mutes. */
export const MUTE_MS = 10 * 60_000;

/** docs/protocol.md, "WebSocket requests": the server names DM rooms `dm-` and a hash. */
const DM_PREFIX = 'dm-';

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
    rename: { pending: false, error: null, done: 0 },
  };
}

export function newRoom(name: string): RoomState {
  return {
    name,
    joined: false,
    lastSeq: 0,
    messages: [],
    outbox: [],
    changes: [],
    changeSeqs: [],
    hasOlder: false,
    loadingOlder: false,
    unread: 0,
    mentions: 0,
    mentionSeqs: [],
    readSeq: 0,
    online: 0,
    members: [],
    typing: [],
    kind: isDmName(name) ? 'dm' : null,
    role: null,
    peer: null,
    mutedUntil: 0,
    topic: '',
    notify: null,
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

/** `roomLabel` of a room by name, which this client may not hold (then `#name`). */
export function labelOf(state: Pick<ChatState, 'rooms'>, name: string): string {
  const room = state.rooms.get(name);
  return room ? roomLabel(room) : `#${name}`;
}

/** May this role invite, kick, ban and mute? */
export function canModerate(role: RoomRole | null): boolean {
  return role === 'owner' || role === 'moderator';
}

/** The room's notification level: the server's, else its default (`all` in DMs, `mentions` elsewhere). */
export function notifyLevel(room: Pick<RoomState, 'name' | 'kind' | 'notify'>): NotifyLevel {
  return room.notify ?? defaultNotifyLevel(isDmName(room.name) ? 'dm' : room.kind);
}
