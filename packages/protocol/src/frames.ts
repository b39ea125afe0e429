// Wire protocol version 1, as docs/protocol.md tells it (frames, a worked session, every
// decision where the contract is silent). Names and meanings here never change; new fields and
// frame types may be added.

import type { ChangedFrame, EditFrame, LogEntry, ReactFrame, RedactFrame, UpdatedFrame } from './changes.js';
import type { ChatMessage, User } from './message.js';

export const PROTOCOL_VERSION = 1;

// ---- client → server -------------------------------------------------------------------------

interface Ref {
  /** Echoed into the reply to this frame, or into the error it causes. At most 64 characters. */
  ref?: string;
}

export interface JoinFrame extends Ref {
  type: 'join';
  room: string;
  /** Resume: the last seq the client saw; the reply's history then holds every later message. */
  since?: number;
}
export interface LeaveFrame extends Ref {
  type: 'leave';
  room: string;
}
export interface SendFrame extends Ref {
  type: 'send';
  room: string;
  /** Trimmed by the validator; 1..maxMessageChars code points ("" allowed when `files` are sent). */
  text: string;
  /** The client's idempotency key, 1..64 characters. */
  id: string;
  /** Version 1.1: the seq of the message of this room it answers. */
  replyTo?: number;
  /** Version 1.1: 1..MAX_FILES_PER_MESSAGE distinct ids of files this user uploaded to this room and has not sent yet. */
  files?: string[];
}

export interface HistoryFrame extends Ref {
  type: 'history';
  room: string;
  before?: number;
  after?: number;
  limit?: number;
}
export interface TypingFrame extends Ref {
  type: 'typing';
  room: string;
}
export interface PingFrame extends Ref {
  type: 'ping';
}
export interface NickFrame extends Ref {
  type: 'nick';
  /** Trimmed by the validator. */
  nick: string;
}

// Accounts, private rooms and moderation (signed-in users; guests get `unauthorized`).

export interface CreateFrame extends Ref {
  type: 'create';
  room: string;
  /** A private room: only its owner, moderators and invited users may join. */
  private?: boolean;
}
export interface InviteFrame extends Ref {
  type: 'invite';
  room: string;
  /** The invitee's username. */
  user: string;
}
/** kick, ban, unban and op name the target by user id. */
export interface TargetFrame<T extends 'kick' | 'ban' | 'unban' | 'op'> extends Ref {
  type: T;
  room: string;
  user: string;
}
export type KickFrame = TargetFrame<'kick'>;
export type BanFrame = TargetFrame<'ban'>;
export type UnbanFrame = TargetFrame<'unban'>;
export type OpFrame = TargetFrame<'op'>;
export interface MuteFrame extends Ref {
  type: 'mute';
  room: string;
  user: string;
  /** How long the user's `send` to the room is refused. */
  ms: number;
}
export interface DmFrame extends Ref {
  type: 'dm';
  /** The other user's username. */
  user: string;
}
/** Deletes a room and its messages: its owner or a server admin; never the lobby or a DM. */
export interface DeleteFrame extends Ref {
  type: 'delete';
  room: string;
}
/** Version 1.1: raises this user's read marker in the room to `seq` (no reply; never lowers it). */
export interface ReadFrame extends Ref {
  type: 'read';
  room: string;
  seq: number;
}

/**
 * Version 1.1 (issue 15): sets the room's topic (the owner, moderators and admins; not in a DM).
 * Trimmed by the validator; 0..MAX_TOPIC_CHARS code points, no control characters; "" clears it.
 */
export interface TopicFrame extends Ref {
  type: 'topic';
  room: string;
  topic: string;
}

export type ClientFrame =
  | JoinFrame
  | LeaveFrame
  | SendFrame
  | HistoryFrame
  | TypingFrame
  | PingFrame
  | NickFrame
  | CreateFrame
  | InviteFrame
  | KickFrame
  | BanFrame
  | UnbanFrame
  | OpFrame
  | MuteFrame
  | DmFrame
  | DeleteFrame
  | ReadFrame
  | TopicFrame
  | EditFrame
  | RedactFrame
  | ReactFrame;

export type ClientFrameType = ClientFrame['type'];

// ---- server → client -------------------------------------------------------------------------

