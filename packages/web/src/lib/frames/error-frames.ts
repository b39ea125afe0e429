// `error` (docs/protocol.md, "Errors"): its `ref` says what it answers. A send is retried or
// marked failed; a refused action gets words that fit it; a failed join or history page ends its
// waiting; anything else becomes the notice.
import type { ErrorFrame } from '@chat/protocol';
import { LOBBY, labelOf, roomLabel } from '../chat-state.js';
import { CHANGE_REF } from '../message-changes.js';
import type { PendingAction } from '../request-refs.js';
import type { FrameContext } from './frame-context.js';

/** How long to wait before resending after `internal` (which has no retryAfterMs). */
const INTERNAL_RETRY_MS = 1000;

export function onError(ctx: FrameContext, frame: ErrorFrame): void {
  const { state } = ctx;
  const ref = frame.ref ?? '';
  if (ref.startsWith('send:')) return onSendError(ctx, ref.slice(5), frame);
  if (ref.startsWith(CHANGE_REF)) return ctx.changes.refused(frame);
  const action = ctx.refs.take(ref);
  if (action) return onRefused(ctx, action, frame);
  const older = ctx.refs.refRoom(ref, 'older');
  if (older !== null) {
    const room = state.rooms.get(older);
    if (room) room.loadingOlder = false;
  }
  const joinRoom = ctx.refs.refRoom(ref, 'join');
  if (joinRoom !== null && frame.code === 'internal') {
    setTimeout(() => {
      if (state.status === 'online' && state.rooms.get(joinRoom)?.joined === false) ctx.rooms.join(joinRoom);
    }, INTERNAL_RETRY_MS);
  }
  if (joinRoom !== null && (frame.code === 'forbidden' || frame.code === 'not_found')) {
    // A private room without an invitation, a ban, or a DM that is gone: the room goes.
    const label = labelOf(state, joinRoom);
    ctx.rooms.refused.add(joinRoom);
    if (joinRoom !== LOBBY) ctx.rooms.remove(joinRoom);
    return ctx.notices.set(frame.code === 'forbidden' ? 'join_forbidden' : 'join_not_found', { room: label });
  }
  ctx.notices.set(frame.code);
}

/** Busy or broken: resend later with the same id. Anything else: the message failed. */
function onSendError(ctx: FrameContext, clientId: string, frame: ErrorFrame): void {
  const found = ctx.outbox.find(clientId);
  if (!found) return;
  const { room, entry } = found;
  if (frame.code === 'rate_limited' || frame.code === 'internal') {
    setTimeout(() => {
      if (room.joined && entry.status === 'pending' && room.outbox.includes(entry)) ctx.outbox.transmit(room.name, entry);
    }, frame.retryAfterMs ?? INTERNAL_RETRY_MS);
    return;
  }
  entry.status = 'failed';
  entry.error = frame.code;
  // The only `forbidden` a send gets: a moderator muted us here.
  if (frame.code === 'forbidden') ctx.notices.set('muted', { room: roomLabel(room) });
}

/** A request of ours was refused: say so in words that fit the request. */
function onRefused(ctx: FrameContext, action: PendingAction, frame: ErrorFrame): void {
  const { notices } = ctx;
  const code = frame.code;
  // A refused name is said beside the field it was typed in, not as a notice.
  if (action.kind === 'nick') {
    ctx.state.rename.pending = false;
    ctx.state.rename.error = code;
    return;
  }
  if (code === 'unauthorized' || code === 'rate_limited') return notices.set(code);
  if (action.kind === 'create') {
    // A public room of that name exists (or this server lets only some create rooms): join it.
    if (code === 'forbidden' && !action.private) return ctx.rooms.open(action.room);
    if (code === 'forbidden') return notices.set('room_exists', { room: `#${action.room}` });
    return notices.set(code);
  }
  if (action.kind === 'topic' || action.kind === 'delete') {
    if (code === 'bad_request' && action.kind === 'topic') return notices.set('topic_invalid');
    if (code === 'forbidden') return notices.set('not_allowed');
    if (code === 'not_found') return notices.set('join_not_found', { room: labelOf(ctx.state, action.room) });
    return notices.set(code);
  }
  // Invitations, DMs and moderation name a user who may not exist, or an act not allowed.
  if (code === 'not_found') return notices.set('user_not_found', { user: action.kind === 'moderate' ? action.user.nick : action.user });
  if (code === 'forbidden') return notices.set('not_allowed');
  notices.set(code);
}
