// Cluster presence: distinct users online and per room, counted in Redis across nodes, with the
// users of a node that died without saying goodbye expired by the others. The keys and the Lua
// scripts that change them are in redis-presence-scripts.ts; the heartbeat and the sweep of dead
// nodes in redis-node-liveness.ts. This class does the counting.
//
// The node also keeps its own contributions in memory. They are the truth Redis is brought back
// to ("reconcile") when a write failed or its outcome is unknown (Redis down, a timeout), and when
// this node finds it was swept (it lost Redis for longer than the expiry): then the node's counts
// in Redis are replaced by the ones in memory, in one script, and users that turn out to have left
// meanwhile are reported through onExpired like expired ones.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { User } from '@chat/protocol';
import { closeRedis, firstReady, openRedis, whenReady, withTimeout, type RedisLogger } from '../redis/redis-connection.js';
import type { ExpiredMember, Presence, RoomPresenceChange } from './presence.js';
import { RedisNodeLiveness } from './redis-node-liveness.js';
import {
  isNotRegistered,
  listed,
  parseExpired,
  parseUser,
  presenceKeys,
  presenceScripts,
  roomField,
  roomKey,
  toChange,
  type PresenceKeys,
  type PresenceScriptName,
} from './redis-presence-scripts.js';

export interface RedisPresenceOptions {
  url: string;
  keyPrefix: string;
  /** This node's id, unique in the cluster; random by default. */
  nodeId?: string;
  /** A node that has not refreshed its liveness for this long is dead and its users expire. */
  expiryMs?: number;
  /** How often this node looks for dead nodes; expiryMs / 3 by default. */
  sweepIntervalMs?: number;
  logger?: RedisLogger;
}

const DEFAULT_EXPIRY_MS = 30_000;
const PING_TIMEOUT_MS = 2000;
const COMMAND_TIMEOUT_MS = 2000;

interface LocalUser {
  user: User;
  connections: number;
}

export class RedisPresence implements Presence {
  readonly nodeId: string;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly expiryMs: number;
  private readonly keys: PresenceKeys;
  private readonly logger: RedisLogger | undefined;
  /** This node's connections per user, and per room and user: what it contributes to Redis. */
  private readonly localOnline = new Map<string, LocalUser>();
  private readonly localRooms = new Map<string, Map<string, number>>();
  /** Redis may not match the local counts (a write failed, or the node is not registered yet). */
  private dirty = true;
  private reconciling: Promise<void> | null = null;
  private readonly expiredHandlers = new Set<(members: ExpiredMember[]) => void>();
  private readonly liveness: RedisNodeLiveness;
  private closed = false;
  private readonly started: () => Promise<void> | null;

