// One room's delivery on this node: which local connections are in it, and the guarantee that
// each of them gets every entry of the room's log (messages, and changes to them) once, in seq
// order (docs/protocol.md, "Ordering and delivery").
import type { LogEntry } from '@chat/protocol';
import type { EntryPage } from '../store/store.js';
import { SharedFrame } from './shared-frame.js';

/** What the channel needs of a connection: a way to send it pre-serialized frames. */
export interface Member {
  sendRaw(data: string | Buffer | SharedFrame): void;
  readonly userId: string;
}

export interface RoomChannelOptions {
  room: string;
  /** Reads messages the bus missed back from the store. */
  readAfter: (room: string, after: number, limit: number) => Promise<EntryPage>;
  onError: (err: unknown) => void;
  /** Counts message events written (for metrics). */
  onDelivered?: (count: number) => void;
}

const GAP_READ_LIMIT = 1000;
/**
 * Rooms from this size write a message committed alone to each member at once (SharedFrame.
 * writeNow). Queueing 500 frames before the first write delays the first receivers by about
 * 0.3 ms; queueing 10 costs microseconds, and writing at once would still cost the sender a write
 * of its own for its ack: in the rooms benchmark (rooms of 10) it lowered the rate sustained.
 */
export const WRITE_NOW_MIN_MEMBERS = 100;
const GAP_RETRY_MS = 1000;

export class RoomChannel {
  /** Last seq delivered on this node; -1 until the first join tells us where the room stands. */
  private delivered = -1;
  /** Joined connections, each with the seq it has already seen through its `joined` reply. */
  private readonly members = new Map<Member, number>();
  /** Connections whose join is reading history: live messages wait here until `joined` is sent. */
  private readonly joining = new Map<Member, LogEntry[]>();
  /** Messages held back while a gap is read from the store. */
  private backlog: LogEntry[] | null = null;
  /** A catch-up was asked for while a gap was being read: run it when that is done. */
  private catchUpPending = false;

  constructor(private readonly options: RoomChannelOptions) {}

  get room(): string {
    return this.options.room;
  }

  /** Joined connections. */
  get size(): number {
    return this.members.size;
  }

  get isEmpty(): boolean {
    return this.members.size === 0 && this.joining.size === 0;
  }

  has(member: Member): boolean {
    return this.members.has(member);
  }

  /** Every joined connection (typing and presence go to these). */
  joined(): IterableIterator<Member> {
    return this.members.keys();
  }

  /** Starts buffering live messages for a connection whose join is in progress. */
  beginJoin(member: Member): void {
    this.joining.set(member, []);
  }

  /**
   * Completes a join whose `joined` reply covered messages up to `seenSeq`. Returns the live
   * messages that arrived meanwhile and are newer, to be sent right after `joined`.
   */
  completeJoin(member: Member, seenSeq: number): LogEntry[] {
    const buffered = this.joining.get(member) ?? [];
    this.joining.delete(member);
    const newer = buffered.filter((m) => m.seq > seenSeq);
    const floor = Math.max(seenSeq, newer.at(-1)?.seq ?? 0);
    // With nobody else here, nothing older is still owed to anyone: start counting from here.
    if (this.members.size === 0) this.delivered = Math.max(this.delivered, floor);
    this.members.set(member, floor);
    return newer;
  }

  /** Drops a connection (leave, disconnect, or a join that failed). */
  remove(member: Member): void {
    this.members.delete(member);
    this.joining.delete(member);
  }

  /**
   * A message from the bus: delivers it in seq order, once, reading any gap from the store.
   * `lone`: it was committed alone, so its frame may be written at once (SharedFrame.writeNow).
   */
  onMessage(message: LogEntry, lone = false): void {
    if (this.backlog) {
      this.backlog.push(message);
      return;
    }
    if (this.delivered >= 0 && message.seq <= this.delivered) return; // already delivered
    if (this.delivered >= 0 && message.seq > this.delivered + 1) {
      this.backlog = [message];
      this.readMissed();
      return;
    }
    this.fanOut(message, lone);
  }

  /**
   * Delivers whatever the store holds beyond the last delivered seq: after a bus outage the
   * room's last messages may be lost with no later one to reveal the gap.
   */
  catchUp(): void {
    if (this.delivered < 0) return; // nobody has joined yet: the first join reads the room
    if (this.backlog) {
      this.catchUpPending = true;
      return;
    }
    this.backlog = [];
    this.readMissed();
  }

  /**
   * Reads from the store what was not delivered: the gap below the first held-back message, or,
   * for a catch-up with nothing held back yet, the room's whole tail. Live messages wait in the
   * backlog meanwhile and go out after.
   */
  private readMissed(): void {
    const end = this.backlog?.[0]?.seq; // undefined: read to the end
    const limit = end === undefined ? GAP_READ_LIMIT : Math.min(end - this.delivered - 1, GAP_READ_LIMIT);
    this.options.readAfter(this.room, this.delivered, limit).then(
      (page) => {
        for (const m of page.messages) if (m.seq > this.delivered && (end === undefined || m.seq < end)) this.fanOut(m);
        if (end === undefined && page.hasMore) return this.readMissed();
        // The store is the truth: a seq it does not hold (pruned) is not waited for.
        if (end !== undefined && !page.hasMore) this.delivered = Math.max(this.delivered, end - 1);
        this.releaseBacklog();
      },
      (err) => {
        this.options.onError(err);
        setTimeout(() => this.readMissed(), GAP_RETRY_MS).unref();
      },
    );
  }

  /** Gap or tail read: the held-back live messages go out now, then any catch-up asked for meanwhile. */
  private releaseBacklog(): void {
    const backlog = this.backlog ?? [];
    this.backlog = null;
    for (const m of backlog) this.onMessage(m);
    if (this.catchUpPending && !this.backlog) {
      this.catchUpPending = false;
      this.catchUp();
    }
  }

  private fanOut(message: LogEntry, writeNow = false): void {
    this.delivered = message.seq;
    if (this.members.size > 0) {
      // Serialized and framed once; every member gets the same bytes.
      const data = SharedFrame.of(message);
      data.writeNow = writeNow && this.members.size >= WRITE_NOW_MIN_MEMBERS;
      let delivered = 0;
      for (const [member, floor] of this.members) {
        if (message.seq > floor) {
          member.sendRaw(data);
          delivered++;
        }
      }
      this.options.onDelivered?.(delivered);
    }
    for (const buffer of this.joining.values()) buffer.push(message);
  }
}
