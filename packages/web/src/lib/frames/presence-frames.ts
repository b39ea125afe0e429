// Who is in a room and who is typing (docs/protocol.md, "Events"): `presence` (joined, left,
// renamed, or a coalesced count) and `typing`.
import type { PresenceFrame, TypingEventFrame } from '@chat/protocol';
import type { FrameContext } from './frame-context.js';

/** How long a typing user is shown without a new `typing` (the sender repeats every 3 s). */
const TYPING_SHOWN_MS = 5000;

export function onPresence(ctx: FrameContext, frame: PresenceFrame): void {
  const { state } = ctx;
  const room = state.rooms.get(frame.room);
  if (!room) return;
  room.online = frame.online;
  if (frame.joined && !room.members.some((m) => m.id === frame.joined!.id)) room.members.push(frame.joined);
  if (frame.joined) ctx.rooms.learnPeer(room, [frame.joined]);
  if (frame.left) room.members = room.members.filter((m) => m.id !== frame.left!.id);
  if (frame.renamed) {
    const renamed = frame.renamed;
    room.members = room.members.map((m) => (m.id === renamed.id ? renamed : m));
    if (state.me?.id === renamed.id) state.me = renamed;
  }
}

export function onTyping(ctx: FrameContext, frame: TypingEventFrame): void {
  const room = ctx.state.rooms.get(frame.room);
  if (!room) return;
  room.typing = [...room.typing.filter((t) => t.user.id !== frame.user.id), { user: frame.user, until: ctx.now() + TYPING_SHOWN_MS }];
}
