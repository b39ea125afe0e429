// Cluster presence (issue 7): distinct users online and per room, counted in Redis across nodes,
// with the users of a node that died without saying goodbye expired by the others.
//
// Keys (p = keyPrefix):
//   p+'nodes'                   set: the registered nodes
//   p+'alive:'+node             string with PX expiryMs, refreshed every expiryMs/3 while the node lives
//   p+'node:'+node+':online'    hash userId -> this node's connections of the user
//   p+'node:'+node+':rooms'     hash JSON [room, userId] -> this node's connections of the user in the room
//   p+'online'                  hash userId -> connections cluster-wide (HLEN = distinct users online)
//   p+'room:'+room              hash userId -> connections in the room cluster-wide (HLEN = distinct users)
//   p+'users'                   hash userId -> JSON user, while the user is online (members, rename)
// Every change is one Lua script, so the per-node and cluster-wide counts always agree. A sweep on
// every node removes the nodes whose alive key is gone — SREM, the subtraction of their counts and
// the report of who left, in one script, so exactly one sweeper reports each dead node's users.
//
// The node also keeps its own contributions in memory. They are the truth Redis is brought back
// to ("reconcile") when a write failed or its outcome is unknown (Redis down, a timeout), and when
// this node finds it was swept (it lost Redis for longer than the expiry): then the node's counts
// in Redis are replaced by the ones in memory, in one script, and users that turn out to have left
// meanwhile are reported through onExpired like expired ones.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { User } from '@chat/protocol';
import { OutageLog } from '../log/outage-log.js';
import { closeRedis, firstReady, LuaScript, openRedis, whenReady, withTimeout, type RedisLogger } from '../redis/redis-connection.js';
import type { ExpiredMember, Presence, RoomPresenceChange } from './presence.js';

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

// Shared by the scripts that remove a node's contributions (sweep, reconcile, goodbye).
const LIB = `
-- Subtracts a node's counts from the cluster-wide ones and deletes its own keys; collects the
-- (room, user) pairs and users it touched, for settle().
local function subtract_node(p, node, rooms, users)
  local key = p .. 'node:' .. node .. ':rooms'
  local entries = redis.call('HGETALL', key)
  for i = 1, #entries, 2 do
    local ok, pair = pcall(cjson.decode, entries[i])
    if ok and type(pair) == 'table' and type(pair[1]) == 'string' and type(pair[2]) == 'string' then
      redis.call('HINCRBY', p .. 'room:' .. pair[1], pair[2], -tonumber(entries[i + 1]))
      rooms[#rooms + 1] = pair
    end
  end
  redis.call('DEL', key)
  key = p .. 'node:' .. node .. ':online'
  entries = redis.call('HGETALL', key)
  for i = 1, #entries, 2 do
    redis.call('HINCRBY', p .. 'online', entries[i], -tonumber(entries[i + 1]))
    users[#users + 1] = entries[i]
  end
  redis.call('DEL', key)
end

-- Deletes the counts that reached zero. Returns {room, userId, userJson, online, ...} for each
-- user now absent from a room, online being the room's distinct users right after that removal.
local function settle(p, rooms, users)
  local out = {}
  for _, pair in ipairs(rooms) do
    local key = p .. 'room:' .. pair[1]
    local n = redis.call('HGET', key, pair[2])
    if n and tonumber(n) <= 0 then
      redis.call('HDEL', key, pair[2])
      out[#out + 1] = pair[1]
      out[#out + 1] = pair[2]
      out[#out + 1] = redis.call('HGET', p .. 'users', pair[2]) or ''
      out[#out + 1] = redis.call('HLEN', key)
    end
  end
  for _, id in ipairs(users) do
    local n = redis.call('HGET', p .. 'online', id)
    if n and tonumber(n) <= 0 then
      redis.call('HDEL', p .. 'online', id)
      redis.call('HDEL', p .. 'users', id)
    end
  end
  return out
end
`;

// A write from a node that is not registered (it was swept) is refused: the node reconciles first.
const REGISTERED = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return redis.error_reply('NOREG presence node not registered') end
`;

const scripts = {
  // KEYS nodes, node online, online, users; ARGV node, userId, userJson -> distinct users online
  connect: new LuaScript(`${REGISTERED}
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])
return redis.call('HLEN', KEYS[3])`),

  // KEYS nodes, node online, online, users; ARGV node, userId -> distinct users online
  disconnect: new LuaScript(`${REGISTERED}
local n = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if n > 0 then
  if n == 1 then redis.call('HDEL', KEYS[2], ARGV[2]) else redis.call('HINCRBY', KEYS[2], ARGV[2], -1) end
  if redis.call('HINCRBY', KEYS[3], ARGV[2], -1) <= 0 then
    redis.call('HDEL', KEYS[3], ARGV[2])
    redis.call('HDEL', KEYS[4], ARGV[2])
  end
