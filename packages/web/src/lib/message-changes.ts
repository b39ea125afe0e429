// Our changes to stored messages (Version 1.1, docs/protocol.md "The room log"): edits, redactions
// and reactions. Like unsent messages (outbox.ts) they wait while offline, survive a reload and go
// out after the room's join answers, in the order they were made; each leaves the queue when the
// server's `updated` answers it and its log entry (`changed`) is held, so the message never shows
// its old state in between. A change is sent once per connection: one whose reply died with the
// socket goes again after the next join, which is harmless because every change is idempotent on
// the server (the same text, a reaction already there, a second redaction store nothing). Until
// then the UI shows the message as the change will leave it (`shownMessage`).
import { MAX_EMOJI_CHARS, charCount, replyExcerpt, type ClientFrame, type ErrorFrame, type Reaction, type ReplyExcerpt, type UpdatedFrame, type User } from '@chat/protocol';
import type { ChatState, DisplayMessage, PendingChange, RoomState } from './chat-state.js';
import type { ClientStorage } from './client-storage.js';
import type { Notices } from './notices.js';
import { tooLong } from './outbox.js';
import { findMessage } from './timeline.js';

/** The ref prefix of a change: `chg:<id>`. */
export const CHANGE_REF = 'chg:';

/** How long to wait before sending again after `internal` (which has no retryAfterMs). */
const INTERNAL_RETRY_MS = 1000;

export interface MessageChangesContext {
  readonly state: ChatState;
  readonly storage: ClientStorage;
  readonly notices: Notices;
  now(): number;
  transmit(frame: ClientFrame): void;
}

type ChangeRequest = Pick<PendingChange, 'action' | 'target' | 'text' | 'emoji' | 'on'>;

export class MessageChanges {
  private counter = 0;

  constructor(private readonly ctx: MessageChangesContext) {}

  /** Replaces the text of my message `seq`; false when refused here (not mine, deleted, empty or too long). */
  edit(roomName: string, seq: number, text: string): boolean {
    const found = this.target(roomName, seq);
    const trimmed = text.trim();
    if (!found || !trimmed || tooLong(trimmed) || found.message.from.id !== this.ctx.state.me?.id) return false;
    if (shownMessage(found.message, found.room.changes, this.ctx.state.me).text === trimmed) return true;
    this.queue(found.room, { action: 'edit', target: seq, text: trimmed });
    return true;
  }

  /** Deletes message `seq` (mine, or anyone's for the room's owner and moderators: the server decides). */
  redact(roomName: string, seq: number): boolean {
    const found = this.target(roomName, seq);
    if (!found) return false;
    this.queue(found.room, { action: 'redact', target: seq });
    return true;
  }

  /** Adds (on) or takes back my reaction `emoji` to message `seq`. */
  react(roomName: string, seq: number, emoji: string, on: boolean): boolean {
    const found = this.target(roomName, seq);
    const e = normalizeEmoji(emoji);
    if (!found || charCount(e) < 1 || charCount(e) > MAX_EMOJI_CHARS || /[\s\p{Cc}]/u.test(e)) return false;
    this.queue(found.room, { action: 'react', target: seq, emoji: e, on });
    return true;
  }

  /** The room's join answered: its changes not yet sent on this connection go out, in order. */
  flush(room: RoomState): void {
    for (const change of room.changes) if (change.status === 'queued') this.transmit(room, change);
  }

  /** The socket is gone: replies to changes sent on it will never come, so they go again after the next join. */
  disconnected(): void {
    for (const room of this.ctx.state.rooms.values()) for (const c of room.changes) if (c.status === 'sent') c.status = 'queued';
  }

  /** `updated`: the change is stored (or changed nothing); it stays shown until its log entry is held. */
  answered(frame: UpdatedFrame): void {
    const found = this.byRef(frame.ref);
    if (!found) return;
    const { room, change } = found;
    if (frame.seq === undefined) return this.remove(room, change);
    Object.assign(change, { status: 'stored', seq: frame.seq });
    this.settle(room);
  }

  /** Drops the stored changes whose log entry the room now holds (its message, or the resume point, got there). */
  settle(room: RoomState): void {
    const done = (c: PendingChange) =>
      c.status === 'stored' && (c.seq! <= room.lastSeq || (findMessage(room, c.target)?.version ?? 0) >= c.seq!);
    if (room.changes.some(done)) {
      room.changes = room.changes.filter((c) => !done(c));
      this.save();
    }
  }

  /** An error answering a change (ref `chg:…`): busy means later; anything else fails it, with a notice. */
  refused(frame: ErrorFrame): void {
    const found = this.byRef(frame.ref);
    if (!found) return;
    const { room, change } = found;
    if (frame.code === 'rate_limited' || frame.code === 'internal') {
      setTimeout(() => {
        if (room.joined && change.status === 'sent' && room.changes.includes(change)) this.transmit(room, change);
      }, frame.retryAfterMs ?? INTERNAL_RETRY_MS);
      return;
    }
    Object.assign(change, { status: 'failed', error: frame.code });
    this.save();
    this.ctx.notices.set(`change_failed_${change.action}`, { reason: frame.code });
  }

  /** Forgets a failed change (the message shows its stored state again). */
  dismiss(roomName: string, id: string): void {
    const room = this.ctx.state.rooms.get(roomName);
    const change = room?.changes.find((c) => c.id === id);
    if (room && change) this.remove(room, change);
  }

