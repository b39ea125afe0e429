// Stored messages reaching the timeline: a live `message`, the `ack` of one of ours, and a page of
// `history` (docs/protocol.md, "Send → ack → message" and "history → history").
import type { AckFrame, ChatMessage, HistoryReplyFrame } from '@chat/protocol';
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
  if (!added || mine) return;
  if (state.activeRoom !== room.name || state.hidden) room.unread++;
  else ctx.rooms.readSoon(room.name);
}

export function onAck(ctx: FrameContext, frame: AckFrame): void {
  const room = ctx.state.rooms.get(frame.room);
  const entry = room?.outbox.find((m) => m.clientId === frame.id);
  if (!room || !entry) return;
  if (ctx.state.notice === 'muted') ctx.notices.clear();
  ctx.outbox.settle(room, frame.id);
  ctx.outbox.receive(room, [{ ...entry, seq: frame.seq, ts: frame.ts, status: 'sent' }]);
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
  } else if (ctx.refs.refRoom(ref, 'newer') !== null) {
    receiveEntries(ctx, room, frame.messages);
    if (frame.hasMore) ctx.rooms.loadNewer(room);
  }
}
