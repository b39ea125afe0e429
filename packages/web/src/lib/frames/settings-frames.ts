// A room's settings (Version 1.1, issue 15; docs/protocol.md, "Room settings"): `topic`, the reply
// to ours (with its ref) or news that someone changed it (without). The deletion of a room comes
// as `deleted` (moderation-frames.ts) and `kicked` with reason delete (room-frames.ts).
import type { TopicEventFrame } from '@chat/protocol';
import { labelOf } from '../chat-state.js';
import type { FrameContext } from './frame-context.js';

export function onTopic(ctx: FrameContext, frame: TopicEventFrame): void {
  const room = ctx.state.rooms.get(frame.room);
  if (room) room.topic = frame.topic;
  if (ctx.refs.take(frame.ref)) ctx.notices.confirm(frame.topic === '' ? 'topic_cleared' : 'topic_set', { room: labelOf(ctx.state, frame.room) });
}
