// What this node tells the others (and itself) through the bus: events, presence in batches, and
// the `left` announcement when a user's last connection leaves a room. The bottom of the hub
// beside LocalRooms: it knows no rules and no sessions.
import type { LogEntry, User } from '@chat/protocol';
import type { Bus, BusEvent } from '../bus/bus.js';
import { OutageLog } from '../log/outage-log.js';
import type { Presence } from '../presence/presence.js';
import type { HubLogger } from './hub-logger.js';

/** In large rooms, at most one presence event per room per this many ms. */
export const PRESENCE_COALESCE_MS = 1000;

/** The longest a large room's count waits (coalescedCountDelay). */
export const PRESENCE_COALESCE_MAX_MS = 10_000;

/**
 * How long a large room's presence count waits: a second, and a millisecond per member above
 * 1,000 members (at most PRESENCE_COALESCE_MAX_MS), so the count costs a room about 1,000 frames a
 * second however big it grows. Each count is a write to every member: at one a second, a room
 * filling up to 5,000 members cost as many writes as its joins' replies.
 */
export function coalescedCountDelay(online: number): number {
  return Math.min(PRESENCE_COALESCE_MAX_MS, Math.max(PRESENCE_COALESCE_MS, online));
}

/**
 * Who-joined/left/renamed events wait this long and leave together, so a member receives a burst
 * of them in one socket write rather than one write each (a room filling up costs O(members²)
 * frames; it need not cost as many writes). Any other event of the same room sends its room's
 * first, keeping the room's order; events of other rooms leave them waiting. In a restart storm
 * (5,000 clients rejoining 50 rooms) every member's room has a join in every batch, so each batch
 * is a write to every member: at 50 ms, and sent along with every message of any room, that was
 * 100k writes a second and the server's bottleneck.
 */
export const PRESENCE_BATCH_MS = 250;

/**
 * A room whose presence went out less than this long ago waits for the rest of it: a quiet room
 * hears a join within PRESENCE_BATCH_MS, a room in churn (its members all moving to this node
 * after another stopped) one batch a second, a quarter of the writes to each member.
 */
export const PRESENCE_BUSY_MS = 1000;

export interface PublisherOptions {
  bus: Bus;
  presence: Presence;
  /** Above this many users in a room, presence is coalesced (announce). */
  presenceDetailLimit: number;
  log: HubLogger;
}

export class Publisher {
  private readonly bus: Bus;
  private readonly presence: Presence;
  /** Rooms with a coalesced presence event already scheduled. */
  private readonly presenceTimers = new Map<string, NodeJS.Timeout>();
  /** Presence events with who joined, left or was renamed, waiting for the batch (PRESENCE_BATCH_MS), per room. */
  private pendingPresence = new Map<string, BusEvent[]>();
  private presenceBatch: NodeJS.Timeout | undefined;
  /** When presenceBatch fires. */
  private presenceBatchAt = Infinity;
  /** When each room's presence last went out, for rooms within PRESENCE_BUSY_MS of it. */
  private readonly presenceSentAt = new Map<string, number>();
  private closing = false;
  private lone = false;

  constructor(private readonly options: PublisherOptions) {
    ({ bus: this.bus, presence: this.presence } = options);
  }

  /**
   * True while a commit of one message is being published (publishCommit). The in-process bus
   * delivers during publish, so the flag covers exactly these deliveries.
   */
  get publishingLone(): boolean {
    return this.lone;
  }

  publish(event: BusEvent): void {
    if (this.pendingPresence.size > 0) {
      const room = roomOf(event);
      if (room === undefined) this.flushPresence(true);
      else this.sendPresence(room);
    }
    this.send(event);
  }

  private send(event: BusEvent): void {
    this.bus.publish(event).then(this.published, this.publishFailed);
  }

  /**
   * Publishes one group commit's messages. A commit of one message (a quiet moment: nothing else
   * arrived meanwhile) may be written to each receiver at once (in a big room: RoomChannel); a
   * batch is corked to the end of the tick, so that each receiver gets one write for all of it (a
   * Redis bus delivers later, corked).
   */
  publishCommit(messages: readonly LogEntry[]): void {
    this.lone = messages.length === 1;
    try {
      for (const message of messages) this.publish({ type: 'message', message });
    } finally {
      this.lone = false;
    }
  }

