// kick, ban, unban, mute and op (docs/protocol.md, Accounts, private rooms and moderation), and
// what they do to a connection on the node that holds it: eject from a room, or mute in it.
import type { ModerationAction } from '@chat/protocol';
import type { AdminCheck } from '../auth/admins.js';
import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import type { HubLogger } from './hub-logger.js';
import type { LocalRooms } from './local-rooms.js';
import type { Publisher } from './publisher.js';
import { guarded, ref, Refusal } from './refusal.js';
import { requireAccount, type RoomRules } from './room-rules.js';
import type { Session } from './session.js';

export interface ModerationOptions {
  store: Store;
  /** Moderation takes effect on every node through the bus before the moderator hears back. */
  bus: Bus;
  rooms: LocalRooms;
  publisher: Publisher;
  rules: RoomRules;
  /** Who is a server admin (owner rights everywhere); nobody when absent. */
  admins?: AdminCheck;
  log: HubLogger;
}

export class Moderation {
  constructor(private readonly options: ModerationOptions) {}

  /** kick, ban, unban, mute and op: answered with `moderated` once in effect on every node. */
  moderate(s: Session, action: ModerationAction, room: string, userId: string, frameRef: string | undefined, ms?: number): Promise<void> {
    const { store, bus, rules, admins } = this.options;
    return guarded(s, frameRef, async () => {
      requireAccount(s);
      // A ban is lifted by someone else or not at all: else a banned moderator lifts their own.
      if (action === 'unban' && userId === s.userId) throw new Refusal('forbidden', 'nobody can lift their own ban');
      const { role: callerRole, info } = await rules.requireRights(s, room, action === 'op' ? 'owner' : 'moderator');
      const target = await store.userById(userId);
      if (!target) throw new Refusal('not_found', 'no such user');
      const targetRole = await store.roleOf(room, userId);
      // An account's nick is its username; a guest may share the nick of none (NickPolicy).
      const targetIsAccount = (await store.accountByUsername(target.nick))?.user.id === userId;
      const targetIsAdmin = (await admins?.isAdmin(target)) === true;
      // Moderators moderate members; nobody but an admin moves against an owner or an admin.
      if (action !== 'unban' && target.id !== s.userId && (targetIsAdmin || targetRole === 'owner') && !s.entry.admin) {
        throw new Refusal('forbidden', 'the owner and admins cannot be moderated');
      }
      if (action === 'op') {
        if (targetRole === 'owner') throw new Refusal('forbidden', 'the owner is already above moderators');
        if (!targetIsAccount) throw new Refusal('forbidden', 'only accounts can be moderators');
      }
      if (callerRole === 'moderator' && targetRole === 'moderator' && target.id !== s.userId) {
        throw new Refusal('forbidden', 'moderators cannot moderate each other');
      }
      let until: number | undefined;
      switch (action) {
        case 'kick':
          // Out of their room list; out of a private room for good, until invited again.
          if (info.kind === 'private') await store.revokeRole(room, userId);
          else await store.removeUserRoom(userId, room);
          await bus.publish({ type: 'kick', room, userId, reason: 'kick' });
          break;
        case 'ban':
          await store.ban(room, userId);
          await bus.publish({ type: 'kick', room, userId, reason: 'ban' });
          break;
        case 'unban':
          await store.unban(room, userId);
          break;
        case 'mute':
          until = Date.now() + (ms ?? 0);
          await store.mute(room, userId, until);
          await bus.publish({ type: 'mute', room, userId, until });
          break;
        case 'op':
          await store.setRole(room, userId, 'moderator');
          await bus.publish({ type: 'opped', room, user: target });
          break;
      }
      s.send({ type: 'moderated', action, room, user: target, ...(until === undefined ? {} : { until }), ...ref(frameRef) });
    });
  }

  mute(session: Session, room: string, until: number): void {
    session.setMutedUntil(room, until);
    // The muted user learns it now, not at their next refused send.
    session.send({ type: 'moderated', action: 'mute', room, user: { ...session.user }, until });
  }

  /** Removes a connection from a room it did not choose to leave, and tells it why. */
  eject(session: Session, room: string, reason: 'kick' | 'ban' | 'delete'): void {
    if (!session.forgetRoom(room)) return;
    this.options.rooms.detach(session, room);
    session.send({ type: 'kicked', room, reason });
    this.options.publisher.leavePresence(session.user, room).catch((err: unknown) => this.options.log.error({ err, room }, 'presence update failed'));
  }
}
