// Who may do what in a room: one rule, used by the WebSocket requests and the HTTP API alike, so
// that no path forgets a case (admins once read DMs over HTTP; a banned moderator kept moderating).
//
// - A ban ends everything: a banned user can neither read, join nor moderate in that room, whatever
//   their role or admin rights (the ban also removed their role: Store.ban).
// - A DM belongs to its two users: nobody else reads or joins it, and nobody (admins included)
//   moderates in it, invites into it or deletes it.
// - A room's owner may delete it (never the lobby: room-admin.ts).
// - Server admins have owner rights in every other room.
import type { JoinStanding, RoomInfo, RoomRole, Store } from '../store/store.js';

export interface Caller {
  id: string;
  /** A server admin (ADMIN_USERS, confirmed by the operator). */
  admin: boolean;
}

/** The caller's standing in an existing room. */
export interface Standing {
  info: RoomInfo;
  /** The caller's effective role: admins count as owners outside DMs; null when banned. */
  role: RoomRole | null;
  banned: boolean;
}

/** Reads the caller's standing in the room, or null when the room does not exist (one store read). */
export async function standingIn(store: Store, room: string, caller: Caller): Promise<Standing | null> {
  const read = await store.joinStanding(room, caller.id);
  return read ? standingFrom(read, caller) : null;
}

/** The caller's standing from what Store.joinStanding read: a ban leaves no role; admins are owners outside DMs. */
export function standingFrom(read: JoinStanding, caller: Caller): Standing {
  const { info } = read;
  if (read.banned) return { info, role: null, banned: true };
  return { info, role: caller.admin && info.kind !== 'dm' ? 'owner' : read.role, banned: false };
}

/** May the caller join the room and read its messages? */
export function mayRead(standing: Standing): boolean {
  return !standing.banned && (standing.info.kind === 'public' || standing.role !== null);
}

/** May the caller moderate (kick, ban, unban, mute, invite: `moderator`; op: `owner`) in the room? */
export function mayModerate(standing: Standing, needed: 'moderator' | 'owner'): boolean {
  if (standing.banned || standing.info.kind === 'dm') return false;
  const { role } = standing;
  return role === 'owner' || (needed === 'moderator' && role === 'moderator');
}

/** May the caller delete the room? Its owner and admins (owners everywhere else), never in a DM. */
export function mayDelete(standing: Standing): boolean {
  return !standing.banned && standing.info.kind !== 'dm' && standing.role === 'owner';
}
