// The chat domain: rooms, membership, presence, rate limits, ordering. No sockets and no SQL here:
// the hub talks to a Store, a Bus and a Presence, and to connections through Session/Peer.
//
// A message's path (docs/architecture.md): send -> validate (gateway) -> membership and rate
// limit -> group commit in the store -> publish on the bus -> every hub's RoomChannel delivers it
// in seq order -> ack to the sender.
import { createHash } from 'node:crypto';
import type { ClientFrame, ClientFrameType, ErrorCode, JoinedFrame, ModerationAction, User } from '@chat/protocol';
import { DEFAULT_LIMITS, LOBBY, PROTOCOL_VERSION } from '@chat/protocol';
import type { AdminCheck } from '../auth/admins.js';
import { NickPolicy, type NickCheck } from '../auth/nick-policy.js';
import { WindowCounter } from '../auth/window-counter.js';
import type { Bus, BusEvent } from '../bus/bus.js';
import type { RoomCreation } from '../config.js';
import { OutageLog } from '../log/outage-log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Presence } from '../presence/presence.js';
import type { RateLimit } from '../rate-limit/rate-limit.js';
import type { RequestBudget } from '../rate-limit/request-budget.js';
import type { AppendResult, MessagePage, NewMessage, RoomInfo, RoomKind, RoomRole, Store } from '../store/store.js';
import { StoreWriteError } from '../store/store.js';
import { CommitQueue } from './commit-queue.js';
import { mayDelete, mayModerate, mayRead, standingIn, type Caller } from './room-access.js';
import { fitReplyBytes } from './reply-size.js';
import { RoomChannel } from './room-channel.js';
import { Session, type Peer, type UserEntry } from './session.js';
import { SharedFrame } from './shared-frame.js';

export interface HubLogger {
  error(obj: object, msg: string): void;
}

export interface HubOptions {
  store: Store;
  bus: Bus;
  presence: Presence;
  /** Sends per user (RATE_LIMIT; backends.ts supplies it, in process or cluster-wide). */
  rateLimiter: RateLimit;
  /** Sends per address (RATE_LIMIT_PER_IP; IPv4, or IPv6 /64). */
  addressRateLimiter: RateLimit;
  /** Requests that touch the store, per user and address (app.ts: DEFAULT_REQUEST_BUDGET with REQUEST_RATE_PER_IP). */
  requestBudget: RequestBudget;
  /** Who may create rooms (by joining an unknown public room, or `create`). Default everyone. */
  roomCreation?: RoomCreation;
  /** Rooms one user may create per hour (0 = unlimited; admins are not counted). */
  maxRoomsCreatedPerHour?: number;
  /** Rooms created per address per hour (0 = unlimited). */
  maxRoomsCreatedPerIpPerHour?: number;
  /** Messages in `joined.history` for a join without `since`. */
  historyWindow: number;
  /** Cap on `joined.history` for a join with `since`. */
  resumeCap?: number;
  /**
   * Above this many users in a room, presence is coalesced: at most one event per room per second,
   * with `online` and no `joined`/`left` (PROTOCOL.md, large rooms), and `joined.members` is capped
   * at this many. Default 200.
   */
  presenceDetailLimit?: number;
  /** Rooms one connection may be in at once (0 = unlimited). */
  maxRoomsPerConnection?: number;
  /** Who is a server admin (owner rights everywhere); nobody when absent. */
  admins?: AdminCheck;
  /** Which nicks a guest may not take (NickPolicy over the store by default). */
  nicks?: NickCheck;
  log: HubLogger;
  metrics?: Metrics;
}

/** In large rooms, at most one presence event per room per this many ms. */
const PRESENCE_COALESCE_MS = 1000;

/**
 * Who-joined/left/renamed events wait this long and leave together, so a member receives a burst
 * of them in one socket write rather than one write each (a room filling up costs O(members²)
 * frames; it need not cost as many writes). Any other event flushes them first, keeping order.
 */
export const PRESENCE_BATCH_MS = 50;

const HOUR_MS = 60 * 60 * 1000;

/** Requests that read or write the store: each takes from the RequestBudget first. */
const STORE_REQUESTS: ReadonlySet<ClientFrameType> = new Set<ClientFrameType>([
  'join', 'leave', 'history', 'nick', 'create', 'invite', 'kick', 'ban', 'unban', 'op', 'mute', 'dm', 'delete',
]);

