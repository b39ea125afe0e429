// Rooms and their rules: kinds (public, private, DM), roles (owner, moderator, member), bans,
// mutes, and the room directory. A room's messages and seq live in message-store.ts.

/** public: anyone may join; private: owner, moderators and invited members; dm: its two users. */
export type RoomKind = 'public' | 'private' | 'dm';
/** member: may join a private room; moderator, owner: may moderate (kick, ban, mute; owner: op). */
export type RoomRole = 'owner' | 'moderator' | 'member';

export interface RoomInfo {
  name: string;
  kind: RoomKind;
  ownerId: string | null;
  lastSeq: number;
  /** Version 1.1 (issue 15): the room's topic; absent when none is set (never ""). */
  topic?: string;
}

/** Which rooms listRooms returns: a page of them, in name order. */
export interface RoomListQuery {
  /** Most rooms in the page (at least 1). */
  limit: number;
  /** Only rooms whose name sorts after this (keyset paging: the last name of the previous page). */
  after?: string;
  /** Only rooms whose name contains this, ignoring case; a plain string, not a pattern. */
  nameContains?: string;
  /** true: only private rooms and DMs; false: only public rooms; absent: both. */
  private?: boolean;
}

export interface RoomPage {
  /** Ascending by name, in byte order. */
  rooms: RoomInfo[];
  /** More rooms of the query follow the last one returned. */
  hasMore: boolean;
}

/**
 * Everything a join reads of the room and of one user in it before it reads history, in one
 * store read (joinStanding): each field is what the named single read would return at that moment.
 */
export interface JoinStanding {
  /** As roomInfo; `info.lastSeq` is the room's last seq, as MessageStore.lastSeq (0 when empty). */
  info: RoomInfo;
  /** As isBanned. */
  banned: boolean;
  /** As roleOf: the stored role, without the rights admins have (hub/room-access.ts adds those). */
  role: RoomRole | null;
  /** As mutedUntil: until when the user is muted (ms since the epoch), 0 when not or no longer. */
  mutedUntil: number;
  /**
   * The user's read marker when the room is in their list (what addUserRoom resolves with for a
   * room already there), null when it is not: this read adds nothing to the list.
   */
  readSeq: number | null;
}

export interface RoomStore {
  /** The room, or null if it does not exist. */
  roomInfo(room: string): Promise<RoomInfo | null>;

  /**
   * The room and the user's standing, mute and read marker in it (JoinStanding), or null if the
   * room does not exist: one statement, so one round trip to a database server, where a join
   * would otherwise make one per field. Changes nothing.
   */
  joinStanding(room: string, userId: string): Promise<JoinStanding | null>;

  /**
   * Creates a room of this kind; with an owner, that user gets the owner role. False when the room
   * already exists (nothing changes then).
   */
  createRoom(room: string, kind: RoomKind, ownerId: string | null): Promise<boolean>;

  /** The user's role in the room, or null. */
  roleOf(room: string, userId: string): Promise<RoomRole | null>;

  /** Gives the user a role in the room (replacing any other). */
  setRole(room: string, userId: string, role: RoomRole): Promise<void>;

  /**
   * Bans the user from the room (idempotent), and in the same transaction takes away their role
   * there (owner, moderator, or the invitation of a member) and removes the room from their list
   * (user-room-store.ts): an unban restores none of them.
   */
  ban(room: string, userId: string): Promise<void>;

  /**
   * Takes away the user's member or moderator role in the room and removes the room from the
   * user's list (user-room-store.ts), in one transaction: a kick out of a private room ends the
   * invitation. An owner keeps both (idempotent; nothing happens without a role).
   */
  revokeRole(room: string, userId: string): Promise<void>;

  /**
   * The ids of the users banned from the room, oldest ban first (by time, then id); empty for an
   * unknown room. At most `limit` of them.
   */
  bannedUsers(room: string, limit: number): Promise<string[]>;

  /**
   * Sets the room's topic, trimmed and checked by the caller (protocol's normalizeTopic); "" clears
   * it. False when the room does not exist.
   */
  setTopic(room: string, topic: string): Promise<boolean>;

  /** Lifts a ban (idempotent). */
  unban(room: string, userId: string): Promise<void>;

  isBanned(room: string, userId: string): Promise<boolean>;

  /** Mutes the user in the room until `until` (ms since the epoch); a later call replaces it. */
  mute(room: string, userId: string, until: number): Promise<void>;

  /** Until when the user is muted in the room (0 when not muted). */
  mutedUntil(room: string, userId: string): Promise<number>;

  /**
   * Deletes the room with its messages, roles, bans, mutes and the users' list entries of it; false
   * when it does not exist. A room created later under the same name is a new room (its seq starts
   * again at 1).
   */
  deleteRoom(room: string): Promise<boolean>;

  /**
   * One page of the rooms this user may see: public rooms, plus the private and DM rooms in which
   * it has a role; none it is banned from. A null user sees the public rooms.
   */
  listRooms(userId: string | null, query: RoomListQuery): Promise<RoomPage>;
}
