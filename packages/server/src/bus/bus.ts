// Events between hubs (nodes). In one process the MemoryBus delivers them synchronously; in a
// cluster (docs/scaling.md) a Redis bus carries them between nodes. A bus may drop events (Redis pub/sub
// is at-most-once): the store stays the source of truth, and a hub that sees a room's seq jump
// reads the gap back from the store.
import type { LogEntry, User } from '@chat/protocol';

export type BusEvent =
  /** A stored entry (a message, or a change to one), to be delivered to every member connection in seq order. */
  | { type: 'message'; message: LogEntry }
  /** A change of who is in a room; `online` is the room's distinct users after the change. */
  | { type: 'presence'; room: string; online: number; joined?: User; left?: User; renamed?: User }
  /** Someone is typing; delivered to the room's connections of other users. */
  | { type: 'typing'; room: string; user: User }
  /** A moderator removed a user from a room (kick or ban): their connections leave it. */
  | { type: 'kick'; room: string; userId: string; reason: 'kick' | 'ban' }
  /** A user is muted in a room until `until` (ms since the epoch). */
  | { type: 'mute'; room: string; userId: string; until: number }
  /** The room's owner or an admin deleted the room: every connection in it leaves. */
  | { type: 'roomDeleted'; room: string }
  /** A user was invited to a room, or made a moderator of it: their connections are told. */
  | { type: 'invited'; room: string; userId: string; by: User; kind?: 'dm' | 'private' }
  /** A user's read marker in a room rose: every connection of theirs is told. */
  | { type: 'read'; userId: string; room: string; seq: number }
  | { type: 'opped'; room: string; user: User }
  /** The room's topic changed ("" when cleared): every connection in the room is told. */
  | { type: 'topic'; room: string; topic: string; by: User }
  /**
   * A node died (its presence expired): it may have committed messages it never published, and in
   * a quiet room no later seq would reveal them. Every node re-reads its rooms' tails.
   */
  | { type: 'catchUp' }
  /** A session or bearer token was revoked (logout, deleted token): its connections close on every node. */
  | { type: 'tokenRevoked'; tokenId: string };

export type BusHandler = (event: BusEvent) => void;

export interface Bus {
  /**
   * Sends an event to every subscriber, this node's included. This node's subscribers get it
   * synchronously, before publish returns, even when the bus between nodes is down (the promise
   * then rejects: other nodes catch up by resync).
   */
  publish(event: BusEvent): Promise<void>;
  /** Registers a handler for every event published on the bus; returns an unsubscribe function. */
  subscribe(handler: BusHandler): () => void;
  /**
   * Registers a handler called when events from other nodes may have been missed (the bus
   * reconnected after an outage): hubs then re-read each room's tail from the store. The
   * in-process bus never calls it. Returns an unsubscribe function.
   */
  onResync(handler: () => void): () => void;
  /** Resolves when the bus can carry events between nodes; rejects otherwise (for /healthz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