/** Forward at most one `typing` per user and room per this many ms. */
const TYPING_THROTTLE_MS = 1000;

/** DM rooms are named from their two users; nobody may create or join such a name otherwise. */
const DM_PREFIX = 'dm-';

/** The private room of two users: the same name whoever starts it. */
export function dmRoomName(a: string, b: string): string {
  const [x, y] = [a, b].sort();
  return DM_PREFIX + createHash('sha256').update(`${x}\n${y}`).digest('hex').slice(0, 32);
}

/** Why a request was refused: the error frame the client gets. */
class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The session's user as the room rules see it. */
const callerOf = (s: Session): Caller => ({ id: s.userId, admin: s.entry.admin });

interface PendingSend {
  session: Session;
  ref: string | undefined;
  message: NewMessage;
}

type Handler<K extends ClientFrameType> = (session: Session, frame: Extract<ClientFrame, { type: K }>) => void | Promise<void>;

export class Hub {
  private readonly channels = new Map<string, RoomChannel>();
  private readonly users = new Map<string, UserEntry>();
  private readonly limiter: RateLimit;
  private readonly addressLimiter: RateLimit;
  private readonly budget: RequestBudget;
  private readonly nicks: NickCheck;
  /** Rooms created in the last hour, per user and per address. */
  private readonly roomsCreatedByUser: WindowCounter;
  private readonly roomsCreatedByAddress: WindowCounter;
  private readonly commits: CommitQueue<PendingSend>;
  /** Stops listening to the bus and presence. */
  private readonly unsubscribe: Array<() => void>;
  private readonly store: Store;
  private readonly bus: Bus;
  private readonly presence: Presence;
  private readonly resumeCap: number;
  private readonly presenceDetailLimit: number;
  /** JSON of members lists still held by the presence (see membersJson). */
  private readonly serializedMembers = new WeakMap<readonly User[], string>();
  /** Rooms with a coalesced presence event already scheduled. */
  private readonly presenceTimers = new Map<string, NodeJS.Timeout>();
  /** Presence events with who joined, left or was renamed, waiting for the batch (PRESENCE_BATCH_MS). */
  private pendingPresence: BusEvent[] = [];
  private presenceBatch: NodeJS.Timeout | undefined;
  private closing = false;
  /** A commit of one message is being published on this node's in-process bus (see commitBatch). */
  private publishingLone = false;

  constructor(private readonly options: HubOptions) {
    ({ store: this.store, bus: this.bus, presence: this.presence } = options);
    this.resumeCap = options.resumeCap ?? DEFAULT_LIMITS.resumeCap;
    this.presenceDetailLimit = options.presenceDetailLimit ?? DEFAULT_LIMITS.presenceDetailLimit;
    this.limiter = options.rateLimiter;
    this.addressLimiter = options.addressRateLimiter;
    this.budget = options.requestBudget;
    this.nicks = options.nicks ?? new NickPolicy({ store: this.store });
    this.roomsCreatedByUser = new WindowCounter({ limit: options.maxRoomsCreatedPerHour ?? 0, windowMs: HOUR_MS });
    this.roomsCreatedByAddress = new WindowCounter({ limit: options.maxRoomsCreatedPerIpPerHour ?? 0, windowMs: HOUR_MS });
    this.commits = new CommitQueue((batch) => this.commitBatch(batch));
    this.unsubscribe = [
      this.bus.subscribe((event) => this.onBusEvent(event)),
      // Events from other nodes may have been lost (a bus outage), and a lost last message leaves
      // no later seq to reveal the gap: every room re-reads its tail from the store.
      this.bus.onResync(() => this.catchUp()),
      // Another node died without saying goodbye; its users were swept from presence here.
      this.presence.onExpired((members) => {
        for (const { room, user, online } of members) this.announce(room, online, { left: user });
        this.publish({ type: 'catchUp' });
      }),
    ];
  }