end
return redis.call('HLEN', KEYS[3])`),

  // KEYS nodes, node rooms, room, users; ARGV node, field, userId, userJson -> {changed, online}
  join: new LuaScript(`${REGISTERED}
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
local c = redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
if redis.call('HEXISTS', KEYS[4], ARGV[3]) == 0 then redis.call('HSET', KEYS[4], ARGV[3], ARGV[4]) end
return {c == 1 and 1 or 0, redis.call('HLEN', KEYS[3])}`),

  // KEYS nodes, node rooms, room; ARGV node, field, userId -> {changed, online}
  leave: new LuaScript(`${REGISTERED}
local n = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
local changed = 0
if n > 0 then
  if n == 1 then redis.call('HDEL', KEYS[2], ARGV[2]) else redis.call('HINCRBY', KEYS[2], ARGV[2], -1) end
  if redis.call('HINCRBY', KEYS[3], ARGV[3], -1) <= 0 then
    redis.call('HDEL', KEYS[3], ARGV[3])
    changed = 1
  end
end
return {changed, redis.call('HLEN', KEYS[3])}`),

  // KEYS room, users; ARGV limit -> {userId, userJson, ...}
  members: new LuaScript(`
local ids = redis.call('HRANDFIELD', KEYS[1], ARGV[1])
local out = {}
for _, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
end
return out`),

  // KEYS users; ARGV userId, userJson
  rename: new LuaScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 0`),

  // KEYS nodes, alive; ARGV node, expiryMs -> 1 while the node is registered, 0 once swept
  heartbeat: new LuaScript(`
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return redis.call('SISMEMBER', KEYS[1], ARGV[1])`),

  // KEYS nodes; ARGV prefix, this node -> expired {room, userId, userJson, online, ...}
  sweep: new LuaScript(`${LIB}
local p = ARGV[1]
local rooms, users = {}, {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if node ~= ARGV[2] and redis.call('EXISTS', p .. 'alive:' .. node) == 0 then
    redis.call('SREM', KEYS[1], node)
    subtract_node(p, node, rooms, users)
  end
end
return settle(p, rooms, users)`),

  // KEYS nodes, alive; ARGV prefix, node, expiryMs, JSON {online: [[userId, n, userJson]],
  // rooms: [[field, room, userId, n]]} -> users who left meanwhile {room, userId, userJson, online, ...}
  reconcile: new LuaScript(`${LIB}
local p, node = ARGV[1], ARGV[2]
local rooms, users = {}, {}
subtract_node(p, node, rooms, users)
local mirror = cjson.decode(ARGV[4])
local key = p .. 'node:' .. node .. ':online'
for _, e in ipairs(mirror.online) do
  redis.call('HSET', key, e[1], e[2])
  redis.call('HINCRBY', p .. 'online', e[1], e[2])
  redis.call('HSET', p .. 'users', e[1], e[3])
end
key = p .. 'node:' .. node .. ':rooms'
for _, e in ipairs(mirror.rooms) do
  redis.call('HSET', key, e[1], e[4])
  redis.call('HINCRBY', p .. 'room:' .. e[2], e[3], e[4])
end
redis.call('SADD', KEYS[1], node)
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
return settle(p, rooms, users)`),

  // KEYS nodes, alive; ARGV prefix, node
  goodbye: new LuaScript(`${LIB}
local rooms, users = {}, {}
subtract_node(ARGV[1], ARGV[2], rooms, users)
settle(ARGV[1], rooms, users)
redis.call('SREM', KEYS[1], ARGV[2])
redis.call('DEL', KEYS[2])
return 0`),
};

interface LocalUser {
  user: User;
  connections: number;
}

export class RedisPresence implements Presence {
  readonly nodeId: string;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly expiryMs: number;
  private readonly keys: { nodes: string; alive: string; nodeOnline: string; nodeRooms: string; online: string; users: string };
  private readonly logger: RedisLogger | undefined;
  /** This node's connections per user, and per room and user: what it contributes to Redis. */
  private readonly localOnline = new Map<string, LocalUser>();
  private readonly localRooms = new Map<string, Map<string, number>>();
  /** Redis may not match the local counts (a write failed, or the node is not registered yet). */
  private dirty = true;
  private reconciling: Promise<void> | null = null;
  private readonly expiredHandlers = new Set<(members: ExpiredMember[]) => void>();
  private readonly heartbeatTimer: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;
  private beating = false;
  private sweeping = false;
  /** Heartbeat and sweep failures: one line when they start, one with the count when they stop. */
  private readonly refreshOutage: OutageLog;
  private closed = false;
  private readonly started: () => Promise<void> | null;

