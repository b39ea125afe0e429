// Who is online, and who is in which room, counted in distinct users. Calls are made once per
// connection (connect/disconnect) and once per connection and room (join/leave); the presence
// keeps the reference counts, so a user with several connections counts once. In a cluster
// (RedisPresence) the counts are cluster-wide, and a dead node's users expire.
import type { User } from '@chat/protocol';

export interface RoomPresenceChange {
  /** True when this call made the user newly present (join) or absent (leave) in the room. */
  changed: boolean;
  /** Distinct users in the room after the change. */
  online: number;
}

/** A user who left a room because the node holding their connections died (cluster expiry). */
export interface ExpiredMember {
  room: string;
  user: User;
  /** Distinct users in the room after the removal. */
  online: number;
}

export interface Presence {
  /** A connection of this user opened; resolves with distinct users online. */
  connect(user: User): Promise<number>;
  /** A connection of this user closed; resolves with distinct users online. */
  disconnect(userId: string): Promise<number>;
  join(room: string, user: User): Promise<RoomPresenceChange>;
  leave(room: string, userId: string): Promise<RoomPresenceChange>;
  /** Distinct users in the room. */
  roomOnline(room: string): Promise<number>;
  /** Of these users, those with an open connection (in a cluster: on any node). */
  connected(userIds: readonly string[]): Promise<Set<string>>;
  /**
   * Up to `limit` of the room's users (order unspecified). The list is read-only: an
   * implementation may hand out the same array again while it stays right (the hub then reuses
   * its serialization).
   */
  members(room: string, limit: number): Promise<readonly User[]>;
  /** Updates a user's nick wherever it is listed. */
  rename(user: User): Promise<void>;
  /**
   * Registers a handler for users removed by expiry: a node stopped refreshing its presence (it
   * died without saying goodbye), and another node's sweep took its users out. Called on the
   * sweeping node only, once per room a user is no longer in anywhere, so that node can publish
   * `presence left` for them. In-process presence never expires anyone. Returns an unsubscribe.
   */
  onExpired(handler: (members: ExpiredMember[]) => void): () => void;
  /** Resolves when presence can be read and written; rejects otherwise (for /healthz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
