// The Redis side of cluster presence: the keys, the Lua scripts that change them (each change is
// one script, so the per-node and cluster-wide counts always agree), how their arguments are
// encoded and how their replies are read. RedisPresence (redis-presence.ts) and the node liveness
// (redis-node-liveness.ts) run them.
//
// Keys (p = keyPrefix):
//   p+'nodes'                   set: the registered nodes
//   p+'alive:'+node             string with PX expiryMs, refreshed every expiryMs/3 while the node lives
//   p+'node:'+node+':online'    hash userId -> this node's connections of the user
//   p+'node:'+node+':rooms'     hash JSON [room, userId] -> this node's connections of the user in the room
//   p+'online'                  hash userId -> connections cluster-wide (HLEN = distinct users online)
//   p+'room:'+room              hash userId -> connections in the room cluster-wide (HLEN = distinct users)
//   p+'users'                   hash userId -> JSON user, while the user is online (members, rename)
import type { User } from '@chat/protocol';
import { LuaScript } from '../redis/redis-connection.js';
import type { ExpiredMember, RoomPresenceChange } from './presence.js';

/** The keys one node writes, for its id under the prefix. */
export interface PresenceKeys {
  nodes: string;
  alive: string;
  nodeOnline: string;
  nodeRooms: string;
  online: string;
  users: string;
}

export function presenceKeys(prefix: string, nodeId: string): PresenceKeys {
  return {
    nodes: `${prefix}nodes`,
    alive: `${prefix}alive:${nodeId}`,
    nodeOnline: `${prefix}node:${nodeId}:online`,
    nodeRooms: `${prefix}node:${nodeId}:rooms`,
    online: `${prefix}online`,
    users: `${prefix}users`,
  };
}

/** The hash of a room's users cluster-wide. */
export const roomKey = (prefix: string, room: string): string => `${prefix}room:${room}`;

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

export const presenceScripts = {
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

export type PresenceScriptName = keyof typeof presenceScripts;

/** The field naming a (room, user) pair in a node's rooms hash: unambiguous whatever the names hold. */
export const roomField = (room: string, userId: string): string => JSON.stringify([room, userId]);

/** The refusal of the REGISTERED guard: this node was swept and must reconcile first. */
export function isNotRegistered(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOREG');
}

export function toChange(reply: unknown): RoomPresenceChange {
  const [changed, online] = Array.isArray(reply) ? reply : [];
  return { changed: Number(changed) === 1, online: Number(online ?? 0) };
}

/** The copy of a user that presence keeps: id, nick and USER.account (true or absent). */
export function listed(user: User): User {
  return user.account === true ? { id: user.id, nick: user.nick, account: true } : { id: user.id, nick: user.nick };
}

export function parseUser(id: string, json: unknown): User {
  try {
    const value: unknown = JSON.parse(String(json));
    if (typeof value === 'object' && value !== null && typeof (value as User).nick === 'string') return listed({ ...(value as User), id });
  } catch {
    // fall through
  }
  return { id, nick: id };
}

export function parseExpired(reply: unknown): ExpiredMember[] {
  const flat = Array.isArray(reply) ? reply : [];
  const members: ExpiredMember[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    members.push({ room: String(flat[i]), user: parseUser(String(flat[i + 1]), flat[i + 2]), online: Number(flat[i + 3]) });
  }
  return members;
}
