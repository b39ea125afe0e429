// Version 1.1, the room log (docs/protocol.md, "The room log"): `changed`, an edit, redaction or
// reaction, live or inside a forward read (`joined.history` after `since`, `history` with `after`),
// and `updated`, the reply to our own change. A page of log entries is applied in seq order:
// messages into the timeline, changes onto the messages they change.
import type { ChangedFrame, ChatMessage, LogEntry, UpdatedFrame } from '@chat/protocol';
import type { RoomState } from '../chat-state.js';
import { applyChange } from '../timeline.js';
import type { FrameContext } from './frame-context.js';

export function onChanged(ctx: FrameContext, frame: ChangedFrame): void {
  const room = ctx.state.rooms.get(frame.room);
  if (!room) return;
  applyChange(room, frame);
  ctx.changes.settle(room);
}

export function onUpdated(ctx: FrameContext, frame: UpdatedFrame): void {
  ctx.changes.answered(frame);
}

/** Applies log entries in order (runs of messages at once); returns how many messages were new. */
export function receiveEntries(ctx: FrameContext, room: RoomState, entries: LogEntry[]): number {
  let added = 0;
  let run: ChatMessage[] = [];
  const flush = () => {
    if (run.length) added += ctx.outbox.receive(room, run);
    run = [];
  };
  for (const entry of entries) {
    if (entry.type === 'message') {
      run.push(entry);
      continue;
    }
    flush();
    applyChange(room, entry);
  }
  flush();
  ctx.changes.settle(room);
  return added;
}
