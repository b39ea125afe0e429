import type { User } from '@chat/protocol';
import type { Presence, RoomPresenceChange } from './presence.js';

interface Counted {
  user: User;
  connections: number;
}

/** Single-node presence: reference counts in memory. */
export class MemoryPresence implements Presence {
  private readonly online = new Map<string, Counted>();
  private readonly rooms = new Map<string, Map<string, Counted>>();
  /**
   * The last members() answer per room, until a change could alter it. Members are listed in
   * arrival order, so once a room holds more than the limit, further arrivals leave the list as it
   * is: a join storm in a big room reads (and the hub serializes) one list, not one per join.
   */
  private readonly listed = new Map<string, { limit: number; users: readonly User[] }>();

  async connect(user: User): Promise<number> {
    increment(this.online, user);
    return this.online.size;
  }

  async disconnect(userId: string): Promise<number> {
    decrement(this.online, userId);
    return this.online.size;
  }

  async join(room: string, user: User): Promise<RoomPresenceChange> {
    let members = this.rooms.get(room);
    if (!members) this.rooms.set(room, (members = new Map()));
    // The copy kept for the user's connection serves the rooms too (one object per user, not per room).
    const changed = increment(members, this.online.get(user.id)?.user ?? user);
    const list = this.listed.get(room);
    if (changed && list && list.users.length < list.limit) this.listed.delete(room);
    return { changed, online: members.size };
  }

  async leave(room: string, userId: string): Promise<RoomPresenceChange> {
    const members = this.rooms.get(room);
    if (!members) return { changed: false, online: 0 };
    const changed = decrement(members, userId);
    if (changed) this.listed.delete(room);
    if (members.size === 0) this.rooms.delete(room);
    return { changed, online: members.size };
  }

  async roomOnline(room: string): Promise<number> {
    return this.rooms.get(room)?.size ?? 0;
  }

  async connected(userIds: readonly string[]): Promise<Set<string>> {
    return new Set(userIds.filter((id) => this.online.has(id)));
  }

  async members(room: string, limit: number): Promise<readonly User[]> {
    const list = this.listed.get(room);
    if (list && list.limit === limit) return list.users;
    const users: User[] = [];
    for (const { user } of this.rooms.get(room)?.values() ?? []) {
      if (users.length >= limit) break;
      users.push(user); // frozen copies (increment, rename)
    }
    if (users.length > 0) this.listed.set(room, { limit, users: Object.freeze(users) });
    return users;
  }

  async rename(user: User): Promise<void> {
    this.listed.clear(); // rare: not worth finding the lists that name this user
    const renamed = Object.freeze({ ...user });
    const entries = [this.online.get(user.id), ...[...this.rooms.values()].map((m) => m.get(user.id))];
    for (const entry of entries) if (entry) entry.user = renamed;
  }

  onExpired(): () => void {
    return () => {}; // one process: its users leave when it does
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.online.clear();
    this.rooms.clear();
    this.listed.clear();
  }
}

/** Returns true when the user was not counted before. */
function increment(counts: Map<string, Counted>, user: User): boolean {
  const entry = counts.get(user.id);
  if (entry) {
    entry.connections++;
    return false;
  }
  counts.set(user.id, { user: Object.isFrozen(user) ? user : Object.freeze({ ...user }), connections: 1 });
  return true;
}

/** Returns true when the user's last connection went. */
function decrement(counts: Map<string, Counted>, userId: string): boolean {
  const entry = counts.get(userId);
  if (!entry) return false;
  if (--entry.connections > 0) return false;
  counts.delete(userId);
  return true;
}
