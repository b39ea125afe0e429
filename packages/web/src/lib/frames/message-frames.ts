// Stored messages reaching the timeline: a live `message`, the `ack` of one of ours, and a page of
// `history` (docs/protocol.md, "Send → ack → message" and "history → history").
import { isMessage, type AckFrame, type ChatMessage, type HistoryReplyFrame, type LogEntry } from '@chat/protocol';
import type { RoomState } from '../chat-state.js';
import { receiveEntries } from './change-frames.js';
import type { FrameContext } from './frame-context.js';

export function onMessage(ctx: FrameContext, message: ChatMessage): void {
  const { state } = ctx;
  const room = state.rooms.get(message.room);
  if (!room) return;
  const mine = message.from.id === state.me?.id;
  if (mine) ctx.outbox.settle(room, message.clientId);
  const added = ctx.outbox.receive(room, [message]);
  if (!mine) ctx.rooms.learnPeer(room, [message.from]);
  room.typing = room.typing.filter((t) => t.user.id !== message.from.id);
  // Unread until seen: the message list reports what is on screen (RoomList.seen).
  if (added) ctx.rooms.arrived(room, [message]);
  // A `message` frame is live: what a join or resume brings comes in `joined` or `history`.
  if (added && !mine) ctx.live(room, message);
}

export function onAck(ctx: FrameContext, frame: AckFrame): void {
  const room = ctx.state.rooms.get(frame.room);
  const entry = room?.outbox.find((m) => m.clientId === frame.id);
  if (!room || !entry) return;
  if (ctx.state.notice === 'muted') ctx.notices.clear();
  ctx.outbox.settle(room, frame.id);
  ctx.outbox.receive(room, [{ ...entry, seq: frame.seq, ts: frame.ts, status: 'sent' }]);
  ctx.rooms.sent(room, frame.seq);
}

/** Applies log entries (messages and changes, in seq order); resolves with the messages that were not held before. */
export function receiveNew(ctx: FrameContext, room: RoomState, entries: LogEntry[]): ChatMessage[] {
  const held = new Set(room.messages.map((m) => m.seq));
  receiveEntries(ctx, room, entries);
  return entries.filter(isMessage).filter((m) => !held.has(m.seq));
}

/** A page older than what is held (scrolling up), or newer (after a capped resume: keep paging). */
export function onHistory(ctx: FrameContext, frame: HistoryReplyFrame): void {
  const room = ctx.state.rooms.get(frame.room);
  if (!room) return;
  const ref = frame.ref ?? '';
  if (ctx.refs.refRoom(ref, 'older') !== null) {
    room.loadingOlder = false;
    room.hasOlder = frame.hasMore;
    receiveEntries(ctx, room, frame.messages);
    ctx.rooms.history(room, frame.messages.filter(isMessage));
  } else if (ctx.refs.refRoom(ref, 'newer') !== null) {
    ctx.rooms.arrived(room, receiveNew(ctx, room, frame.messages));
    if (frame.hasMore) ctx.rooms.loadNewer(room);
  }
}
