// The rooms this browser holds, in sidebar order: open, activate, join, page through, forget; and
// the private rooms and DMs it may open. It remembers which rooms still await their first join on
// this connection (joined without `since`) and which refused us on this page (not offered again).
// The server keeps the user's list too (`api/me/rooms`, Version 1.1): `adopt` brings this browser in
// line with it, and read markers (`read`) go out as rooms are read, so every device agrees.
import { DEFAULT_LIMITS, type ChatMessage, type ClientFrame, type User } from '@chat/protocol';
import { isDmName, LOBBY, newRoom, NOTIFY_LEVELS, type ChatState, type ListedRoom, type RoomState, type RoomSummary } from './chat-state.js';
import type { ClientStorage } from './client-storage.js';
import { countArrivals, covered, raiseMarker, recount, takeHistory } from './read-state.js';
import type { RequestRefs } from './request-refs.js';

export interface RoomListContext {
  readonly state: ChatState;
  readonly storage: ClientStorage;
  readonly refs: RequestRefs;
  transmit(frame: ClientFrame): void;
}

/** Read markers go out at most this often per room while the reader scrolls or messages arrive. */
const READ_EVERY_MS = 1000;

export class RoomList {
  /** Rooms whose first join (no `since`) is still to come on this connection. */
  private readonly fresh = new Set<string>();
  /** Rooms that refused us on this page (kicked, banned, join refused): not offered as available. */
  readonly refused = new Set<string>();
  /** The server's read marker per room as far as we know (what we sent, or it told us). */
  private readonly readSent = new Map<string, number>();
  /** Rooms whose last `read` went out less than a second ago: the next waits (at most one a second). */
  private readonly readCooling = new Set<string>();

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
  }

  /** Everything held in the room is read (as if its newest message were seen). */
  markRead(name: string): void {
    const newest = this.ctx.state.rooms.get(name)?.messages.at(-1)?.seq;
    if (newest) this.seen(name, newest);
  }

  /**
   * The reader has seen the room up to message `seq` (the UI calls this for the newest message in
   * view while the window is focused and the page visible): the counts drop at once, and the
   * marker goes out, here and (by `read`) on the user's other devices, at most once a second.
   */
  seen(name: string, seq: number): void {
    const room = this.ctx.state.rooms.get(name);
    if (room && raiseMarker(room, seq, this.ctx.state.me?.id)) this.sendRead(room);
  }

  /** Another device (or this one) read up to `seq`: the counts drop to match. */
  readElsewhere(name: string, seq: number): void {
    const room = this.ctx.state.rooms.get(name);
    if (!room) return;
    this.noteRead(name, seq);
    raiseMarker(room, seq, this.ctx.state.me?.id);
  }

  /**
   * The room's `joined` came, with the server's marker (`readSeq`; a server without read markers
   * sends none, and then what a first join brings is not news). A marker raised here while offline
   * goes out now.
   */
  joinedRead(room: RoomState, readSeq: number | undefined, fresh: boolean, seq: number): void {
    const marker = readSeq ?? (fresh ? seq : 0);
    this.noteRead(room.name, marker);
    raiseMarker(room, marker, this.ctx.state.me?.id);
    this.sendRead(room);
  }

  /**
   * Messages just stored in the room, not held before (live, or missed while offline): the counts
   * grow, and my own message raises the marker (the server raised it when I sent it).
   */
  arrived(room: RoomState, messages: ChatMessage[]): void {
    this.noteRead(room.name, countArrivals(room, messages, this.ctx.state.me?.id));
  }

  /** My message was stored at `seq` (its `ack`): the server raised my marker to it. */
  sent(room: RoomState, seq: number): void {
    this.noteRead(room.name, seq);
    raiseMarker(room, seq, this.ctx.state.me?.id);
  }

  /** Messages the server's counts may include already (a first join's history, an older page). */
  history(room: RoomState, messages: ChatMessage[]): void {
    takeHistory(room, messages, this.ctx.state.me?.id);
  }

  /** The server's marker is at least `seq`: no `read` below it is sent. */
  private noteRead(name: string, seq: number): void {
    if (seq > (this.readSent.get(name) ?? 0)) this.readSent.set(name, seq);
  }

  /** Sends the room's marker if the server lacks it, then waits a second before the next one. */
  private sendRead(room: RoomState): void {
    const name = room.name;
    if (this.readCooling.has(name) || !room.joined || room.readSeq <= (this.readSent.get(name) ?? 0)) return;
    this.readSent.set(name, room.readSeq);
    this.ctx.transmit({ type: 'read', room: name, seq: room.readSeq });
    this.readCooling.add(name);
    setTimeout(() => {
      this.readCooling.delete(name);
      const now = this.ctx.state.rooms.get(name);
      if (now) this.sendRead(now);
    }, READ_EVERY_MS);
  }

  /**
   * The server's list of this user's rooms (`api/me/rooms`). Rooms kept elsewhere (a DM, a room
   * joined on another device) are added, DMs named, unread counts taken. `authoritative` (the
   * first answer on this page) also drops rooms the user left elsewhere, unless they hold unsent
   * messages; an empty list says nothing (a server that kept no list for this user yet). Resolves
   * with the names added, which the caller joins.
   */
  adopt(listed: ListedRoom[], authoritative: boolean): string[] {
    const { state } = this.ctx;
    const added: string[] = [];
    for (const entry of listed) {
      let room = state.rooms.get(entry.name);
      if (!room) {
        if (this.refused.has(entry.name)) continue;
        this.add(entry.name);
        added.push(entry.name);
        room = state.rooms.get(entry.name)!;
      }
      room.kind = entry.kind;
      if (NOTIFY_LEVELS.includes(entry.notify)) room.notify = entry.notify;
      if (entry.peer && room.peer !== entry.peer.nick) this.setPeer(room, entry.peer.nick);
      this.noteRead(entry.name, entry.readSeq);
      this.takeCounts(room, entry);
    }
    const names = new Set(listed.map((r) => r.name));
    state.available = state.available.filter((r) => !names.has(r.name));
    if (authoritative && listed.length > 0) {
      for (const name of [...state.roomOrder]) {
        if (name !== LOBBY && !names.has(name) && state.rooms.get(name)!.outbox.length === 0) this.remove(name);
      }
    }
    return added;
  }

  /**
   * The server's counts of a room, unless the messages held can be counted (read-state.ts) or
   * the list is older than what is held (a message came while it was on its way).
   */
  private takeCounts(room: RoomState, entry: ListedRoom): void {
    const me = this.ctx.state.me?.id;
    raiseMarker(room, entry.readSeq, me);
    if (covered(room)) return recount(room, me);
    if (entry.lastSeq >= (room.messages.at(-1)?.seq ?? 0)) {
      room.unread = entry.unread;
      room.mentions = entry.mentions;
    } else {
      room.unread = Math.max(room.unread, entry.unread);
      room.mentions = Math.max(room.mentions, entry.mentions);
    }
  }

  /** Someone started a DM with us (`invitation`, kind dm): it is in the list at once, named by them. */
  dmStarted(name: string, peer: string): boolean {
    const { state } = this.ctx;
    const known = state.rooms.get(name);
    if (known) {
      if (known.peer !== peer) this.setPeer(known, peer);
      return false;
    }
    this.refused.delete(name);
    this.add(name);
    const room = state.rooms.get(name)!;
    room.kind = 'dm';
    this.setPeer(room, peer);
    state.available = state.available.filter((r) => r.name !== name);
    return true;
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
    this.readSent.clear();
    this.readCooling.clear();
    this.fresh.clear();
    this.fresh.add(LOBBY);
    this.refused.clear();
  }
}
