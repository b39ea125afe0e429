// The chat domain: rooms, membership, presence, rate limits, ordering. No sockets and no SQL here:
// the hub talks to a Store, a Bus, a Presence and RateLimits, and to connections through
// Session/Peer. This file is the dispatcher: it makes the pieces, hands each frame type to its
// handler, and registers and forgets connections.
//
// A message's path (docs/architecture.md): send -> validate (gateway) -> membership and rate
// limit -> group commit in the store -> publish on the bus -> every hub's RoomChannel delivers it
// in seq order -> ack to the sender.
//
// Layers (imports run downwards only): this dispatcher -> features (join, history, typing, nick,
// message-changes, message-pipeline, moderation, room-admin, room-topic, direct-message, read-state, bus-events) -> rules (room-rules,
// room-access, refusal) -> this node's rooms and users (local-rooms) and the publisher -> the
// interfaces (Store, Bus, Presence, RateLimit) and the session.
import type { ClientFrame, ClientFrameType, User } from '@chat/protocol';
import { DEFAULT_LIMITS, PROTOCOL_VERSION } from '@chat/protocol';
import type { AdminCheck } from '../auth/admins.js';
import { NickPolicy, type NickCheck } from '../auth/nick-policy.js';
import type { Bus } from '../bus/bus.js';
import type { RoomCreation } from '../config/config-types.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Presence } from '../presence/presence.js';
import type { RateLimit } from '../rate-limit/rate-limit.js';
import type { RequestBudget } from '../rate-limit/request-budget.js';
import type { Store } from '../store/store.js';
import { BusEvents } from './bus-events.js';
import { openDirectMessage } from './direct-message.js';
import { sendHistory } from './history.js';
import type { HubLogger } from './hub-logger.js';
import { Joins } from './join.js';
import { LocalRooms } from './local-rooms.js';
import { MessageChanges } from './message-changes.js';
import { MessagePipeline } from './message-pipeline.js';
import type { MessageNotifier } from './message-notifier.js';
import { Moderation } from './moderation.js';
import { changeNick } from './nick.js';
import { Publisher } from './publisher.js';
import { guarded, ref } from './refusal.js';
import { markRead } from './read-state.js';
import { RoomAdmin } from './room-admin.js';
import { RoomRules } from './room-rules.js';
import { setTopic } from './room-topic.js';
import { Session, type Peer } from './session.js';
import { forwardTyping } from './typing.js';

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
   * with `online` and no `joined`/`left` (docs/protocol.md, Events: large rooms), and
   * `joined.members` is capped at this many. Default 200.
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
  /** Told of each newly stored message, once in the cluster (push notifications). */
  notifier?: MessageNotifier;
}

/** Requests that read or write the store: each takes from the RequestBudget first. */
const STORE_REQUESTS: ReadonlySet<ClientFrameType> = new Set<ClientFrameType>([
  'join', 'leave', 'history', 'nick', 'create', 'invite', 'kick', 'ban', 'unban', 'op', 'mute', 'dm', 'delete', 'read', 'topic', 'redact',
]);

type Handler<K extends ClientFrameType> = (session: Session, frame: Extract<ClientFrame, { type: K }>) => void | Promise<void>;

