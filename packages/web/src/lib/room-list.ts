// The rooms this browser holds, in sidebar order: open, activate, join, page through, forget; and
// the private rooms and DMs it may open. It remembers which rooms still await their first join on
// this connection (joined without `since`) and which refused us on this page (not offered again).
import { DEFAULT_LIMITS, type ClientFrame, type User } from '@chat/protocol';
import { isDmName, LOBBY, newRoom, type ChatState, type RoomState, type RoomSummary } from './chat-state.js';
import type { ClientStorage } from './client-storage.js';
import type { RequestRefs } from './request-refs.js';

export interface RoomListContext {
  readonly state: ChatState;
  readonly storage: ClientStorage;
  readonly refs: RequestRefs;
  transmit(frame: ClientFrame): void;
}

export class RoomList {
  /** Rooms whose first join (no `since`) is still to come on this connection. */
  private readonly fresh = new Set<string>();
  /** Rooms that refused us on this page (kicked, banned, join refused): not offered as available. */
  readonly refused = new Set<string>();

  constructor(private readonly ctx: RoomListContext) {}

  /** Rooms restored from the last visit: each is joined for the first time on this page. */
  restored(names: string[]): void {
    for (const name of names) this.fresh.add(name);
  }

  /** Joins (or creates) a room and makes it the active one. */
  open(name: string): void {
    const { state } = this.ctx;
    this.refused.delete(name);
    if (state.available.some((r) => r.name === name)) state.available = state.available.filter((r) => r.name !== name);
    if (!state.rooms.has(name)) {
      this.add(name);
      if (state.status === 'online') this.join(name);
    }
    this.activate(name);
  }

  activate(name: string): void {
    const { state } = this.ctx;
    if (!state.rooms.has(name)) return;
    state.activeRoom = name;
    this.ctx.storage.saveActive(name);
    this.markRead(name);
  }

  markRead(name: string): void {
    const room = this.ctx.state.rooms.get(name);
    if (room) room.unread = 0;
  }

  add(name: string): void {
    const { state, storage } = this.ctx;
    const room = newRoom(name);
    room.peer = storage.loadPeers().get(name) ?? null;
    state.rooms.set(name, room);
    state.roomOrder.push(name);
    this.fresh.add(name);
    storage.saveRooms(state.roomOrder);
  }

  /** Forgets a room (left, kicked, or refused), moving to the lobby if it was the active one. */
  remove(name: string): void {
    const { state, storage } = this.ctx;
    if (name === LOBBY || !state.rooms.has(name)) return;
    state.rooms.delete(name);
    this.fresh.delete(name);
    state.roomOrder = state.roomOrder.filter((r) => r !== name);
    storage.saveRooms(state.roomOrder);
    storage.saveOutbox(state.rooms.values());
    if (state.activeRoom === name) this.activate(LOBBY);
  }

  /** A first join asks for the latest messages; later ones resume with `since`. */
  join(name: string): void {
    const room = this.ctx.state.rooms.get(name);
    if (!room) return;
    const since = this.fresh.has(name) ? {} : { since: room.lastSeq };
    this.ctx.transmit({ type: 'join', room: name, ref: this.ctx.refs.roomRef('join', name), ...since });
  }

  /** Welcome: every room held, in sidebar order (the lobby first). */
  joinAll(): void {
    for (const name of this.ctx.state.roomOrder) this.join(name);
  }

  /** The room's `joined` came: true if this was its first join on this connection. */
  takeFresh(name: string): boolean {
    return this.fresh.delete(name);
  }

  /** `api/rooms` answered: its private rooms and DMs not held nor refused are offered to join. */
  offer(summaries: RoomSummary[]): void {
    const { state, storage } = this.ctx;
    const peers = storage.loadPeers();
    state.available = summaries
      .filter((r) => r.private && !state.rooms.has(r.name) && !this.refused.has(r.name))
      .map((r) => ({ name: r.name, kind: isDmName(r.name) ? 'dm' : 'private', peer: peers.get(r.name) ?? null }));
  }

  /** Asks for the page of messages before the oldest one held. */
  loadOlder(name: string): void {
    const room = this.ctx.state.rooms.get(name);
    if (!room?.joined || !room.hasOlder || room.loadingOlder) return;
    const oldest = room.messages[0]?.seq;
    room.loadingOlder = true;
    this.ctx.transmit({ type: 'history', room: name, limit: DEFAULT_LIMITS.historyLimit, ref: this.ctx.refs.roomRef('older', name), ...(oldest ? { before: oldest } : {}) });
  }

  /** A capped resume: pages forward from the resume point until the room's last seq is held. */
  loadNewer(room: RoomState): void {
    this.ctx.transmit({ type: 'history', room: room.name, after: room.lastSeq, limit: DEFAULT_LIMITS.historyLimitMax, ref: this.ctx.refs.roomRef('newer', room.name) });
  }

  /** A DM room's other person, from anyone seen in it who is not me. */
  learnPeer(room: RoomState, users: User[]): void {
    if (room.kind !== 'dm' || room.peer !== null) return;
    const me = this.ctx.state.me?.id;
    const other = users.find((u) => u.id !== me);
    if (!other || me === undefined) return;
    this.setPeer(room, other.nick);
  }

  setPeer(room: RoomState, peer: string): void {
    room.peer = peer;
    this.ctx.storage.savePeer(room.name, peer, this.ctx.state.rooms);
  }

  /** The socket is gone: nothing is joined, nobody is typing, no page of history is coming. */
  disconnected(): void {
    for (const room of this.ctx.state.rooms.values()) {
      room.joined = false;
      room.typing = [];
      room.loadingOlder = false; // its reply died with the socket
    }
  }

  /** Signed out: the next user starts with only the lobby, joined afresh. */
  reset(): void {
    this.fresh.clear();
    this.fresh.add(LOBBY);
    this.refused.clear();
  }
}
