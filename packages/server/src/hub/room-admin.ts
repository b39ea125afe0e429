// Making and unmaking rooms: `create`, `invite` and `delete` (docs/protocol.md, Accounts, private
// rooms and moderation; the owner may delete since Version 1.1, issue 15).
import type { ClientFrame } from '@chat/protocol';
import { LOBBY } from '@chat/protocol';
import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import type { Publisher } from './publisher.js';
import { guarded, ref, Refusal } from './refusal.js';
import { mayDelete, standingIn } from './room-access.js';
import { callerOf, DM_PREFIX, requireAccount, type RoomRules } from './room-rules.js';
import type { Session } from './session.js';

type Frame<K extends ClientFrame['type']> = Extract<ClientFrame, { type: K }>;

export interface RoomAdminOptions {
  store: Store;
  /** An invitation reaches the invitee's connections on every node before the inviter hears back. */
  bus: Bus;
  publisher: Publisher;
  rules: RoomRules;
}

export class RoomAdmin {
  constructor(private readonly options: RoomAdminOptions) {}

  create(s: Session, f: Frame<'create'>): Promise<void> {
    const { store, rules } = this.options;
    return guarded(s, f.ref, async () => {
      requireAccount(s);
      if (f.room.startsWith(DM_PREFIX)) throw new Refusal('forbidden', 'room names starting with dm- are reserved for direct messages');
      rules.allowRoomCreation(s, 'forbidden');
      const created = await store.createRoom(f.room, f.private ? 'private' : 'public', s.userId);
      if (!created) throw new Refusal('forbidden', 'that room already exists');
      rules.countRoomCreated(s);
      s.send({ type: 'created', room: f.room, ...ref(f.ref) });
    });
  }

  invite(s: Session, f: Frame<'invite'>): Promise<void> {
    const { store, bus, rules } = this.options;
    return guarded(s, f.ref, async () => {
      requireAccount(s);
      await rules.requireRights(s, f.room, 'moderator');
      const invitee = await store.accountByUsername(f.user);
      if (!invitee) throw new Refusal('not_found', 'no account has that username');
      if ((await store.roleOf(f.room, invitee.user.id)) === null) await store.setRole(f.room, invitee.user.id, 'member');
      await bus.publish({ type: 'invited', room: f.room, userId: invitee.user.id, by: { ...s.user }, kind: 'private' });
      s.send({ type: 'invited', room: f.room, user: invitee.user, ...ref(f.ref) });
    });
  }

  delete(s: Session, f: Frame<'delete'>): Promise<void> {
    const { store, publisher } = this.options;
    return guarded(s, f.ref, async () => {
      requireAccount(s);
      if (f.room === LOBBY) throw new Refusal('forbidden', 'the lobby always exists');
      const standing = await standingIn(store, f.room, callerOf(s));
      if (!standing) throw new Refusal('not_found', 'no such room');
      if (standing.info.kind === 'dm') throw new Refusal('forbidden', 'a direct message belongs to its two people: nobody deletes it');
      if (!mayDelete(standing)) throw new Refusal('forbidden', "only the room's owner and server admins delete rooms");
      if (!(await store.deleteRoom(f.room))) throw new Refusal('not_found', 'no such room');
      publisher.publish({ type: 'roomDeleted', room: f.room });
      s.send({ type: 'deleted', room: f.room, ...ref(f.ref) });
    });
  }
}
