// Replies to account actions and news from moderators (docs/protocol.md, "Accounts, private rooms
// and moderation"): `created`, `invited`, `moderated`, `invitation`, `deleted`.
import type { CreatedFrame, DeletedFrame, InvitationFrame, InvitedFrame, ModeratedFrame } from '@chat/protocol';
import { labelOf } from '../chat-state.js';
import type { FrameContext } from './frame-context.js';

/** Our room was created: it is joined and opened. */
export function onCreated(ctx: FrameContext, frame: CreatedFrame): void {
  ctx.refs.take(frame.ref);
  ctx.notices.clear();
  ctx.rooms.open(frame.room);
}

export function onInvited(ctx: FrameContext, frame: InvitedFrame): void {
  ctx.refs.take(frame.ref);
  ctx.notices.confirm('invited', { user: frame.user.nick, room: labelOf(ctx.state, frame.room) });
}

/**
 * The reply to our moderation, or news about me from someone else (a mute, a promotion). A mute
 * of mine comes when it is done and again on each join while it lasts: the room keeps its end, for
 * the composer; the notice is for news, not for a mute already known.
 */
export function onModerated(ctx: FrameContext, frame: ModeratedFrame): void {
  const room = ctx.state.rooms.get(frame.room);
  const label = labelOf(ctx.state, frame.room);
  const minutes = (until: number) => String(Math.max(1, Math.round((until - ctx.now()) / 60_000)));
  if (frame.ref === undefined && frame.user.id === ctx.state.me?.id) {
    if (frame.action === 'op' && room) room.role = 'moderator';
    if (frame.action === 'mute' && frame.until && room) {
      const known = room.mutedUntil === frame.until;
      room.mutedUntil = frame.until;
      if (!known) ctx.notices.set('muted_by_moderator', { room: label, minutes: minutes(frame.until) });
    }
    if (frame.action === 'op') ctx.notices.set('opped_you', { room: label });
    return;
  }
  ctx.refs.take(frame.ref);
  ctx.notices.confirm(`moderated_${frame.action}`, { user: frame.user.nick, room: label, minutes: frame.until ? minutes(frame.until) : '' });
}

/**
 * Someone started a DM with us: it joins the sidebar at once, named by them, and its messages
 * count as unread. Invited to a private room: say so, and offer it among the rooms this account
 * may join.
 */
export function onInvitation(ctx: FrameContext, frame: InvitationFrame): void {
  if (frame.kind === 'dm') {
    if (ctx.rooms.dmStarted(frame.room, frame.by.nick) && ctx.state.status === 'online') ctx.rooms.join(frame.room);
    return;
  }
  ctx.notices.set('invitation', { room: `#${frame.room}`, user: frame.by.nick });
  ctx.refreshRooms();
}

export function onDeleted(ctx: FrameContext, frame: DeletedFrame): void {
  ctx.refs.take(frame.ref);
  ctx.notices.confirm('deleted', { room: `#${frame.room}` });
}
