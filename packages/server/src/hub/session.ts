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
  sessions: Set<Session>;
  /** Last `typing` forwarded per room, for throttling per user (not per tab); made on first use. */
  typingAt?: Map<string, number>;
}

export class Session implements Member {
  /** Rooms this connection has joined (join completed, not left). */
  readonly rooms = new Set<string>();
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

  mutedUntil(room: string): number {
    return this.mutes?.get(room) ?? 0;
  }

  setMutedUntil(room: string, until: number): void {
    (this.mutes ??= new Map()).set(room, until);
  }

  /** Forgets a room this connection was in (left, kicked); false when it was not in it. */
  forgetRoom(room: string): boolean {
    this.mutes?.delete(room);
    return this.rooms.delete(room);
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
