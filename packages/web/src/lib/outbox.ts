// Messages written but not yet stored (docs/protocol.md, "Send → ack → message" and "Idempotent
// resend"). Each keeps its client id through resends, reconnects and reloads, so the server stores
// it once however often it goes out; it leaves the outbox when its ack or its stored copy arrives.
import { charCount, DEFAULT_LIMITS, MAX_FILES_PER_MESSAGE, type ChatMessage, type ClientFrame, type FileInfo, type ReplyExcerpt, type User } from '@chat/protocol';
import type { ChatState, DisplayMessage, RoomState } from './chat-state.js';
import type { ClientStorage } from './client-storage.js';
import { insertMessages, messageKey } from './timeline.js';

/** The longest message the server stores (the protocol's default; the client is not told another). */
export const MAX_MESSAGE_CHARS = DEFAULT_LIMITS.maxMessageChars;

/** A draft's length as the server counts it: code points, after trimming (an emoji is one). */
export function messageChars(text: string): number {
  return charCount(text.trim());
}

/** The server would refuse this text, so it must stay with the writer to be shortened. */
export function tooLong(text: string): boolean {
  return messageChars(text) > MAX_MESSAGE_CHARS;
}

export interface OutboxContext {
  readonly state: ChatState;
  readonly storage: ClientStorage;
  now(): number;
  random(): number;
  transmit(frame: ClientFrame): void;
}

export class Outbox {
  constructor(private readonly ctx: OutboxContext) {}

  /**
   * Queues a message; it is sent now if the room is joined, else after its next `joined`. Returns
   * false, queueing nothing, for an unknown room, empty text or text over the limit: the server
   * would refuse the last, and a failed message could be neither retried nor edited. `replyTo`: the
   * message it answers (Version 1.1), quoted in the bubble until the stored copy brings the server's.
   * `files`: uploaded files it carries (Version 1.1, "Files"; then the text may be empty), shown in
   * the bubble as the stored copy will show them, and kept with it through reloads and resends.
   */
  write(roomName: string, text: string, replyTo?: ReplyExcerpt, files: FileInfo[] = []): boolean {
    const { state, storage } = this.ctx;
    const room = state.rooms.get(roomName);
    const trimmed = text.trim();
    if (!room || (!trimmed && files.length === 0) || tooLong(trimmed) || files.length > MAX_FILES_PER_MESSAGE) return false;
    // Before the first welcome (a reload while the server is down) the sender is filled in later.
    const from = state.me ? { ...state.me } : { id: '', nick: storage.account() ?? storage.nick() ?? '' };
    const clientId = this.newClientId();
    const entry: DisplayMessage = {
      key: messageKey(clientId, from.id),
      seq: null,
      clientId,
      from,
      text: trimmed,
      ts: this.ctx.now(),
      status: 'pending',
      ...(replyTo ? { replyTo } : {}),
      ...(files.length ? { files: [...files] } : {}),
    };
    room.outbox.push(entry);
    this.save();
    if (room.joined) this.transmit(roomName, entry);
    return true;
  }

  /** Sends a failed message again, with its original id. */
  retry(roomName: string, clientId: string): void {
    const room = this.ctx.state.rooms.get(roomName);
    const entry = room?.outbox.find((m) => m.clientId === clientId);
    if (!room || !entry) return;
    entry.status = 'pending';
    delete entry.error;
    if (room.joined) this.transmit(roomName, entry);
  }

  /** Drops a failed message. */
  discard(roomName: string, clientId: string): void {
    const room = this.ctx.state.rooms.get(roomName);
    if (!room) return;
    room.outbox = room.outbox.filter((m) => m.clientId !== clientId);
    this.save();
  }

  /** The room was joined: its pending messages go out (again), with their ids. */
  flush(room: RoomState): void {
    for (const entry of room.outbox) if (entry.status === 'pending') this.transmit(room.name, entry);
  }

  transmit(roomName: string, entry: DisplayMessage): void {
    // The client id alone finds the message again: `send:room|id` would outgrow 64 characters.
    const replyTo = entry.replyTo ? { replyTo: entry.replyTo.seq } : {};
    const files = entry.files?.length ? { files: entry.files.map((f) => f.id) } : {};
    this.ctx.transmit({ type: 'send', room: roomName, text: entry.text, id: entry.clientId, ref: `send:${entry.clientId}`, ...replyTo, ...files });
  }

  /** The unsent message with this client id, and its room. */
  find(clientId: string): { room: RoomState; entry: DisplayMessage } | undefined {
    for (const room of this.ctx.state.rooms.values()) {
      const entry = room.outbox.find((m) => m.clientId === clientId);
      if (entry) return { room, entry };
    }
    return undefined;
  }

  /** The message is stored: it leaves the outbox. */
  settle(room: RoomState, clientId: string): void {
    const before = room.outbox.length;
    room.outbox = room.outbox.filter((m) => m.clientId !== clientId);
    if (room.outbox.length !== before) this.save();
  }

  /**
   * Stored messages arrive (live, acked, or in a history): into the timeline. Mine among them are
   * no longer pending, even without their ack (it was lost with the connection). Returns how many
   * were new.
   */
  receive(room: RoomState, incoming: Array<ChatMessage | DisplayMessage>): number {
    const me = this.ctx.state.me?.id;
    if (me !== undefined) {
      for (const m of incoming) if (m.seq !== null && m.from.id === me && room.outbox.length > 0) this.settle(room, m.clientId);
    }
    return insertMessages(room, incoming);
  }

  /** Welcome: messages restored from the last visit (no sender yet) were written by this user. */
  claim(user: User): void {
    for (const room of this.ctx.state.rooms.values()) {
      for (const m of room.outbox) if (m.from.id === '') Object.assign(m, { from: { ...user }, key: messageKey(m.clientId, user.id) });
    }
  }

  /** Signed in: messages written as a guest go out as the account (its id comes with welcome). */
  reassign(nick: string): void {
    for (const room of this.ctx.state.rooms.values()) {
      for (const m of room.outbox) Object.assign(m, { from: { id: '', nick }, key: messageKey(m.clientId, '') });
    }
  }

  save(): void {
    this.ctx.storage.saveOutbox(this.ctx.state.rooms.values());
  }

  private newClientId(): string {
    // crypto.randomUUID needs a secure context; a LAN address over plain http is not one.
    const bytes = new Uint8Array(12);
    if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(this.ctx.random() * 256);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }
}
