// The chat domain: rooms, membership, presence, rate limits, ordering. No sockets and no SQL here:
// the hub talks to a Store, a Bus and a Presence, and to connections through Session/Peer.
//
// A message's path (docs/architecture.md): send -> validate (gateway) -> membership and rate
// limit -> group commit in the store -> publish on the bus -> every hub's RoomChannel delivers it
// in seq order -> ack to the sender.
import type { ClientFrame, ClientFrameType, User } from '@chat/protocol';
import { DEFAULT_LIMITS, PROTOCOL_VERSION } from '@chat/protocol';
import type { Bus, BusEvent } from '../bus/bus.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Presence } from '../presence/presence.js';
import type { AppendResult, NewMessage, Store } from '../store/store.js';
import { CommitQueue } from './commit-queue.js';
import { RateLimiter } from './rate-limiter.js';
import { RoomChannel } from './room-channel.js';
import { Session, type Peer, type UserEntry } from './session.js';

export interface HubLogger {
  error(obj: object, msg: string): void;
}

export interface HubOptions {
  store: Store;
  bus: Bus;
  presence: Presence;
  /** Sends per second per user (burst 2×); 0 = unlimited. */
  rateLimit: number;
  /** Messages in `joined.history` for a join without `since`. */
  historyWindow: number;
  /** Cap on `joined.history` for a join with `since`. */
  resumeCap?: number;
  /** Most members listed in `joined.members`. */
  membersLimit?: number;
  log: HubLogger;
  metrics?: Metrics;
}

/** Forward at most one `typing` per user and room per this many ms. */
const TYPING_THROTTLE_MS = 1000;

interface PendingSend {
  session: Session;
  ref: string | undefined;
  message: NewMessage;
}

type Handler<K extends ClientFrameType> = (session: Session, frame: Extract<ClientFrame, { type: K }>) => void | Promise<void>;

export class Hub {
  private readonly channels = new Map<string, RoomChannel>();
  private readonly users = new Map<string, UserEntry>();
  private readonly limiter: RateLimiter;
  private readonly commits: CommitQueue<PendingSend>;
  private readonly unsubscribe: () => void;
  private readonly store: Store;
  private readonly bus: Bus;
  private readonly presence: Presence;
  private readonly resumeCap: number;
  private readonly membersLimit: number;

  constructor(private readonly options: HubOptions) {
    ({ store: this.store, bus: this.bus, presence: this.presence } = options);
    this.resumeCap = options.resumeCap ?? DEFAULT_LIMITS.resumeCap;
    this.membersLimit = options.membersLimit ?? DEFAULT_LIMITS.presenceDetailLimit;
    this.limiter = new RateLimiter({ rate: options.rateLimit });
    this.commits = new CommitQueue((batch) => this.commitBatch(batch));
    this.unsubscribe = this.bus.subscribe((event) => this.onBusEvent(event));
  }

  /** Registers a connection and sends its `welcome` (always its first frame). */
  async connect(peer: Peer, user: User, token?: string): Promise<Session> {
    let entry = this.users.get(user.id);
    if (!entry) this.users.set(user.id, (entry = { user: { ...user }, sessions: new Set(), typingAt: new Map() }));
    const session = new Session(peer, entry, this.options.metrics);
    entry.sessions.add(session);
    const online = await this.presence.connect(entry.user);
    session.send({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      user: { ...entry.user },
      online,
      serverTime: Date.now(),
      ...(token === undefined ? {} : { token }),
    });
    return session;
  }

  /** The connection is gone: it leaves its rooms (presence `left` where it was the user's last). */
  async disconnect(session: Session): Promise<void> {
    if (session.closed) return;
    session.closed = true;
    const rooms = [...session.rooms];
    session.rooms.clear();
    for (const room of rooms) this.detach(session, room);
    const entry = session.entry;
    entry.sessions.delete(session);
    if (entry.sessions.size === 0 && this.users.get(entry.user.id) === entry) this.users.delete(entry.user.id);
    for (const room of rooms) await this.leavePresence(session.user, room);
    await this.presence.disconnect(session.userId);
  }

