// The rooms each user keeps, with their read marker and notification level: what follows the
// user from device to device (docs/protocol.md, "Mentions, read state and the user's rooms").
// `join` adds a room, `leave` removes it, a dropped connection does not; a DM is added for both
// of its users when it starts. Kicks out of a private room, bans and deleted rooms remove it.
import type { NotifyLevel, User } from '@chat/protocol';
import type { RoomKind } from './room-store.js';

/** How much of a room a user wants to hear about (push, and the client's notifications). */
export { NOTIFY_LEVELS, type NotifyLevel } from '@chat/protocol';

/** One room of a user's list, as `GET api/me/rooms` serves it. */
export interface UserRoom {
  name: string;
  kind: RoomKind;
  /** The room's last seq (0 when empty), as `joined.seq`. */
  lastSeq: number;
  /** The user's read marker: every message up to it counts as read. */
  readSeq: number;
  /**
   * Messages after readSeq that are not the user's own: at most 100 (rows.ts UNREAD_CAP; a bigger
   * backlog counts as 100, which a client shows as 99+), so that one huge backlog cannot cost a
   * long scan.
   */
  unread: number;
  /** Of those, the ones that mention the user (0 until mentions are stored); at most 100 too. */
  mentions: number;
  /** The stored level, or the default: `all` in a DM, `mentions` elsewhere. */
  notify: NotifyLevel;
  /** A DM's other user (USER, with `account`); absent for other rooms, or if that user is gone. */
  peer?: User;
}

export interface UserRoomStore {
  /**
   * Adds the room to the user's list (idempotent). The first add sets the read marker to the
   * room's last seq (joining is not a backlog of unread); adding again changes nothing. Resolves
   * with the read marker. The room must exist. Callers ask when the entry is likely missing (a join
   * reads the marker with its standing first), so the stores write without reading first.
   */
  addUserRoom(userId: string, room: string): Promise<number>;

  /** Removes the room from the user's list (idempotent); its read marker and level go with it. */
  removeUserRoom(userId: string, room: string): Promise<void>;

  /** The user's rooms, in the order they were added (oldest first). */
  userRooms(userId: string): Promise<UserRoom[]>;

  /**
   * Raises the user's read marker in the room to `seq` (never lowers it, never above the room's
   * last seq). Resolves with the marker after the call, or null if the room is not in the list.
   */
  raiseReadSeq(userId: string, room: string, seq: number): Promise<number | null>;

  /** Sets the user's level for the room; false if the room is not in the user's list. */
  setNotify(userId: string, room: string, level: NotifyLevel): Promise<boolean>;
}
