// This node's rooms and users: a RoomChannel per room with local connections, and a UserEntry per
// user with local sessions (shared by their tabs). The bottom of the hub: it knows no rules and
// publishes nothing.
import type { User } from '@chat/protocol';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import type { HubLogger } from './hub-logger.js';
import { RoomChannel } from './room-channel.js';
import { NONE, type Session, type UserEntry } from './session.js';

export interface LocalRoomsOptions {
  /** Where a channel reads back the messages it missed. */
  store: Store;
  log: HubLogger;
  metrics?: Metrics;
}

export class LocalRooms {
  private readonly channels = new Map<string, RoomChannel>();
  private readonly users = new Map<string, UserEntry>();

  constructor(private readonly options: LocalRoomsOptions) {}

  /**
   * The user's entry, made on its first session here. Made without an await in between, so two
   * connections of one user share one entry.
   */
  entry(user: User, account: boolean, admin: boolean): UserEntry {
    let entry = this.users.get(user.id);
    if (!entry) {
      // USER.account (docs/protocol.md, Requests and replies): true for accounts, absent for guests, in every
      // frame that copies this user (welcome, presence, typing, message.from, invitation).
      entry = { user: account ? { id: user.id, nick: user.nick, account: true } : { id: user.id, nick: user.nick }, account, admin, sessions: NONE };
      this.users.set(user.id, entry);
    }
    return entry;
  }

  /** The user's local sessions (none when it has no connection here). */
  sessionsOf(userId: string): Iterable<Session> {
    return this.users.get(userId)?.sessions ?? [];
  }

  /** Every user with a local session. */
  entries(): IterableIterator<UserEntry> {
    return this.users.values();
  }

  /** Counts a new session of the user (entry() made or found its entry). */
  addSession(session: Session): void {
    session.entry.sessions = session.entry.sessions.concat(session); // concat: exact size
  }

  /** Forgets a closed session, and its user once it has none left. */
  forgetSession(session: Session): void {
    const entry = session.entry;
    entry.sessions = entry.sessions.filter((other) => other !== session);
    if (entry.sessions.length === 0 && this.users.get(entry.user.id) === entry) this.users.delete(entry.user.id);
  }

  /** The room's channel, made on first use. */
  channel(room: string): RoomChannel {
    let channel = this.channels.get(room);
    if (!channel) {
      channel = new RoomChannel({
        room,
        readAfter: (r, after, limit) => this.options.store.messagesAfter(r, after, limit),
        onError: (err) => this.options.log.error({ err, room }, 'reading missed messages failed'),
        onDelivered: (count) => this.options.metrics?.messagesDelivered.inc(count),
      });
      this.channels.set(room, channel);
    }
    return channel;
  }

  /** The room's channel if someone here is in it. */
  find(room: string): RoomChannel | undefined {
    return this.channels.get(room);
  }

  /** Every channel re-reads its room's tail from the store (events may have been lost). */
  catchUp(): void {
    for (const channel of this.channels.values()) channel.catchUp();
  }

  /** Removes a connection from a room's channel, dropping the channel when nobody is left. */
  detach(s: Session, room: string): void {
    const channel = this.channels.get(room);
    if (!channel) return;
    channel.remove(s);
    if (channel.isEmpty) this.channels.delete(room);
  }

  /** Rooms with local connections, and joined (connection, room) pairs, for metrics. */
  stats(): { roomsActive: number; memberships: number } {
    let memberships = 0;
    for (const channel of this.channels.values()) memberships += channel.size;
    return { roomsActive: this.channels.size, memberships };
  }
}