export interface WelcomeFrame {
  type: 'welcome';
  protocol: typeof PROTOCOL_VERSION;
  user: User;
  /** Distinct users connected (cluster-wide). */
  online: number;
  serverTime: number;
  /** Guests only: reconnect with `/ws?token=…` to be the same user again. */
  token?: string;
}
export interface JoinedFrame extends Ref {
  type: 'joined';
  room: string;
  /** Extension: public, private or dm (a private two-person room). */
  kind?: 'public' | 'private' | 'dm';
  /** Extension: this user's role in the room (owner, moderator, member), or null. Admins are owners. */
  role?: 'owner' | 'moderator' | 'member' | null;
  /** The room's last stored seq (0 for an empty room). */
  seq: number;
  /** Version 1.1: this user's read marker in the room. */
  readSeq?: number;
  /** Version 1.1 (issue 15): the room's topic, present when one is set. */
  topic?: string;
  online: number;
  members: User[];
  /** Backward (no `since`): messages only. Forward (`since`): every entry, changes too. */
  history: LogEntry[];
  hasMore: boolean;
}
export interface LeftFrame extends Ref {
  type: 'left';
  room: string;
}
export interface AckFrame extends Ref {
  type: 'ack';
  room: string;
  id: string;
  seq: number;
  msgId: string;
  ts: number;
}
export interface HistoryReplyFrame extends Ref {
  type: 'history';
  room: string;
  /** Backward (`before` or neither): messages only. Forward (`after`): every entry, changes too. */
  messages: LogEntry[];
  hasMore: boolean;
}
export interface PongFrame extends Ref {
  type: 'pong';
}
export interface NickReplyFrame extends Ref {
  type: 'nick';
  nick: string;
}
export interface CreatedFrame extends Ref {
  type: 'created';
  room: string;
}
export interface InvitedFrame extends Ref {
  type: 'invited';
  room: string;
  user: User;
}
/** This connection was removed from the room by a moderator (kick or ban) or the room was deleted. */
export interface KickedFrame {
  type: 'kicked';
  room: string;
  reason?: 'kick' | 'ban' | 'delete';
}
export type ModerationAction = 'kick' | 'ban' | 'unban' | 'mute' | 'op';
export interface ModeratedFrame extends Ref {
  type: 'moderated';
  action: ModerationAction;
  room: string;
  user: User;
  /** For mute: until when (ms since the epoch). */
  until?: number;
}
/** Extension: you were invited to a private room (`join` it to enter). */
export interface InvitationFrame {
  type: 'invitation';
  room: string;
  by: User;
  /** Version 1.1: `dm` when `by` started a direct message with you (it is in your room list). */
  kind?: 'dm' | 'private';
}
/** Version 1.1: this user's read marker in the room rose to `seq` (from any of its connections). */
export interface ReadEventFrame {
  type: 'read';
  room: string;
  seq: number;
}

/**
 * Version 1.1 (issue 15): the room's topic changed (to "" when cleared): the reply to `topic` (with
 * its ref) and, without a ref, the event every connection in the room gets, on every node.
 */
export interface TopicEventFrame extends Ref {
  type: 'topic';
  room: string;
  topic: string;
  by: User;
}

export interface DeletedFrame extends Ref {
  type: 'deleted';
  room: string;
}

export interface PresenceFrame {
  type: 'presence';
  room: string;
  online: number;
  joined?: User;
  left?: User;
  renamed?: User;
}
export interface TypingEventFrame {
  type: 'typing';
  room: string;
  user: User;
}
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  ref?: string;
  retryAfterMs?: number;
}

export type ServerFrame =
  | WelcomeFrame
  | JoinedFrame
  | LeftFrame
  | AckFrame
  | HistoryReplyFrame
  | PongFrame
  | NickReplyFrame
  | ChatMessage
  | PresenceFrame
  | TypingEventFrame
  | ErrorFrame
  | CreatedFrame
  | InvitedFrame
  | KickedFrame
  | ModeratedFrame
  | DeletedFrame
  | InvitationFrame
  | ReadEventFrame
  | TopicEventFrame
  | ChangedFrame
  | UpdatedFrame;

export const ERROR_CODES = [
  'bad_request',
  'unsupported',
  'invalid_room',
  'invalid_nick',
  'invalid_text',
  'not_member',
  'rate_limited',
  'nick_taken',
  'unauthorized',
  'forbidden',
  'not_found',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = {
  /** RFC 6455 §7.4.1: the server is going away (shutdown); reconnect and resume. */
  goingAway: 1001,
  /** RFC 6455 §7.4.1: a frame larger than maxFrameBytes; do not resend it. */
  tooBig: 1009,
  /** Unsent data passed the slow-consumer limit; reconnect and resume with `since`. */
  slowConsumer: 4008,
} as const;

/**
 * WebSocket subprotocols (Sec-WebSocket-Protocol, RFC 6455 §4.1). A client may offer its token as
 * `token.<TOKEN>` beside `chat`, instead of `?token=` in the URL, where proxies and browsers log it.
 * The server selects `chat` when it is offered, never the token's entry (docs/protocol.md, Identity).
 */
export const WS_PROTOCOL = 'chat';
export const WS_TOKEN_PROTOCOL_PREFIX = 'token.';