  /**
   * A user came or went. In a small room everyone hears who; in a large one (more than the
   * detail limit) a join storm must not cost O(members²) frames, so the room gets at most one
   * event per second (longer in a room of thousands: coalescedCountDelay) carrying only the count,
   * read when it is sent.
   */
  announce(room: string, online: number, change: { joined?: User; left?: User }): void {
    if (online <= this.options.presenceDetailLimit && !this.presenceTimers.has(room)) {
      this.publishPresence({ type: 'presence', room, online, ...change });
      return;
    }
    if (this.presenceTimers.has(room)) return;
    const timer = setTimeout(() => {
      this.presenceTimers.delete(room);
      this.presence.roomOnline(room).then(
        (current) => this.publish({ type: 'presence', room, online: current }),
        (err: unknown) => this.options.log.error({ err, room }, 'presence count failed'),
      );
    }, coalescedCountDelay(online));
    timer.unref();
    this.presenceTimers.set(room, timer);
  }

  /** Publishes a detailed presence event with the next batch (PRESENCE_BATCH_MS). */
  publishPresence(event: BusEvent): void {
    if (this.closing) return this.publish(event);
    const room = roomOf(event) as string;
    const waiting = this.pendingPresence.get(room);
    if (waiting) waiting.push(event);
    else this.pendingPresence.set(room, [event]);
    this.schedulePresence(Date.now() + PRESENCE_BATCH_MS);
  }

  /** The user left the room here: the presence forgets it, and the room hears it when it was the last connection. */
  async leavePresence(user: User, room: string): Promise<void> {
    const { changed, online } = await this.presence.leave(room, user.id);
    if (changed) this.announce(room, online, { left: { ...user } });
  }

  /**
   * Drops the coalesced events still scheduled and sends the batch now; from here presence leaves
   * at once: the connections closing after this (gateway.close) are announced to the other nodes
   * before the bus closes.
   */
  close(): void {
    for (const timer of this.presenceTimers.values()) clearTimeout(timer);
    this.presenceTimers.clear();
    this.closing = true;
    this.flushPresence(true);
  }

  /**
   * Sends the rooms' waiting presence; unless `all`, rooms that sent theirs within PRESENCE_BUSY_MS
   * wait for the rest of it.
   */
  private flushPresence(all = false): void {
    clearTimeout(this.presenceBatch);
    this.presenceBatch = undefined;
    this.presenceBatchAt = Infinity;
    const now = Date.now();
    for (const [room, at] of this.presenceSentAt) if (at + PRESENCE_BUSY_MS <= now) this.presenceSentAt.delete(room);
    let next = Infinity;
    for (const room of [...this.pendingPresence.keys()]) {
      const sentAt = this.presenceSentAt.get(room);
      if (sentAt === undefined || all) this.sendPresence(room);
      else next = Math.min(next, sentAt + PRESENCE_BUSY_MS);
    }
    if (next !== Infinity) this.schedulePresence(next);
  }

  /** Makes the batch's timer fire at `at` at the latest. */
  private schedulePresence(at: number): void {
    if (at >= this.presenceBatchAt) return;
    clearTimeout(this.presenceBatch);
    this.presenceBatchAt = at;
    this.presenceBatch = setTimeout(() => this.flushPresence(), Math.max(0, at - Date.now()));
  }

  /**
   * Sends the room's waiting presence events, in order. A room that has grown past the detail
   * limit since they were queued has its count scheduled now (announce): that count stands for
   * their joins and leaves, which are dropped, and renames still go out. A class of 300 arriving at
   * once had queued the first 200 joins with their names; sent to each of the 300, 60k frames.
   */
  private sendPresence(room: string): void {
    const waiting = this.pendingPresence.get(room);
    if (!waiting) return;
    this.pendingPresence.delete(room);
    this.presenceSentAt.set(room, Date.now());
    const events = this.presenceTimers.has(room) ? waiting.filter((event) => !isJoinOrLeave(event)) : waiting;
    for (const event of events) this.send(event);
  }

  /**
   * While the bus is down every event fails to publish (hundreds a second): one line when that
   * starts and one with the count when it ends (OutageLog), not a line and a stack per event.
   * Made at the first failure.
   */
  private publishOutage: OutageLog | undefined;
  private readonly published = () => this.publishOutage?.recovered();
  private readonly publishFailed = (err: unknown) => {
    this.publishOutage ??= new OutageLog({ log: this.options.log, component: 'bus publish', effect: 'other nodes miss these events until they resync' });
    this.publishOutage.failed(err);
  };
}

/** The room an event belongs to; undefined for events of no one room (they keep every room's order). */
function roomOf(event: BusEvent): string | undefined {
  if (event.type === 'message') return event.message.room;
  return 'room' in event ? event.room : undefined;
}

/** A presence event naming who joined or left (not a rename, not a count). */
function isJoinOrLeave(event: BusEvent): boolean {
  return event.type === 'presence' && (event.joined !== undefined || event.left !== undefined);
}