  /**
   * Registers a connection and sends its `welcome` (always its first frame). `token` is a guest's
   * restore token, sent back in `welcome`; accounts sign in with sessions and get none. `address`
   * is the client's address as per-address limits key it (ipKey: IPv4, or IPv6 /64).
   */
  async connect(peer: Peer, user: User, options: { token?: string; account?: boolean; address?: string } = {}): Promise<Session> {
    const { token, account = false, address = 'local' } = options;
    // Asked before the entry is looked up: no await may come between that and its creation.
    const admin = account && (await this.options.admins?.isAdmin(user)) === true;
    let entry = this.users.get(user.id);
    if (!entry) {
      // USER.account (PROTOCOL.md 1.1): true for accounts, absent for guests, in every frame that
      // copies this user (welcome, presence, typing, message.from, invitation).
      entry = { user: account ? { id: user.id, nick: user.nick, account: true } : { id: user.id, nick: user.nick }, account, admin, sessions: new Set() };
      this.users.set(user.id, entry);
    }
    const session = new Session(peer, entry, address, this.options.metrics);
    entry.sessions.add(session);
    let online: number;
    try {
      online = await this.presence.connect(entry.user);
    } catch (err) {
      this.forgetSession(session);
      throw err;
    }
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

  /** Events between nodes may have been lost: re-read from the store what they would have said. */
  private catchUp(): void {
    for (const channel of this.channels.values()) channel.catchUp();
    this.refreshModeration().catch((err: unknown) => this.options.log.error({ err }, 'refreshing bans and mutes failed'));
  }

  /**
   * A ban, mute or room deletion made on another node while the bus was down is stored, but its
   * event is lost: each local membership reads it back, and is ejected or muted as the event
   * would have done.
   */
  private async refreshModeration(): Promise<void> {
    const rooms = new Map<string, boolean>(); // room -> still exists
    for (const entry of [...this.users.values()]) {
      for (const session of [...entry.sessions]) {
        for (const room of [...session.rooms]) {
          if (!rooms.has(room)) rooms.set(room, (await this.store.roomInfo(room)) !== null);
          if (!rooms.get(room)) this.eject(session, room, 'delete');
          else if (await this.store.isBanned(room, session.userId)) this.eject(session, room, 'ban');
          else {
            const until = await this.store.mutedUntil(room, session.userId);
            if (until > session.mutedUntil(room)) this.mute(session, room, until);
          }
        }
      }
    }
  }

  private takeAddressThenQueue(s: Session, f: Extract<ClientFrame, { type: 'send' }>, userWaitMs: number): void | Promise<void> {
    if (userWaitMs > 0) return this.queueSend(s, f, userWaitMs);
    const waitMs = this.addressLimiter.take(s.address);
    if (typeof waitMs !== 'number') return waitMs.then((ms) => this.queueSend(s, f, ms));
    this.queueSend(s, f, waitMs);
  }

  private queueSend(s: Session, f: Extract<ClientFrame, { type: 'send' }>, waitMs: number): void {
    if (waitMs > 0) return s.error('rate_limited', 'too many messages; slow down', f.ref, waitMs);
    this.commits.push({ session: s, ref: f.ref, message: { room: f.room, from: { ...s.user }, clientId: f.id, text: f.text } });
    this.options.metrics?.messagesReceived.inc();
  }

  /** The connection is gone: it leaves its rooms (presence `left` where it was the user's last). */
  async disconnect(session: Session): Promise<void> {
    if (session.closed) return;
    session.closed = true;
    const rooms = [...session.rooms];
    session.rooms.clear();
    for (const room of rooms) this.detach(session, room);
    this.forgetSession(session);
    // Every presence update is attempted even if one fails (the shared presence may be down):
    // a cluster presence keeps what it could not write and reconciles when it is back.
    const results = await Promise.allSettled([
      ...rooms.map((room) => this.leavePresence(session.user, room)),
      this.presence.disconnect(session.userId),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private forgetSession(session: Session): void {
    const entry = session.entry;
    entry.sessions.delete(session);
    if (entry.sessions.size === 0 && this.users.get(entry.user.id) === entry) this.users.delete(entry.user.id);
  }

  /**
   * Handles one validated frame. Frames of one connection are handed in one at a time. A request
   * that touches the store is refused at once, without an await, when the user or its address is
   * over its budget, so a flood costs microseconds a frame.
   */
  handle(session: Session, frame: ClientFrame): void | Promise<void> {
    if (STORE_REQUESTS.has(frame.type)) {
      const waitMs = this.budget.take(session.userId, session.address, frame.type === 'nick');
      if (waitMs > 0) return session.error('rate_limited', 'too many requests; slow down', frame.ref, waitMs);
    }
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
    for (const timer of this.presenceTimers.values()) clearTimeout(timer);
    this.presenceTimers.clear();
    // From here presence leaves at once: the connections closing after this (gateway.close) are
    // announced to the other nodes before the bus closes.
    this.closing = true;
    this.flushPresence();
    await this.commits.drain();
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  // Typed map: a new client frame type does not compile until it has a handler here.
  private readonly handlers: { [K in ClientFrameType]: Handler<K> } = {
    join: (s, f) => this.guarded(s, f.ref, () => this.join(s, f.room, f.since, f.ref)),
    leave: (s, f) => this.leave(s, f.room, f.ref),
    send: (s, f) => {
      if (!this.requireMember(s, f.room, f.ref)) return;
      const mutedUntil = s.mutedUntil(f.room);
      if (mutedUntil > Date.now()) return s.error('forbidden', `you are muted in this room until ${new Date(mutedUntil).toISOString()}`, f.ref);
      // Per user, then per address: twenty fresh guests from one address share one budget.
      const userWait = this.limiter.take(s.userId);
      // A cluster-wide limiter answers asynchronously; the connection holds its next frames until then.
      if (typeof userWait !== 'number') return userWait.then((ms) => this.takeAddressThenQueue(s, f, ms));
      return this.takeAddressThenQueue(s, f, userWait);
    },
    history: async (s, f) => {
      if (!this.requireMember(s, f.room, f.ref)) return;
      const limit = f.limit ?? DEFAULT_LIMITS.historyLimit;
      const forward = f.after !== undefined;
      const page = fitPage(
        forward ? await this.store.messagesAfter(f.room, f.after as number, limit) : await this.store.messagesBefore(f.room, f.before, limit),
        forward ? 'forward' : 'backward',
      );
      s.send({ type: 'history', room: f.room, messages: page.messages, hasMore: page.hasMore, ...ref(f.ref) });
    },
    typing: (s, f) => {
      if (!this.requireMember(s, f.room, f.ref)) return;
      const now = Date.now();
      const typingAt = (s.entry.typingAt ??= new Map());
      if (now - (typingAt.get(f.room) ?? 0) < TYPING_THROTTLE_MS) return;
      typingAt.set(f.room, now);
      this.publish({ type: 'typing', room: f.room, user: { ...s.user } });
    },
    ping: (s, f) => s.send({ type: 'pong', ...ref(f.ref) }),
    nick: async (s, f) => {
      if (s.entry.account) return s.error('forbidden', "an account's nick is its username", f.ref);
      if (await this.nicks.taken(f.nick)) return s.error('nick_taken', 'that nick is, or looks like, the name of a registered account', f.ref);
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
        this.publishPresence({ type: 'presence', room, online, renamed: { ...entry.user } });
      }
    },
    create: (s, f) =>
      this.guarded(s, f.ref, async () => {
        this.requireAccount(s);
        if (f.room.startsWith(DM_PREFIX)) throw new Refusal('forbidden', 'room names starting with dm- are reserved for direct messages');
        this.allowRoomCreation(s, 'forbidden');
        const created = await this.store.createRoom(f.room, f.private ? 'private' : 'public', s.userId);
        if (!created) throw new Refusal('forbidden', 'that room already exists');
        this.countRoomCreated(s);
        s.send({ type: 'created', room: f.room, ...ref(f.ref) });
      }),
    invite: (s, f) =>
      this.guarded(s, f.ref, async () => {
        this.requireAccount(s);
        await this.requireRights(s, f.room, 'moderator');
        const invitee = await this.store.accountByUsername(f.user);
        if (!invitee) throw new Refusal('not_found', 'no account has that username');
        if ((await this.store.roleOf(f.room, invitee.user.id)) === null) await this.store.setRole(f.room, invitee.user.id, 'member');
        await this.bus.publish({ type: 'invited', room: f.room, userId: invitee.user.id, by: { ...s.user } });
        s.send({ type: 'invited', room: f.room, user: invitee.user, ...ref(f.ref) });
      }),
    kick: (s, f) => this.moderate(s, 'kick', f.room, f.user, f.ref),
    ban: (s, f) => this.moderate(s, 'ban', f.room, f.user, f.ref),
    unban: (s, f) => this.moderate(s, 'unban', f.room, f.user, f.ref),
    op: (s, f) => this.moderate(s, 'op', f.room, f.user, f.ref),
    mute: (s, f) => this.moderate(s, 'mute', f.room, f.user, f.ref, f.ms),
    dm: (s, f) =>
      this.guarded(s, f.ref, async () => {
        this.requireAccount(s);
        const other = await this.store.accountByUsername(f.user);
        if (!other) throw new Refusal('not_found', 'no account has that username');
        if (other.user.id === s.userId) throw new Refusal('forbidden', 'a direct message needs another user');
        const room = dmRoomName(s.userId, other.user.id);
        this.checkRoomLimit(s, room);
        await this.store.createRoom(room, 'dm', null);
        for (const id of [s.userId, other.user.id]) if ((await this.store.roleOf(room, id)) === null) await this.store.setRole(room, id, 'member');
        await this.join(s, room, undefined, f.ref);
      }),
    delete: (s, f) =>
      this.guarded(s, f.ref, async () => {
        this.requireAccount(s);
        if (!s.entry.admin) throw new Refusal('forbidden', 'only server admins delete rooms');
        if (f.room === LOBBY) throw new Refusal('forbidden', 'the lobby always exists');
        const info = await this.store.roomInfo(f.room);
        if (!info) throw new Refusal('not_found', 'no such room');
        if (!mayDelete(info, callerOf(s))) throw new Refusal('forbidden', 'a direct message belongs to its two people: nobody deletes it');
        if (!(await this.store.deleteRoom(f.room))) throw new Refusal('not_found', 'no such room');
        this.publish({ type: 'roomDeleted', room: f.room });
        s.send({ type: 'deleted', room: f.room, ...ref(f.ref) });
      }),
  };

  /** Runs a request whose refusals are thrown as Refusal; other errors are left to the gateway. */
  private async guarded(s: Session, frameRef: string | undefined, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      s.error(err.code, err.message, frameRef, err.retryAfterMs);
    }
  }

  private checkRoomLimit(s: Session, room: string): void {
    const limit = this.options.maxRoomsPerConnection ?? 0;
    if (limit > 0 && !s.rooms.has(room) && s.rooms.size >= limit) {
      throw new Refusal('forbidden', `a connection may be in at most ${limit} rooms; leave one first`);
    }
  }

  private requireAccount(s: Session): void {
    if (!s.entry.account) throw new Refusal('unauthorized', 'sign in to do that');
  }

  /**
   * The caller's standing in the room (admins count as owners), with the room itself; refuses
   * below `needed`.
   */
  private async requireRights(s: Session, room: string, needed: 'moderator' | 'owner'): Promise<{ role: RoomRole; info: RoomInfo }> {
    const standing = await standingIn(this.store, room, callerOf(s));
    if (!standing) throw new Refusal('not_found', 'no such room');
    if (standing.banned) throw new Refusal('forbidden', 'you are banned from this room');
    if (standing.info.kind === 'dm') throw new Refusal('forbidden', 'a direct message stays between its two people: nobody moderates it');
    if (!mayModerate(standing, needed)) {
      throw new Refusal('forbidden', `only the room's ${needed === 'owner' ? 'owner' : 'owner or moderators'} may do that`);
    }
    return { role: standing.role as RoomRole, info: standing.info };
  }

  /** kick, ban, unban, mute and op: answered with `moderated` once in effect on every node. */
  private moderate(s: Session, action: ModerationAction, room: string, userId: string, frameRef: string | undefined, ms?: number) {
    return this.guarded(s, frameRef, async () => {
      this.requireAccount(s);
      // A ban is lifted by someone else or not at all: else a banned moderator lifts their own.
      if (action === 'unban' && userId === s.userId) throw new Refusal('forbidden', 'nobody can lift their own ban');
      const { role: callerRole } = await this.requireRights(s, room, action === 'op' ? 'owner' : 'moderator');
      const target = await this.store.userById(userId);
      if (!target) throw new Refusal('not_found', 'no such user');
      const targetRole = await this.store.roleOf(room, userId);
      // An account's nick is its username; a guest may share the nick of none (NickPolicy).
      const targetIsAccount = (await this.store.accountByUsername(target.nick))?.user.id === userId;
      const targetIsAdmin = (await this.options.admins?.isAdmin(target)) === true;
      // Moderators moderate members; nobody but an admin moves against an owner or an admin.
      if (action !== 'unban' && target.id !== s.userId && (targetIsAdmin || targetRole === 'owner') && !s.entry.admin) {
        throw new Refusal('forbidden', 'the owner and admins cannot be moderated');
      }
      if (action === 'op') {
        if (targetRole === 'owner') throw new Refusal('forbidden', 'the owner is already above moderators');
        if (!targetIsAccount) throw new Refusal('forbidden', 'only accounts can be moderators');
      }
      if (callerRole === 'moderator' && targetRole === 'moderator' && target.id !== s.userId) {
        throw new Refusal('forbidden', 'moderators cannot moderate each other');
      }
      let until: number | undefined;
      switch (action) {
        case 'kick':
          await this.bus.publish({ type: 'kick', room, userId, reason: 'kick' });
          break;
        case 'ban':
          await this.store.ban(room, userId);
          await this.bus.publish({ type: 'kick', room, userId, reason: 'ban' });
          break;
        case 'unban':
          await this.store.unban(room, userId);
          break;
        case 'mute':
          until = Date.now() + (ms ?? 0);
          await this.store.mute(room, userId, until);
          await this.bus.publish({ type: 'mute', room, userId, until });
          break;
        case 'op':
          await this.store.setRole(room, userId, 'moderator');
          await this.bus.publish({ type: 'opped', room, user: target });
          break;
      }
      s.send({ type: 'moderated', action, room, user: target, ...(until === undefined ? {} : { until }), ...ref(frameRef) });
    });
  }



  private requireMember(s: Session, room: string, frameRef: string | undefined): boolean {
    if (s.rooms.has(room)) return true;
    s.error('not_member', 'join the room first', frameRef);
    return false;
  }

  /**
   * May this connection join the room? Throws the Refusal; creates an unknown public room. Resolves
   * with the room's kind and the user's role in it (admins are owners everywhere).
   */
  private async admit(s: Session, room: string): Promise<{ kind: RoomKind; role: RoomRole | null }> {
    this.checkRoomLimit(s, room);
    const standing = await standingIn(this.store, room, callerOf(s));
    if (!standing) {
      if (room.startsWith(DM_PREFIX)) throw new Refusal('not_found', 'no such direct message room');
      this.allowRoomCreation(s, 'not_found');
      await this.store.ensureRoom(room);
      this.countRoomCreated(s);
      return { kind: 'public', role: s.entry.admin ? 'owner' : null };
    }
    if (standing.banned) throw new Refusal('forbidden', 'you are banned from this room');
    if (!mayRead(standing)) throw new Refusal('forbidden', 'this room is private: ask its owner or a moderator for an invitation');
    return { kind: standing.info.kind, role: standing.role };
  }

  /**
   * Refuses unless this user may create another room now: ROOM_CREATION, then the hourly limits
   * per user and per address (admins are not limited). `code` is the refusal for a policy that
   * does not let them: `not_found` for a join of an unknown room, `forbidden` for `create`.
   */
  private allowRoomCreation(s: Session, code: 'not_found' | 'forbidden'): void {
    const policy = this.options.roomCreation ?? 'everyone';
    if (s.entry.admin) return;
    if (policy === 'admins') throw new Refusal(code, 'no such room: only server admins create rooms here');
    if (policy === 'accounts' && !s.entry.account) throw new Refusal(code, 'no such room: sign in to create rooms');
    const waitMs = Math.max(this.roomsCreatedByUser.retryAfterMs(s.userId), this.roomsCreatedByAddress.retryAfterMs(s.address));
    if (waitMs > 0) throw new Refusal('rate_limited', 'too many new rooms; try again later', waitMs);
  }

  private countRoomCreated(s: Session): void {
    if (s.entry.admin) return;
    this.roomsCreatedByUser.add(s.userId);
    this.roomsCreatedByAddress.add(s.address);
  }

  private async join(s: Session, room: string, since: number | undefined, frameRef: string | undefined): Promise<void> {
    const { kind, role } = await this.admit(s, room);
    const channel = this.channel(room);
    const rejoin = channel.has(s);
    if (!rejoin) channel.beginJoin(s);
    let presenceJoined = false;
    try {
      const lastSeq = (await this.store.lastSeq(room)) ?? 0;
      const mutedUntil = await this.store.mutedUntil(room, s.userId);
      if (mutedUntil > 0) s.setMutedUntil(room, mutedUntil);
      // Nothing to read when the room is empty or the client has seen its last message: messages
      // committed from here on reach it through the channel (beginJoin above).
      // A resume larger than a reply can carry comes in pages: `joined` holds what fits and
      // `hasMore`, and the client goes on with `history` after the last seq it got.
      const page: MessagePage =
        lastSeq === 0 || (since !== undefined && since >= lastSeq)
          ? { messages: [], hasMore: false }
          : since === undefined
            ? fitPage(await this.store.messagesBefore(room, undefined, this.options.historyWindow), 'backward')
            : fitPage(await this.store.messagesAfter(room, since, this.resumeCap), 'forward');
      let online: number;
      let changed = false;
      if (rejoin) {
        online = await this.presence.roomOnline(room);
      } else {
        ({ online, changed } = await this.presence.join(room, s.user));
        presenceJoined = true;
      }
      const members = await this.presence.members(room, this.presenceDetailLimit);
      if (s.closed) throw new SessionClosed();
      const seen = Math.max(lastSeq, page.messages.at(-1)?.seq ?? 0);
      const newer = rejoin ? [] : channel.completeJoin(s, seen);
      s.rooms.add(room);
      const joined = JSON.stringify({ type: 'joined', room, kind, role, seq: seen, online, history: page.messages, hasMore: page.hasMore, ...ref(frameRef) } satisfies Omit<JoinedFrame, 'members'>);
      s.sendRaw(`${joined.slice(0, -1)},"members":${this.membersJson(members)}}`);
      for (const message of newer) s.sendRaw(JSON.stringify(message));
      if (changed) this.announce(room, online, { joined: { ...s.user } });
    } catch (err) {
      if (!rejoin) this.detach(s, room);
      if (presenceJoined) await this.leavePresence(s.user, room);
      if (err instanceof SessionClosed) return;
      this.options.log.error({ err, room }, 'join failed');
      s.error('internal', 'could not join the room; try again', frameRef);
    }
  }

  /** A members list as JSON, serialized once per list (a big room's list is handed out again: Presence.members). */
  private membersJson(members: readonly User[]): string {
    let json = this.serializedMembers.get(members);
    if (json === undefined) this.serializedMembers.set(members, (json = JSON.stringify(members)));
    return json;
  }

  private async leave(s: Session, room: string, frameRef: string | undefined): Promise<void> {
    const wasMember = s.forgetRoom(room);
    if (wasMember) this.detach(s, room);
    s.send({ type: 'left', room, ...ref(frameRef) });
    if (wasMember) await this.leavePresence(s.user, room);
  }

  private async leavePresence(user: User, room: string): Promise<void> {
    const { changed, online } = await this.presence.leave(room, user.id);
    if (changed) this.announce(room, online, { left: { ...user } });
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

  /**
   * A user came or went. In a small room everyone hears who; in a large one (more than the
   * detail limit) a join storm must not cost O(members²) frames, so the room gets at most one
   * event per second carrying only the count, read when it is sent.
   */
  private announce(room: string, online: number, change: { joined?: User; left?: User }): void {
    if (online <= this.presenceDetailLimit && !this.presenceTimers.has(room)) {
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
    }, PRESENCE_COALESCE_MS);
    timer.unref();
    this.presenceTimers.set(room, timer);
  }

  private publish(event: BusEvent): void {
    if (this.pendingPresence.length > 0) this.flushPresence();
    this.bus.publish(event).then(this.published, this.publishFailed);
  }

  /**
   * While the bus is down every event fails to publish (hundreds a second): one line when that
   * starts and one with the count when it ends (OutageLog), not a line and a stack per event.
   * Made at the first failure: field initializers run before `options` is set.
   */
  private publishOutage: OutageLog | undefined;
  private readonly published = () => this.publishOutage?.recovered();
  private readonly publishFailed = (err: unknown) => {
    this.publishOutage ??= new OutageLog({ log: this.options.log, component: 'bus publish', effect: 'other nodes miss these events until they resync' });
    this.publishOutage.failed(err);
  };

  /** Publishes a detailed presence event with the next batch (PRESENCE_BATCH_MS). */
  private publishPresence(event: BusEvent): void {
    if (this.closing) return this.publish(event);
    this.pendingPresence.push(event);
    this.presenceBatch ??= setTimeout(() => this.flushPresence(), PRESENCE_BATCH_MS);
  }

  private flushPresence(): void {
    clearTimeout(this.presenceBatch);
    this.presenceBatch = undefined;
    const events = this.pendingPresence;
    this.pendingPresence = [];
    for (const event of events) this.publish(event);
  }

  private onBusEvent(event: BusEvent): void {
    switch (event.type) {
      case 'message':
        this.channels.get(event.message.room)?.onMessage(event.message, this.publishingLone);
        return;
      case 'presence': {
        const channel = this.channels.get(event.room);
        if (!channel) return;
        const data = SharedFrame.of(event);
        for (const member of channel.joined()) member.sendRaw(data);
        return;
      }
      case 'typing': {
        const channel = this.channels.get(event.room);
        if (!channel) return;
        const data = SharedFrame.of(event);
        for (const member of channel.joined()) if (member.userId !== event.user.id) member.sendRaw(data);
        return;
      }
      case 'kick':
        for (const session of this.users.get(event.userId)?.sessions ?? []) this.eject(session, event.room, event.reason);
        return;
      case 'mute':
        for (const session of this.users.get(event.userId)?.sessions ?? []) {
          if (session.rooms.has(event.room)) this.mute(session, event.room, event.until);
        }
        return;
      case 'invited':
        for (const session of this.users.get(event.userId)?.sessions ?? []) session.send({ type: 'invitation', room: event.room, by: event.by });
        return;
      case 'opped':
        for (const session of this.users.get(event.user.id)?.sessions ?? []) {
          if (session.rooms.has(event.room)) session.send({ type: 'moderated', action: 'op', room: event.room, user: event.user });
        }
        return;
      case 'roomDeleted':
        for (const entry of this.users.values()) {
          for (const session of entry.sessions) this.eject(session, event.room, 'delete');
        }
        return;
      case 'catchUp':
        this.catchUp();
        return;
      case 'tokenRevoked':
        return; // the gateway closes those connections (app.ts)
    }
  }

  private mute(session: Session, room: string, until: number): void {
    session.setMutedUntil(room, until);
    // The muted user learns it now, not at their next refused send.
    session.send({ type: 'moderated', action: 'mute', room, user: { ...session.user }, until });
  }

  /** Removes a connection from a room it did not choose to leave, and tells it why. */
  private eject(session: Session, room: string, reason: 'kick' | 'ban' | 'delete'): void {
    if (!session.forgetRoom(room)) return;
    this.detach(session, room);
    session.send({ type: 'kicked', room, reason });
    this.leavePresence(session.user, room).catch((err: unknown) => this.options.log.error({ err, room }, 'presence update failed'));
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
      // A StoreWriteError (disk full…) is logged by the store, once for the whole outage.
      if (!(err instanceof StoreWriteError)) this.options.log.error({ err, count: batch.length }, 'storing messages failed');
      for (const p of batch) p.session.error('internal', 'message not stored; retry with the same id', p.ref);
      return;
    }
    // A commit of one message (a quiet moment: nothing else arrived meanwhile) may be written to
    // each receiver at once (in a big room: RoomChannel); a batch is corked to the end of the tick,
    // so that each receiver gets one write for all of it. The in-process bus delivers during
    // publish, so the flag covers exactly these deliveries (a Redis bus delivers later, corked).
    this.publishingLone = results.length === 1;
    try {
      for (const { message, duplicate } of results) {
        if (!duplicate) metrics?.messagesStored.inc();
        // A duplicate is published again: the node that stored it may have died (or lost its
        // database connection) between the commit and the publish, so no node may have delivered
        // it, and with no later message no node would notice the gap. Channels drop a seq they
        // already delivered, so nobody gets it twice.
        this.publish({ type: 'message', message });
      }
    } finally {
      this.publishingLone = false;
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

/** A store page cut to what one reply may carry (reply-size.ts); `hasMore` also says when it was cut. */
function fitPage(page: MessagePage, direction: 'forward' | 'backward'): MessagePage {
  const { messages, cut } = fitReplyBytes(page.messages, direction);
  return cut ? { messages, hasMore: true } : page;
}
