// The periodic sweep (store/sweeper.ts): expired tokens with the guests they leave behind, and
// abandoned rooms. Each call is one short batch, so a big sweep never holds the store (or SQLite's
// event loop) for long, and every call is safe while other nodes run the same sweep.

/** What one sweepExpiredTokens call deleted. */
export interface TokenSweep {
  tokens: number;
  guests: number;
}

/** One step of the abandoned-room scan. */
export interface AbandonedRoomScan {
  /** The abandoned rooms among those examined, in name order. */
  rooms: string[];
  /** Where the next step starts (pass it as `after`); null when the scan reached the last room. */
  next: string | null;
}

export interface SweepStore {
  /**
   * Deletes up to `limit` tokens expired at `now` (ms since the epoch): guest restore tokens and
   * sessions (bearer tokens never expire), and the guest users they leave without a token (with
   * their room lists), in one transaction. Using a token slides its expiry, so a guest without a
   * live token has gone unused for about the token lifetime and can never be restored. Accounts
   * are never deleted, and messages never: a deleted guest's messages keep its id and nick. Fewer
   * than `limit` tokens deleted means none expired are left (or other nodes are deleting them at
   * the same moment).
   */
  sweepExpiredTokens(now: number, limit: number): Promise<TokenSweep>;

  /**
   * Examines up to `scan` rooms in name order after `after` (null: from the first) and returns the
   * abandoned ones among them: public rooms that never had a message (last seq 0), created before
   * `createdBefore`, with no roles, bans or mutes; never the lobby. Private rooms and DMs are never
   * abandoned.
   */
  abandonedRooms(createdBefore: number, after: string | null, scan: number): Promise<AbandonedRoomScan>;

  /**
   * Deletes those of `rooms` that are still abandoned (as abandonedRooms says), each checked again
   * under the lock that appending a message to it takes, so a room that got a message, a role, a
   * ban or a mute since it was found stays. Resolves with the names deleted. A message appended
   * at the same moment is never lost: it lands in the old room, or in one created anew. A room
   * in users' lists (user-room-store.ts) may still be abandoned; its entries go with it.
   */
  deleteAbandonedRooms(rooms: string[], createdBefore: number): Promise<string[]>;
}