  /** Handles one validated frame. Frames of one connection are handed in one at a time. */
  handle(session: Session, frame: ClientFrame): void | Promise<void> {
    return (this.handlers[frame.type] as Handler<ClientFrameType>)(session, frame);
  }

  /** Rooms with local connections, and joined (connection, room) pairs, for metrics. */
  stats(): { roomsActive: number; memberships: number } {
    let memberships = 0;
    for (const channel of this.channels.values()) memberships += channel.size;
    return { roomsActive: this.channels.size, memberships };
  }

  /** Waits for queued messages to be committed and acked, then stops listening to the bus. */
  async close(): Promise<void> {
    await this.commits.drain();
    this.unsubscribe();
  }

  // Typed map: a new client frame type does not compile until it has a handler here.
  private readonly handlers: { [K in ClientFrameType]: Handler<K> } = {
    join: (s, f) => this.join(s, f.room, f.since, f.ref),
    leave: (s, f) => this.leave(s, f.room, f.ref),
    send: (s, f) => {
      if (!this.requireMember(s, f.room, f.ref)) return;
      const waitMs = this.limiter.take(s.userId);
      if (waitMs > 0) return s.error('rate_limited', 'too many messages; slow down', f.ref, waitMs);
      this.commits.push({ session: s, ref: f.ref, message: { room: f.room, from: { ...s.user }, clientId: f.id, text: f.text } });
      this.options.metrics?.messagesReceived.inc();
    },
    history: async (s, f) => {
      if (!this.requireMember(s, f.room, f.ref)) return;
      const limit = f.limit ?? DEFAULT_LIMITS.historyLimit;
      const page =
        f.after !== undefined
          ? await this.store.messagesAfter(f.room, f.after, limit)
          : await this.store.messagesBefore(f.room, f.before, limit);
      s.send({ type: 'history', room: f.room, messages: page.messages, hasMore: page.hasMore, ...ref(f.ref) });
    },
    typing: (s, f) => {
      if (!this.requireMember(s, f.room, f.ref)) return;
      const now = Date.now();
      const typingAt = s.entry.typingAt;
      if (now - (typingAt.get(f.room) ?? 0) < TYPING_THROTTLE_MS) return;
      typingAt.set(f.room, now);
      this.publish({ type: 'typing', room: f.room, user: { ...s.user } });
    },
    ping: (s, f) => s.send({ type: 'pong', ...ref(f.ref) }),
    nick: async (s, f) => {
      // TODO(#5): answer nick_taken when a registered account owns the nick.
      await this.store.renameUser(s.userId, f.nick);
      const entry = s.entry;
      entry.user.nick = f.nick;
      await this.presence.rename(entry.user);
      s.send({ type: 'nick', nick: f.nick, ...ref(f.ref) });
      // The user's other connections (tabs) learn their new nick too, even if in no shared room.
      for (const other of entry.sessions) if (other !== s) other.send({ type: 'nick', nick: f.nick });
      const rooms = new Set([...entry.sessions].flatMap((session) => [...session.rooms]));
      for (const room of rooms) {
        const online = await this.presence.roomOnline(room);
        this.publish({ type: 'presence', room, online, renamed: { ...entry.user } });
      }
    },
  };

  private requireMember(s: Session, room: string, frameRef: string | undefined): boolean {
    if (s.rooms.has(room)) return true;
    s.error('not_member', 'join the room first', frameRef);
    return false;
  }

  private async join(s: Session, room: string, since: number | undefined, frameRef: string | undefined): Promise<void> {
    const channel = this.channel(room);
    const rejoin = channel.has(s);
    if (!rejoin) channel.beginJoin(s);
    let presenceJoined = false;
    try {
      // TODO(#5): private rooms answer forbidden / not_found here.
      const lastSeq = await this.store.ensureRoom(room);
      const page =
        since === undefined
          ? await this.store.messagesBefore(room, undefined, this.options.historyWindow)
          : await this.store.messagesAfter(room, since, this.resumeCap);
      let online: number;
      let changed = false;
      if (rejoin) {
        online = await this.presence.roomOnline(room);
      } else {
        ({ online, changed } = await this.presence.join(room, s.user));
        presenceJoined = true;
      }
      const members = await this.presence.members(room, this.membersLimit);
      if (s.closed) throw new SessionClosed();
      const seen = Math.max(lastSeq, page.messages.at(-1)?.seq ?? 0);
      const newer = rejoin ? [] : channel.completeJoin(s, seen);
      s.rooms.add(room);
      s.send({ type: 'joined', room, seq: seen, online, members, history: page.messages, hasMore: page.hasMore, ...ref(frameRef) });
      for (const message of newer) s.sendRaw(JSON.stringify(message));
      if (changed) this.publish({ type: 'presence', room, online, joined: { ...s.user } });
    } catch (err) {
      if (!rejoin) this.detach(s, room);
      if (presenceJoined) await this.leavePresence(s.user, room);
      if (err instanceof SessionClosed) return;
      this.options.log.error({ err, room }, 'join failed');
      s.error('internal', 'could not join the room; try again', frameRef);
    }
  }