  /** Tries a failed change again. */
  retry(roomName: string, id: string): void {
    const room = this.ctx.state.rooms.get(roomName);
    const change = room?.changes.find((c) => c.id === id && c.status === 'failed');
    if (!room || !change) return;
    change.status = 'queued';
    delete change.error;
    if (room.joined) this.transmit(room, change);
  }

  save(): void {
    this.ctx.storage.saveChanges(this.ctx.state.rooms.values());
  }

  private target(roomName: string, seq: number): { room: RoomState; message: DisplayMessage } | undefined {
    const room = this.ctx.state.rooms.get(roomName);
    const message = room && findMessage(room, seq);
    if (!room || !message || message.deleted || room.changes.some((c) => c.target === seq && c.action === 'redact' && c.status !== 'failed')) return undefined;
    return { room, message };
  }

  /**
   * Queues a change, folding it into one not yet sent where only the latest counts: a second edit
   * replaces the first's text, a reaction taken back before it went out cancels it, and a deletion
   * makes the queued edits and reactions of that message moot.
   */
  private queue(room: RoomState, request: ChangeRequest): void {
    const unsent = (c: PendingChange) => c.status === 'queued' && c.target === request.target;
    if (request.action === 'redact') room.changes = room.changes.filter((c) => !unsent(c));
    const same = room.changes.find((c) => unsent(c) && c.action === request.action && c.emoji === request.emoji);
    if (same && request.action === 'edit') {
      same.text = request.text!;
      same.ts = this.ctx.now();
      return this.save();
    }
    if (same && request.action === 'react') {
      room.changes = room.changes.filter((c) => c !== same);
      if (same.on !== request.on) return this.save();
    }
    const change: PendingChange = { id: this.newId(), ...request, status: 'queued', ts: this.ctx.now() };
    room.changes.push(change);
    this.save();
    if (room.joined) this.transmit(room, change);
  }

  private transmit(room: RoomState, change: PendingChange): void {
    change.status = 'sent';
    const base = { room: room.name, seq: change.target, ref: CHANGE_REF + change.id };
    if (change.action === 'edit') this.ctx.transmit({ type: 'edit', ...base, text: change.text! });
    else if (change.action === 'redact') this.ctx.transmit({ type: 'redact', ...base });
    else this.ctx.transmit({ type: 'react', ...base, emoji: change.emoji!, on: change.on! });
  }

  private byRef(ref: string | undefined): { room: RoomState; change: PendingChange } | undefined {
    if (!ref?.startsWith(CHANGE_REF)) return undefined;
    const id = ref.slice(CHANGE_REF.length);
    for (const room of this.ctx.state.rooms.values()) {
      const change = room.changes.find((c) => c.id === id);
      if (change) return { room, change };
    }
    return undefined;
  }

  private remove(room: RoomState, change: PendingChange): void {
    room.changes = room.changes.filter((c) => c !== change);
    this.save();
  }

  /** Unique across reloads (the time) and within one (a counter); short, for the ref. */
  private newId(): string {
    return `${this.ctx.now().toString(36)}${(++this.counter).toString(36)}`;
  }
}

/**
 * One form per emoji: a variation selector after a character that is an emoji anyway (👍️ from an
 * emoji list, 👍 typed) is dropped, so both count as one reaction; ❤️ keeps its, which it needs.
 */
export function normalizeEmoji(emoji: string): string {
  return emoji.trim().replace(/(\p{Emoji_Presentation})\uFE0F/gu, '$1');
}

/**
 * A stored message as our unanswered changes will leave it: the edited text, deleted, our
 * reactions added or taken back. Failed changes are not shown. Returns the message itself when no
 * change touches it (the common case: no copy).
 */
export function shownMessage(message: DisplayMessage, changes: PendingChange[], me: User | null): DisplayMessage {
  if (message.seq === null || changes.length === 0) return message;
  const mine = changes.filter((c) => c.target === message.seq && c.status !== 'failed');
  if (mine.length === 0) return message;
  const shown: DisplayMessage = { ...message };
  for (const change of mine) applyLocally(shown, change, me?.id ?? '');
  return shown;
}

function applyLocally(shown: DisplayMessage, change: PendingChange, me: string): void {
  if (change.action === 'edit') Object.assign(shown, { text: change.text!, edited: change.ts });
  else if (change.action === 'redact') {
    Object.assign(shown, { text: '', deleted: true });
    for (const key of ['reactions', 'replyTo', 'mentions', 'files'] as const) delete shown[key];
  } else shown.reactions = toggled(shown.reactions ?? [], change.emoji!, me, change.on!);
}

/** Reactions with mine on or off for one emoji (a new emoji goes last: in order of first use). */
export function toggled(reactions: Reaction[], emoji: string, me: string, on: boolean): Reaction[] {
  const index = reactions.findIndex((r) => r.emoji === emoji);
  const current = reactions[index];
  const has = current?.users.includes(me) ?? false;
  if (has === on) return reactions;
  if (!current) return [...reactions, { emoji, count: 1, users: [me] }];
  const next = on ? { emoji, count: current.count + 1, users: [...current.users, me] } : { emoji, count: current.count - 1, users: current.users.filter((u) => u !== me) };
  return next.count > 0 ? reactions.map((r, i) => (i === index ? next : r)) : reactions.filter((_, i) => i !== index);
}

/** What a reply to message `seq` quotes (its sender and text as the server would cut it), if it is held. */
export function quoteOf(room: RoomState, seq: number): ReplyExcerpt | undefined {
  const message = findMessage(room, seq);
  if (!message || message.deleted) return undefined;
  return { seq, from: message.from, text: replyExcerpt(message.text) };
}
