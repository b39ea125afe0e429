// Who may enter, create and run which room: the checks the features run before they act, each
// throwing the Refusal the client gets. The room rights themselves (bans, DMs, admins as owners)
// are room-access.ts, shared with the HTTP API.
import { createHash } from 'node:crypto';
import { WindowCounter } from '../auth/window-counter.js';
import type { RoomCreation } from '../config/config-types.js';
import type { JoinStanding, RoomInfo, RoomKind, RoomRole, Store } from '../store/store.js';
import { Refusal } from './refusal.js';
import { mayModerate, mayRead, standingFrom, standingIn, type Caller } from './room-access.js';
import type { Session } from './session.js';

/** DM rooms are named from their two users; nobody may create or join such a name otherwise. */
export const DM_PREFIX = 'dm-';

/** The private room of two users: the same name whoever starts it. */
export function dmRoomName(a: string, b: string): string {
  const [x, y] = [a, b].sort();
  return DM_PREFIX + createHash('sha256').update(`${x}\n${y}`).digest('hex').slice(0, 32);
}

/** The session's user as the room rules see it. */
export const callerOf = (s: Session): Caller => ({ id: s.userId, admin: s.entry.admin });

/** Refuses a guest: creating, inviting, moderating, DMs and deleting are for accounts. */
export function requireAccount(s: Session): void {
  if (!s.entry.account) throw new Refusal('unauthorized', 'sign in to do that');
}

/** False, after answering `not_member`, when the connection has not joined the room. */
export function requireMember(s: Session, room: string, frameRef: string | undefined): boolean {
  if (s.inRoom(room)) return true;
  s.error('not_member', 'join the room first', frameRef);
  return false;
}

const HOUR_MS = 60 * 60 * 1000;

/** A join's admission (RoomRules.admit). */
export interface Admission {
  kind: RoomKind;
  /** The user's role, admins as owners outside DMs; null without one. */
  role: RoomRole | null;
  topic?: string;
  /** What admit read of the room and the user (Store.joinStanding); absent when admit created the room. */
  read?: JoinStanding;
}

export interface RoomRulesOptions {
  store: Store;
  /** Who may create rooms (by joining an unknown public room, or `create`). Default everyone. */
  roomCreation?: RoomCreation;
  /** Rooms one user may create per hour (0 = unlimited; admins are not counted). */
  maxRoomsCreatedPerHour?: number;
  /** Rooms created per address per hour (0 = unlimited). */
  maxRoomsCreatedPerIpPerHour?: number;
  /** Rooms one connection may be in at once (0 = unlimited). */
  maxRoomsPerConnection?: number;
}

export class RoomRules {
  private readonly store: Store;
  /** Rooms created in the last hour, per user and per address. */
  private readonly roomsCreatedByUser: WindowCounter;
  private readonly roomsCreatedByAddress: WindowCounter;

  constructor(private readonly options: RoomRulesOptions) {
    this.store = options.store;
    this.roomsCreatedByUser = new WindowCounter({ limit: options.maxRoomsCreatedPerHour ?? 0, windowMs: HOUR_MS });
    this.roomsCreatedByAddress = new WindowCounter({ limit: options.maxRoomsCreatedPerIpPerHour ?? 0, windowMs: HOUR_MS });
  }

  /**
   * May this connection join the room? Throws the Refusal; creates an unknown public room. Resolves
   * with the room's kind, its topic (when set) and the user's role in it (admins are owners
   * everywhere), and with what the join reads next when this read it already (`read`). That holds
   * the room's last seq: a join starts buffering live messages before it calls admit.
   */
  async admit(s: Session, room: string): Promise<Admission> {
    this.checkRoomLimit(s, room);
    // One read for the standing and what the join needs next (a restart storm's rejoins: join.ts).
    const read = await this.store.joinStanding(room, s.userId);
    if (!read) {
      if (room.startsWith(DM_PREFIX)) throw new Refusal('not_found', 'no such direct message room');
      this.allowRoomCreation(s, 'not_found');
      await this.store.ensureRoom(room);
      this.countRoomCreated(s);
      return { kind: 'public', role: s.entry.admin ? 'owner' : null };
    }
    const standing = standingFrom(read, callerOf(s));
    if (standing.banned) throw new Refusal('forbidden', 'you are banned from this room');
    if (!mayRead(standing)) throw new Refusal('forbidden', 'this room is private: ask its owner or a moderator for an invitation');
    const { kind, topic } = standing.info;
    return { kind, role: standing.role, ...(topic === undefined ? {} : { topic }), read };
  }

  /** Refuses a room beyond MAX_ROOMS_PER_CONNECTION for this connection (one it is in already is fine). */
  checkRoomLimit(s: Session, room: string): void {
    const limit = this.options.maxRoomsPerConnection ?? 0;
    if (limit > 0 && !s.inRoom(room) && s.rooms.length >= limit) {
      throw new Refusal('forbidden', `a connection may be in at most ${limit} rooms; leave one first`);
    }
  }

  /**
   * The caller's standing in the room (admins count as owners), with the room itself; refuses
   * below `needed`.
   */
  async requireRights(s: Session, room: string, needed: 'moderator' | 'owner'): Promise<{ role: RoomRole; info: RoomInfo }> {
    const standing = await standingIn(this.store, room, callerOf(s));
    if (!standing) throw new Refusal('not_found', 'no such room');
    if (standing.banned) throw new Refusal('forbidden', 'you are banned from this room');
    if (standing.info.kind === 'dm') throw new Refusal('forbidden', 'a direct message stays between its two people: nobody moderates it');
    if (!mayModerate(standing, needed)) {
      throw new Refusal('forbidden', `only the room's ${needed === 'owner' ? 'owner' : 'owner or moderators'} may do that`);
    }
    return { role: standing.role as RoomRole, info: standing.info };
  }

  /**
   * Refuses unless this user may create another room now: ROOM_CREATION, then the hourly limits
   * per user and per address (admins are not limited). `code` is the refusal for a policy that
   * does not let them: `not_found` for a join of an unknown room, `forbidden` for `create`.
   */
  allowRoomCreation(s: Session, code: 'not_found' | 'forbidden'): void {
    const policy = this.options.roomCreation ?? 'everyone';
    if (s.entry.admin) return;
    if (policy === 'admins') throw new Refusal(code, 'no such room: only server admins create rooms here');
    if (policy === 'accounts' && !s.entry.account) throw new Refusal(code, 'no such room: sign in to create rooms');
    const waitMs = Math.max(this.roomsCreatedByUser.retryAfterMs(s.userId), this.roomsCreatedByAddress.retryAfterMs(s.address));
    if (waitMs > 0) throw new Refusal('rate_limited', 'too many new rooms; try again later', waitMs);
  }

  /** Counts a room this user created against the hourly limits (admins are not counted). */
  countRoomCreated(s: Session): void {
    if (s.entry.admin) return;
    this.roomsCreatedByUser.add(s.userId);
    this.roomsCreatedByAddress.add(s.address);
  }
}