  constructor(options: RedisPresenceOptions) {
    this.nodeId = options.nodeId ?? randomUUID();
    this.prefix = options.keyPrefix;
    this.expiryMs = options.expiryMs ?? DEFAULT_EXPIRY_MS;
    this.logger = options.logger;
    this.keys = presenceKeys(this.prefix, this.nodeId);
    this.redis = openRedis(options.url, { name: 'presence', logger: options.logger, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    this.started = firstReady(this.redis, COMMAND_TIMEOUT_MS);
    this.liveness = new RedisNodeLiveness({
      redis: this.redis,
      keys: this.keys,
      prefix: this.prefix,
      nodeId: this.nodeId,
      expiryMs: this.expiryMs,
      sweepIntervalMs: options.sweepIntervalMs,
      logger: options.logger,
      // Swept (Redis was out of reach for longer than the expiry) or a write failed: put the counts back.
      beat: async (registered) => {
        if (!registered || this.dirty) await this.reconcile();
      },
      expired: (members) => this.report(members),
    });
  }

  /** Resolves once connected and registered as a live node; rejects after `timeoutMs` (it keeps trying). */
  async open(timeoutMs = 10_000): Promise<this> {
    await whenReady(this.redis, timeoutMs);
    await this.reconcile();
    return this;
  }

  async connect(user: User): Promise<number> {
    const copy = listed(user);
    const reply = await this.add(
      () => {
        const entry = this.localOnline.get(user.id);
        if (entry) entry.connections++;
        else this.localOnline.set(user.id, { user: copy, connections: 1 });
      },
      () => {
        const entry = this.localOnline.get(user.id);
        if (entry && --entry.connections <= 0) this.localOnline.delete(user.id);
      },
      () => this.run('connect', [this.keys.nodes, this.keys.nodeOnline, this.keys.online, this.keys.users], [this.nodeId, user.id, JSON.stringify(copy)]),
    );
    return Number(reply);
  }

  async disconnect(userId: string): Promise<number> {
    const reply = await this.remove(
      () => {
        const entry = this.localOnline.get(userId);
        if (entry && --entry.connections <= 0) this.localOnline.delete(userId);
      },
      () => this.run('disconnect', [this.keys.nodes, this.keys.nodeOnline, this.keys.online, this.keys.users], [this.nodeId, userId]),
      () => this.redis.hlen(this.keys.online),
    );
    return Number(reply);
  }

  async join(room: string, user: User): Promise<RoomPresenceChange> {
    const field = roomField(room, user.id);
    const reply = await this.add(
      () => {
        let users = this.localRooms.get(room);
        if (!users) this.localRooms.set(room, (users = new Map()));
        users.set(user.id, (users.get(user.id) ?? 0) + 1);
      },
      () => decrementRoom(this.localRooms, room, user.id),
      () =>
        this.run(
          'join',
          [this.keys.nodes, this.keys.nodeRooms, this.roomKey(room), this.keys.users],
          [this.nodeId, field, user.id, JSON.stringify(listed(user))],
        ),
    );
    return toChange(reply);
  }

  async leave(room: string, userId: string): Promise<RoomPresenceChange> {
    const reply = await this.remove(
      () => decrementRoom(this.localRooms, room, userId),
      () => this.run('leave', [this.keys.nodes, this.keys.nodeRooms, this.roomKey(room)], [this.nodeId, roomField(room, userId), userId]),
      // This node had been swept: whoever swept it has already reported the user gone.
      async () => [0, await this.redis.hlen(this.roomKey(room))],
    );
    return toChange(reply);
  }

  async roomOnline(room: string): Promise<number> {
    await this.whenStarted();
    return this.redis.hlen(this.roomKey(room));
  }

  async connected(userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    await this.whenStarted();
    // The cluster-wide connection count per user (connect/disconnect keep it; a dead node's users are swept out of it).
    const counts = await this.redis.hmget(this.keys.online, ...userIds);
    return new Set(userIds.filter((_, i) => Number(counts[i] ?? 0) > 0));
  }

  async members(room: string, limit: number): Promise<User[]> {
    if (limit <= 0) return [];
    await this.whenStarted();
    const reply = await presenceScripts.members.run(this.redis, [this.roomKey(room), this.keys.users], [Math.floor(limit)]);
    const flat = Array.isArray(reply) ? reply : [];
    const users: User[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) users.push(parseUser(String(flat[i]), flat[i + 1]));
    return users;
  }

  async rename(user: User): Promise<void> {
    const copy = listed(user);
    const entry = this.localOnline.get(user.id);
    if (entry) entry.user = copy;
    await this.whenStarted();
    await presenceScripts.rename.run(this.redis, [this.keys.users], [user.id, JSON.stringify(copy)]);
  }

  onExpired(handler: (members: ExpiredMember[]) => void): () => void {
    this.expiredHandlers.add(handler);
    return () => this.expiredHandlers.delete(handler);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('presence closed');
    await withTimeout(this.redis.ping(), PING_TIMEOUT_MS, 'redis ping');
  }

  /** Stops refreshing and removes this node's users from the counts (when Redis is reachable). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.liveness.stop();
    this.expiredHandlers.clear();
    if (this.redis.status === 'ready') {
      try {
        await withTimeout(this.run('goodbye', [this.keys.nodes, this.keys.alive], [this.prefix, this.nodeId]), 2000, 'redis presence goodbye');
      } catch {
        // Unreachable: the other nodes' sweeps remove this node's users after expiryMs.
      }
    }
    this.localOnline.clear();
    this.localRooms.clear();
    await closeRedis(this.redis);
  }

  /**
   * A write that adds: the local count first, then Redis, in the same tick (so a reconcile's
   * snapshot and Redis see writes in one order). When Redis refuses or may not have applied it,
   * the local count is undone (the caller sees an error and will not undo it) and Redis is marked
   * for a reconcile. If the node had been swept, it reconciles and tries once more.
   */
  private async add(apply: () => void, revert: () => void, send: () => Promise<unknown>): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      await this.whenStarted();
      apply();
      try {
        return await send();
      } catch (err) {
        revert();
        this.dirty = true;
        if (!isNotRegistered(err) || attempt > 0) throw err;
      }
      await this.reconcileUntilClean();
    }
  }

