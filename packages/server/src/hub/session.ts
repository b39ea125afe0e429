// One client connection as the hub sees it: who it is, which rooms it has joined, and how to send
// it frames. The gateway owns the socket; the session owns chat state.
import type { ErrorCode, ServerFrame, User } from '@chat/protocol';
import type { Metrics } from '../metrics/metrics.js';
import type { Member } from './room-channel.js';
import type { SharedFrame } from './shared-frame.js';

/** The transport side of a connection. */
export interface Peer {
  /** Sends one serialized frame. The transport may close the connection instead (slow consumer). */
  send(data: string | Buffer | SharedFrame): void;
}

/** A user and every local session of it; shared, so a nick change reaches all of them. */
export interface UserEntry {
  user: User;
  /** A registered account (its nick is its username), not a guest. */
  account: boolean;
  /** A server admin (ADMIN_USERS): owner rights in every room. */
  admin: boolean;
  /**
   * The user's sessions here, replaced rather than changed (see Session.rooms): a user has a few
   * tabs, and a Set costs about 200 bytes even with one entry, per guest connection.
   */
  sessions: readonly Session[];
  /** Last `typing` forwarded per room, for throttling per user (not per tab); made on first use. */
  typingAt?: Map<string, number>;
}

/** The empty list every session and user entry starts with (shared: an empty array costs memory too). */
export const NONE: readonly never[] = Object.freeze([]);

export class Session implements Member {
  /**
   * Rooms this connection has joined (join completed, not left), in join order. A connection is in
   * a few rooms (MAX_ROOMS_PER_CONNECTION), so a list does: it is replaced by a copy of its exact
   * size on each change, where a Set costs about 200 bytes per connection even with one room
   * (idle memory per connection, docs/benchmarks.md). Readers may keep the list they got.
   */
  private joined: readonly string[] = NONE;
  /**
   * Until when this user is muted, per joined room (read at join, updated by `mute` events). Made
   * on first use: most connections are never muted, and an empty Map costs about 250 bytes.
   */
  private mutes: Map<string, number> | undefined;
  closed = false;

  constructor(
    readonly peer: Peer,
    readonly entry: UserEntry,
    /** The client's address as per-address limits key it (ipKey: IPv4, or IPv6 /64). */
    readonly address: string,
    private readonly metrics?: Metrics,
  ) {}

  get user(): User {
    return this.entry.user;
  }

  get userId(): string {
    return this.entry.user.id;
  }

  get rooms(): readonly string[] {
    return this.joined;
  }

  inRoom(room: string): boolean {
    return this.joined.includes(room);
  }

  addRoom(room: string): void {
    if (!this.joined.includes(room)) this.joined = this.joined.concat(room); // concat: exact size
  }

  /** Forgets every room at once (the connection closed); returns the rooms it was in. */
  forgetRooms(): readonly string[] {
    const rooms = this.joined;
    this.joined = NONE;
    return rooms;
  }

  mutedUntil(room: string): number {
    return this.mutes?.get(room) ?? 0;
  }

  setMutedUntil(room: string, until: number): void {
    (this.mutes ??= new Map()).set(room, until);
  }

  /** Forgets a room this connection was in (left, kicked); false when it was not in it. */
  forgetRoom(room: string): boolean {
    this.mutes?.delete(room);
    const at = this.joined.indexOf(room);
    if (at < 0) return false;
    this.joined = this.joined.slice(0, at).concat(this.joined.slice(at + 1));
    return true;
  }

  sendRaw(data: string | Buffer | SharedFrame): void {
    if (!this.closed) this.peer.send(data);
  }

  send(frame: ServerFrame): void {
    this.sendRaw(JSON.stringify(frame));
  }

  error(code: ErrorCode, message: string, ref?: string, retryAfterMs?: number): void {
    this.metrics?.error(code);
    this.send({
      type: 'error',
      code,
      message,
      ...(ref === undefined ? {} : { ref }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
}
