// Who we are on this connection: `welcome` (docs/protocol.md, "`welcome` (unasked, first
// frame)"), `nick` (a rename, ours or from another tab), `pong`, and `read` (a read marker of ours
// from any device).
import type { NickReplyFrame, ReadEventFrame, WelcomeFrame } from '@chat/protocol';
import type { FrameContext } from './frame-context.js';

export function onWelcome(ctx: FrameContext, frame: WelcomeFrame): void {
  const { state, storage } = ctx;
  if (state.account && frame.token) {
    // We connected without a cookie (it expired or was cleared) and became a new guest.
    return ctx.signedOut('session_expired');
  }
  if (!state.account && !frame.token && ctx.accounts) {
    // Only an account's welcome has no token: the browser still had a session cookie, and the
    // server prefers it to a guest nick. Be that account then, and stop sending the nick.
    state.account = true;
    storage.forgetGuest();
  }
  ctx.welcomed();
  state.me = frame.user;
  state.online = frame.online;
  state.status = 'online';
  ctx.notices.clear();
  if (state.account) storage.setAccount(frame.user.nick);
  else storage.saveGuest(frame.token, frame.user.nick);
  ctx.outbox.claim(frame.user);
  // The server's list of our rooms, then the joins (and the private rooms we may join).
  ctx.syncRooms();
}

/**
 * The new nick, ours (the reply to `rename`) or from another tab (no `ref`): shown at once, and a
 * guest's stored nick follows, so a reload keeps it.
 */
export function onNick(ctx: FrameContext, frame: NickReplyFrame): void {
  const { state } = ctx;
  if (state.me) state.me = { ...state.me, nick: frame.nick };
  if (!state.account) ctx.storage.setNick(frame.nick);
  const action = ctx.refs.take(frame.ref);
  if (action?.kind !== 'nick') return;
  state.rename.pending = false;
  state.rename.error = null;
  state.rename.done++;
  ctx.notices.confirm('renamed', { nick: frame.nick });
}

export function onRead(ctx: FrameContext, frame: ReadEventFrame): void {
  ctx.rooms.readElsewhere(frame.room, frame.seq);
}

/** Any frame restarts the keepalive (connection.ts); a pong has nothing else to say. */
export function onPong(): void {}