  /**
   * A write that removes: the connection is gone whatever Redis says, so the local count drops
   * for good; if Redis fails, a later reconcile applies it. If the node had been swept, its
   * reconcile is the removal, and `swept` tells the result.
   */
  private async remove(apply: () => void, send: () => Promise<unknown>, swept: () => Promise<unknown>): Promise<unknown> {
    try {
      await this.whenStarted();
    } catch (err) {
      apply();
      this.dirty = true;
      throw err;
    }
    apply();
    try {
      return await send();
    } catch (err) {
      this.dirty = true;
      if (!isNotRegistered(err)) throw err;
    }
    await this.reconcileUntilClean();
    return swept();
  }

  /** A reconcile already running may have taken its snapshot before our change: then one more. */
  private async reconcileUntilClean(): Promise<void> {
    await this.reconcile();
    if (this.dirty) await this.reconcile();
  }

  /** Replaces this node's counts in Redis by the local ones, and registers it as alive. */
  private reconcile(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('presence closed'));
    this.reconciling ??= this.runReconcile().finally(() => {
      this.reconciling = null;
    });
    return this.reconciling;
  }

  private async runReconcile(): Promise<void> {
    const online = [...this.localOnline].map(([id, { user, connections }]) => [id, connections, JSON.stringify(user)]);
    const rooms: Array<[string, string, string, number]> = [];
    for (const [room, users] of this.localRooms) for (const [id, n] of users) rooms.push([roomField(room, id), room, id, n]);
    // Snapshot and send in the same tick: writes sent before are in both, writes sent after in neither.
    this.dirty = false;
    let reply: unknown;
    try {
      reply = await this.run('reconcile', [this.keys.nodes, this.keys.alive], [this.prefix, this.nodeId, this.expiryMs, JSON.stringify({ online, rooms })]);
    } catch (err) {
      this.dirty = true;
      throw err;
    }
    this.report(parseExpired(reply));
  }

  private report(members: ExpiredMember[]): void {
    if (members.length === 0 || this.closed) return;
    for (const handler of this.expiredHandlers) {
      try {
        handler(members.map((m) => ({ ...m, user: { ...m.user } })));
      } catch (err) {
        this.logger?.error({ err }, 'presence expiry handler failed');
      }
    }
  }

  /** Right after start-up, waits for the first connection (a little) rather than failing. */
  private async whenStarted(): Promise<void> {
    const starting = this.started();
    if (starting) await starting;
  }

  /** Writes go by EVAL, in order with every other write of this connection (see LuaScript.run). */
  private run(name: PresenceScriptName, keys: string[], args: Array<string | number>): Promise<unknown> {
    return presenceScripts[name].run(this.redis, keys, args, true);
  }

  private roomKey(room: string): string {
    return roomKey(this.prefix, room);
  }
}

function decrementRoom(rooms: Map<string, Map<string, number>>, room: string, userId: string): void {
  const users = rooms.get(room);
  const n = users?.get(userId);
  if (!users || n === undefined) return;
  if (n > 1) users.set(userId, n - 1);
  else users.delete(userId);
  if (users.size === 0) rooms.delete(room);
}