  constructor(options: RedisPresenceOptions) {
    this.nodeId = options.nodeId ?? randomUUID();
    this.prefix = options.keyPrefix;
    this.expiryMs = options.expiryMs ?? DEFAULT_EXPIRY_MS;
    this.logger = options.logger;
    this.refreshOutage = new OutageLog({
      log: options.logger ?? { error: () => {} },
      component: 'presence refresh',
      effect: 'this node is not kept alive in Redis; its users expire for the others after PRESENCE_EXPIRY_MS',
    });
    const p = this.prefix;
    this.keys = {
      nodes: `${p}nodes`,
      alive: `${p}alive:${this.nodeId}`,
      nodeOnline: `${p}node:${this.nodeId}:online`,
      nodeRooms: `${p}node:${this.nodeId}:rooms`,
      online: `${p}online`,
      users: `${p}users`,
    };
    this.redis = openRedis(options.url, { name: 'presence', logger: options.logger, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    this.started = firstReady(this.redis, COMMAND_TIMEOUT_MS);
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(1, Math.floor(this.expiryMs / 3)));
    this.heartbeatTimer.unref();
    this.sweepTimer = setInterval(() => void this.sweep(), Math.max(1, options.sweepIntervalMs ?? Math.floor(this.expiryMs / 3)));
    this.sweepTimer.unref();
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

  async members(room: string, limit: number): Promise<User[]> {
    if (limit <= 0) return [];
    await this.whenStarted();
    const reply = await scripts.members.run(this.redis, [this.roomKey(room), this.keys.users], [Math.floor(limit)]);
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
    await scripts.rename.run(this.redis, [this.keys.users], [user.id, JSON.stringify(copy)]);
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
    clearInterval(this.heartbeatTimer);
    clearInterval(this.sweepTimer);
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

  private async heartbeat(): Promise<void> {
    if (this.beating || this.closed) return;
    this.beating = true;
    try {
      const registered = await scripts.heartbeat.run(this.redis, [this.keys.nodes, this.keys.alive], [this.nodeId, this.expiryMs]);
      if (Number(registered) === 0 || this.dirty) await this.reconcile();
      this.refreshOutage.recovered();
    } catch (err) {
      this.timerFailed(err);
    } finally {
      this.beating = false;
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      const reply = await scripts.sweep.run(this.redis, [this.keys.nodes], [this.prefix, this.nodeId]);
      this.report(parseExpired(reply));
      this.refreshOutage.recovered();
    } catch (err) {
      this.timerFailed(err);
    } finally {
      this.sweeping = false;
    }
  }

  private timerFailed(err: unknown): void {
    if (!this.closed) this.refreshOutage.failed(err);
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
  private run(name: keyof typeof scripts, keys: string[], args: Array<string | number>): Promise<unknown> {
    return scripts[name].run(this.redis, keys, args, true);
  }

  private roomKey(room: string): string {
    return `${this.prefix}room:${room}`;
  }
}

/** The field naming a (room, user) pair in a node's rooms hash: unambiguous whatever the names hold. */
const roomField = (room: string, userId: string): string => JSON.stringify([room, userId]);

function decrementRoom(rooms: Map<string, Map<string, number>>, room: string, userId: string): void {
  const users = rooms.get(room);
  const n = users?.get(userId);
  if (!users || n === undefined) return;
  if (n > 1) users.set(userId, n - 1);
  else users.delete(userId);
  if (users.size === 0) rooms.delete(room);
}

function isNotRegistered(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOREG');
}

function toChange(reply: unknown): RoomPresenceChange {
  const [changed, online] = Array.isArray(reply) ? reply : [];
  return { changed: Number(changed) === 1, online: Number(online ?? 0) };
}

/** The copy of a user that presence keeps: id, nick and USER.account (true or absent). */
function listed(user: User): User {
  return user.account === true ? { id: user.id, nick: user.nick, account: true } : { id: user.id, nick: user.nick };
}

function parseUser(id: string, json: unknown): User {
  try {
    const value: unknown = JSON.parse(String(json));
    if (typeof value === 'object' && value !== null && typeof (value as User).nick === 'string') return listed({ ...(value as User), id });
  } catch {
    // fall through
  }
  return { id, nick: id };
}

function parseExpired(reply: unknown): ExpiredMember[] {
  const flat = Array.isArray(reply) ? reply : [];
  const members: ExpiredMember[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    members.push({ room: String(flat[i]), user: parseUser(String(flat[i + 1]), flat[i + 2]), online: Number(flat[i + 3]) });
  }
  return members;
}
