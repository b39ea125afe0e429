// Being in a room: `joined` (a first join, a resume, or the DM we asked for; docs/protocol.md,
// "join → joined" and "Resume after a dropped connection"), `left`, and `kicked`.
import { isMessage, type JoinedFrame, type KickedFrame } from '@chat/protocol';
import { isDmName, LOBBY, roomLabel } from '../chat-state.js';
import { receiveEntries } from './change-frames.js';
import type { FrameContext } from './frame-context.js';
import { receiveNew } from './message-frames.js';

export function onJoined(ctx: FrameContext, frame: JoinedFrame): void {
  const { state, rooms } = ctx;
  const action = ctx.refs.take(frame.ref);
  if (action?.kind === 'dm') {
    // The DM room: new to us unless we had it already; either way it becomes the active room.
    if (!state.rooms.has(frame.room)) {
      rooms.add(frame.room);
      state.available = state.available.filter((r) => r.name !== frame.room);
    }
    const dm = state.rooms.get(frame.room)!;
    dm.kind = 'dm';
    if (dm.peer !== action.user) rooms.setPeer(dm, action.user);
    ctx.notices.clear();
    rooms.activate(frame.room);
  }
  const room = state.rooms.get(frame.room);
  if (!room) return;
  const fresh = rooms.takeFresh(frame.room);
  room.joined = true;
  room.online = frame.online;
  room.members = frame.members;
  room.kind = frame.kind ?? (isDmName(frame.room) ? 'dm' : 'public');
  room.role = frame.role ?? null;
  room.topic = frame.topic ?? '';
  rooms.learnPeer(room, [...frame.members, ...frame.history.filter(isMessage).map((m) => m.from)]);
  const history = frame.history.filter(isMessage);
  if (fresh) {
    room.messages = [];
    room.changeSeqs = [];
    room.hasOlder = frame.hasMore;
    room.lastSeq = frame.seq;
    receiveEntries(ctx, room, frame.history);
    rooms.joinedRead(room, frame.readSeq, true, frame.seq);
    rooms.history(room, history);
  } else {
    // Messages missed while offline count as unread like live ones.
    const missed = receiveNew(ctx, room, frame.history);
    rooms.joinedRead(room, frame.readSeq, false, frame.seq);
    rooms.arrived(room, missed);
    if (frame.hasMore) rooms.loadNewer(room);
  }
  ctx.outbox.flush(room);
  ctx.changes.flush(room);
}

/** The room was already forgotten when we sent `leave`. */
export function onLeft(): void {}

/** Removed from a room by a moderator, a ban, or its deletion: it goes, and we say why. */
export function onKicked(ctx: FrameContext, frame: KickedFrame): void {
  const room = ctx.state.rooms.get(frame.room);
  if (!room) return;
  const label = roomLabel(room);
  const reason = frame.reason ?? 'kick';
  if (reason !== 'kick') ctx.rooms.refused.add(frame.room);
  if (frame.room === LOBBY) {
    // The lobby stays in the list; it is joined again on the next connection.
    room.joined = false;
    room.members = [];
  } else {
    ctx.rooms.remove(frame.room);
  }
  ctx.notices.set(`kicked_${reason}`, { room: label });
}