  private async leave(s: Session, room: string, frameRef: string | undefined): Promise<void> {
    const wasMember = s.rooms.delete(room);
    if (wasMember) this.detach(s, room);
    s.send({ type: 'left', room, ...ref(frameRef) });
    if (wasMember) await this.leavePresence(s.user, room);
  }

  private async leavePresence(user: User, room: string): Promise<void> {
    const { changed, online } = await this.presence.leave(room, user.id);
    if (changed) this.publish({ type: 'presence', room, online, left: { ...user } });
  }

  private channel(room: string): RoomChannel {
    let channel = this.channels.get(room);
    if (!channel) {
      channel = new RoomChannel({
        room,
        readAfter: (r, after, limit) => this.store.messagesAfter(r, after, limit),
        onError: (err) => this.options.log.error({ err, room }, 'reading missed messages failed'),
        onDelivered: (count) => this.options.metrics?.messagesDelivered.inc(count),
      });
      this.channels.set(room, channel);
    }
    return channel;
  }

  /** Removes a connection from a room's channel, dropping the channel when nobody is left. */
  private detach(s: Session, room: string): void {
    const channel = this.channels.get(room);
    if (!channel) return;
    channel.remove(s);
    if (channel.isEmpty) this.channels.delete(room);
  }

  private publish(event: BusEvent): void {
    this.bus.publish(event).catch((err: unknown) => this.options.log.error({ err, type: event.type }, 'bus publish failed'));
  }

  private onBusEvent(event: BusEvent): void {
    switch (event.type) {
      case 'message':
        this.channels.get(event.message.room)?.onMessage(event.message);
        return;
      case 'presence': {
        const channel = this.channels.get(event.room);
        if (!channel) return;
        const data = JSON.stringify(event);
        for (const member of channel.joined()) member.sendRaw(data);
        return;
      }
      case 'typing': {
        const channel = this.channels.get(event.room);
        if (!channel) return;
        const data = JSON.stringify(event);
        for (const member of channel.joined()) if (member.userId !== event.user.id) member.sendRaw(data);
        return;
      }
    }
  }

  /** One group commit: store the batch durably, then publish the new messages, then ack. */
  private async commitBatch(batch: PendingSend[]): Promise<void> {
    let results: AppendResult[];
    const metrics = this.options.metrics;
    const stopTimer = metrics?.commitSeconds.startTimer();
    try {
      results = await this.store.appendMessages(batch.map((p) => p.message));
      stopTimer?.();
      metrics?.commitBatchSize.observe(batch.length);
    } catch (err) {
      this.options.log.error({ err, count: batch.length }, 'storing messages failed');
      for (const p of batch) p.session.error('internal', 'message not stored; retry with the same id', p.ref);
      return;
    }
    for (const { message, duplicate } of results) {
      if (duplicate) continue;
      metrics?.messagesStored.inc();
      this.publish({ type: 'message', message });
    }
    batch.forEach((p, i) => {
      const { message } = results[i] as AppendResult;
      p.session.send({
        type: 'ack',
        room: message.room,
        id: message.clientId,
        seq: message.seq,
        msgId: message.id,
        ts: message.ts,
        ...ref(p.ref),
      });
    });
  }
}

class SessionClosed extends Error {}

const ref = (value: string | undefined): { ref?: string } => (value === undefined ? {} : { ref: value });