export class Hub {
  private readonly rooms: LocalRooms;
  private readonly publisher: Publisher;
  private readonly joins: Joins;
  private readonly messages: MessagePipeline;
  private readonly moderation: Moderation;
  private readonly roomAdmin: RoomAdmin;
  private readonly handlers: { [K in ClientFrameType]: Handler<K> };
  /** Stops listening to the bus and presence. */
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly options: HubOptions) {
    const { store, bus, presence, log, metrics, admins } = options;
    const presenceDetailLimit = options.presenceDetailLimit ?? DEFAULT_LIMITS.presenceDetailLimit;
    const nicks = options.nicks ?? new NickPolicy({ store });
    const rooms = (this.rooms = new LocalRooms({ store, log, metrics }));
    const publisher = (this.publisher = new Publisher({ bus, presence, presenceDetailLimit, log }));
    const { roomCreation, maxRoomsCreatedPerHour, maxRoomsCreatedPerIpPerHour, maxRoomsPerConnection } = options;
    const rules = new RoomRules({ store, roomCreation, maxRoomsCreatedPerHour, maxRoomsCreatedPerIpPerHour, maxRoomsPerConnection });
    this.joins = new Joins({
      store,
      presence,
      rooms,
      publisher,
      rules,
      log,
      historyWindow: options.historyWindow,
      resumeCap: options.resumeCap ?? DEFAULT_LIMITS.resumeCap,
      presenceDetailLimit,
    });
    this.messages = new MessagePipeline({ store, publisher, limiter: options.rateLimiter, addressLimiter: options.addressRateLimiter, log, metrics, notifier: options.notifier });
    const moderation = (this.moderation = new Moderation({ store, bus, rooms, publisher, rules, admins, log }));
    this.roomAdmin = new RoomAdmin({ store, bus, publisher, rules });
    const busEvents = new BusEvents({ store, rooms, publisher, moderation, log });
    this.handlers = this.handlerMap(nicks, rules);
    this.unsubscribe = [
      bus.subscribe((event) => busEvents.onBusEvent(event)),
      // Events from other nodes may have been lost (a bus outage), and a lost last message leaves
      // no later seq to reveal the gap: every room re-reads its tail from the store.
      bus.onResync(() => busEvents.catchUp()),
      // Another node died without saying goodbye; its users were swept from presence here.
      presence.onExpired((members) => busEvents.onExpired(members)),
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
    const entry = this.rooms.entry(user, account, admin);
    const session = new Session(peer, entry, address, this.options.metrics);
    this.rooms.addSession(session);
    let online: number;
    try {
      online = await this.options.presence.connect(entry.user);
    } catch (err) {
      this.rooms.forgetSession(session);
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

  /** The connection is gone: it leaves its rooms (presence `left` where it was the user's last). */
  async disconnect(session: Session): Promise<void> {
    if (session.closed) return;
    session.closed = true;
    const rooms = session.forgetRooms();
    for (const room of rooms) this.rooms.detach(session, room);
    this.rooms.forgetSession(session);
    // Every presence update is attempted even if one fails (the shared presence may be down):
    // a cluster presence keeps what it could not write and reconciles when it is back.
    const results = await Promise.allSettled([
      ...rooms.map((room) => this.publisher.leavePresence(session.user, room)),
      this.options.presence.disconnect(session.userId),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Handles one validated frame. Frames of one connection are handed in one at a time. A request
   * that touches the store is refused at once, without an await, when the user or its address is
   * over its budget, so a flood costs microseconds a frame.
   */
  handle(session: Session, frame: ClientFrame): void | Promise<void> {
    if (STORE_REQUESTS.has(frame.type)) {
      const waitMs = this.options.requestBudget.take(session.userId, session.address, frame.type === 'nick');
      if (waitMs > 0) return session.error('rate_limited', 'too many requests; slow down', frame.ref, waitMs);
    }
    return (this.handlers[frame.type] as Handler<ClientFrameType>)(session, frame);
  }

  /** Rooms with local connections, and joined (connection, room) pairs, for metrics. */
  stats(): { roomsActive: number; memberships: number } {
    return this.rooms.stats();
  }

  /** Waits for queued messages to be committed and acked, then stops listening to the bus. */
  async close(): Promise<void> {
    // From here presence leaves at once: the connections closing after this (gateway.close) are
    // announced to the other nodes before the bus closes.
    this.publisher.close();
    await this.messages.drain();
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  // Typed map: a new client frame type does not compile until it has a handler here.
  private handlerMap(nicks: NickCheck, rules: RoomRules): { [K in ClientFrameType]: Handler<K> } {
    const { store, presence } = this.options;
    const { joins, publisher, moderation, roomAdmin } = this;
    const nickChange = { store, presence, publisher, nicks };
    const directMessage = { store, rules, joins, bus: this.options.bus };
    const readState = { store, bus: this.options.bus };
    const roomTopic = { store, publisher, rules };
    const changes = new MessageChanges({ store, messages: this.messages });
    return {
      join: (s, f) => guarded(s, f.ref, () => joins.join(s, f.room, f.since, f.ref)),
      leave: (s, f) => joins.leave(s, f.room, f.ref),
      send: (s, f) => this.messages.send(s, f),
      history: (s, f) => sendHistory(store, s, f),
      typing: (s, f) => forwardTyping(publisher, s, f),
      ping: (s, f) => s.send({ type: 'pong', ...ref(f.ref) }),
      nick: (s, f) => changeNick(nickChange, s, f),
      create: (s, f) => roomAdmin.create(s, f),
      invite: (s, f) => roomAdmin.invite(s, f),
      kick: (s, f) => moderation.moderate(s, 'kick', f.room, f.user, f.ref),
      ban: (s, f) => moderation.moderate(s, 'ban', f.room, f.user, f.ref),
      unban: (s, f) => moderation.moderate(s, 'unban', f.room, f.user, f.ref),
      op: (s, f) => moderation.moderate(s, 'op', f.room, f.user, f.ref),
      mute: (s, f) => moderation.moderate(s, 'mute', f.room, f.user, f.ref, f.ms),
      dm: (s, f) => openDirectMessage(directMessage, s, f),
      delete: (s, f) => roomAdmin.delete(s, f),
      read: (s, f) => markRead(readState, s, f),
      topic: (s, f) => setTopic(roomTopic, s, f),
      edit: (s, f) => changes.edit(s, f),
      redact: (s, f) => changes.redact(s, f),
      react: (s, f) => changes.react(s, f),
    };
  }
}
