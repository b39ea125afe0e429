// What the client keeps in localStorage between visits: who it is (a guest's token and nick, or
// the signed-in username), the rooms it holds and the active one, unsent messages, the names
// of DM peers, and the composer's draft per room. What cannot be read back is ignored: another version of the page may have written it.
import { DEFAULT_LIMITS, MAX_FILES_PER_MESSAGE, type FileInfo, type ReplyExcerpt } from '@chat/protocol';
import { LOBBY, newRoom, type ChatState, type PendingChange, type RoomState } from './chat-state.js';
import { isFileInfo } from './file-info.js';
import { messageKey } from './timeline.js';

/** The part of localStorage that the client uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEYS = {
  token: 'chat.token',
  rooms: 'chat.rooms',
  active: 'chat.activeRoom',
  outbox: 'chat.outbox',
  nick: 'chat.nick',
  /** The signed-in username: the page connects with its cookie, not a guest identity. */
  account: 'chat.account',
  /** DM room name -> the other person's name. */
  peers: 'chat.dmPeers',
  /** Room name -> what the composer held there, not yet sent. */
  drafts: 'chat.drafts',
  /** Edits, deletions and reactions not yet answered (Version 1.1). */
  changes: 'chat.changes',
  /** "1": the user turned notifications on on this device (issue 19); its push belongs to the account, so sign-out forgets it. */
  notifications: 'chat.notifications',
};

/** The notification sound is a preference of this browser, kept across sign-outs (like the language). */
const SOUND_KEY = 'chat.notifySound';

/** This device's notification choices (the bell's menu). */
export interface NotifyPrefs {
  /** Desktop notifications (and push, where the browser can) were turned on here. */
  device: boolean;
  /** A soft tone with each notification. */
  sound: boolean;
}

export function loadNotifyPrefs(storage: StorageLike): NotifyPrefs {
  return { device: storage.getItem(KEYS.notifications) === '1', sound: storage.getItem(SOUND_KEY) === '1' };
}

export function saveNotifyPref(storage: StorageLike, which: keyof NotifyPrefs, on: boolean): void {
  const key = which === 'device' ? KEYS.notifications : SOUND_KEY;
  try {
    if (on) storage.setItem(key, '1');
    else storage.removeItem(key);
  } catch {
    // storage full or refused: the choice lasts for this page
  }
}

interface SavedOutboxEntry {
  room: string;
  clientId: string;
  text: string;
  ts: number;
  replyTo?: ReplyExcerpt;
  /** Version 1.1: the uploaded files it carries (their ids go out again with a resend). */
  files?: FileInfo[];
}

type SavedChange = Pick<PendingChange, 'id' | 'action' | 'target' | 'text' | 'emoji' | 'on' | 'ts'> & { room: string; failed?: string };

export class ClientStorage {
  constructor(private readonly storage: StorageLike) {}

  /**
   * The saved guest token, if it looks like one of ours (base64url). Anything else is dropped: a
   * subprotocol must be an HTTP token, and the browser's WebSocket constructor throws on others.
   */
  token(): string | null {
    const token = this.storage.getItem(KEYS.token);
    if (token === null || /^[A-Za-z0-9_-]{1,256}$/.test(token)) return token;
    this.storage.removeItem(KEYS.token);
    return null;
  }

  /** The nick a guest connects with, until the server gives it a token. */
  nick(): string | null {
    return this.storage.getItem(KEYS.nick);
  }

  setNick(nick: string): void {
    this.storage.setItem(KEYS.nick, nick);
  }

  /** The signed-in username, or null for a guest. */
  account(): string | null {
    return this.storage.getItem(KEYS.account);
  }

  setAccount(username: string): void {
    this.storage.setItem(KEYS.account, username);
  }

  /** A guest's welcome: the token to be this guest again, and the nick it has now. */
  saveGuest(token: string | undefined, nick: string): void {
    if (token) this.storage.setItem(KEYS.token, token);
    this.storage.setItem(KEYS.nick, nick);
  }

  /** The server no longer knows this token. */
  forgetToken(): void {
    this.storage.removeItem(KEYS.token);
  }

  /** The server refuses this name to a new guest: it is asked for again. */
  forgetNick(): void {
    this.storage.removeItem(KEYS.nick);
  }

  /** Signed in: a guest token or nick would win over the session cookie, so neither is kept. */
  forgetGuest(): void {
    this.storage.removeItem(KEYS.token);
    this.storage.removeItem(KEYS.nick);
  }

  /** Signed out: nothing of this user stays on the page. */
  forgetAll(): void {
    for (const key of Object.values(KEYS)) this.storage.removeItem(key);
  }

  saveActive(room: string): void {
    this.storage.setItem(KEYS.active, room);
  }

  saveRooms(roomOrder: string[]): void {
    this.storage.setItem(KEYS.rooms, JSON.stringify(roomOrder));
  }

  saveOutbox(rooms: Iterable<RoomState>): void {
    const saved: SavedOutboxEntry[] = [];
    for (const room of rooms) {
      for (const m of room.outbox) {
        saved.push({ room: room.name, clientId: m.clientId, text: m.text, ts: m.ts, ...(m.replyTo ? { replyTo: m.replyTo } : {}), ...(m.files?.length ? { files: m.files } : {}) });
      }
    }
    if (saved.length) this.storage.setItem(KEYS.outbox, JSON.stringify(saved));
    else this.storage.removeItem(KEYS.outbox);
  }

  /** Changes not yet stored; one answered but whose log entry is not held is done (the next join shows it). */
  saveChanges(rooms: Iterable<RoomState>): void {
    const saved: SavedChange[] = [];
    for (const room of rooms) {
      for (const c of room.changes) {
        if (c.status === 'stored') continue;
        const { id, action, target, text, emoji, on, ts } = c;
        saved.push({ room: room.name, id, action, target, text, emoji, on, ts, ...(c.status === 'failed' ? { failed: c.error ?? '' } : {}) });
      }
    }
    if (saved.length) this.storage.setItem(KEYS.changes, JSON.stringify(saved));
    else this.storage.removeItem(KEYS.changes);
  }

  /** DM room name -> the other person's name. A Map: stored names are looked up by room name. */
  loadPeers(): Map<string, string> {
    const saved = parseJson<unknown>(this.storage.getItem(KEYS.peers));
    const peers = new Map<string, string>();
    if (typeof saved !== 'object' || saved === null) return peers;
    for (const [room, peer] of Object.entries(saved)) if (typeof peer === 'string') peers.set(room, peer);
    return peers;
  }

  /** Remembers a DM's peer, keeping only the rooms still `held`, so the map does not grow forever. */
  savePeer(room: string, peer: string, held: { has(room: string): boolean }): void {
    const kept = [...this.loadPeers()].filter(([name]) => held.has(name));
    // Written with JSON.stringify of an object made by Object.fromEntries, which defines even
    // `__proto__` as an own key; Object.entries reads it back as such.
    this.storage.setItem(KEYS.peers, JSON.stringify(Object.fromEntries([...kept, [room, peer]])));
  }

  /** The composer's unsent text in this room ('' when none). */
  draft(room: string): string {
    const saved = parseJson<unknown>(this.storage.getItem(KEYS.drafts));
    if (typeof saved !== 'object' || saved === null || !Object.hasOwn(saved, room)) return '';
    const text = (saved as Record<string, unknown>)[room];
    return typeof text === 'string' ? text : '';
  }

  /**
   * Keeps the composer's text of a room ('' forgets it). Bounded: only rooms still `held` keep
   * theirs, and a draft is cut at the message limit (code points, as the server counts).
   */
  saveDraft(room: string, text: string, held: { has(room: string): boolean }): void {
    const saved = parseJson<unknown>(this.storage.getItem(KEYS.drafts));
    const kept = typeof saved === 'object' && saved !== null ? Object.entries(saved).filter(([name, t]) => name !== room && held.has(name) && typeof t === 'string') : [];
    const chars = [...text.slice(0, 2 * DEFAULT_LIMITS.maxMessageChars)];
    if (text.trim()) kept.push([room, chars.slice(0, DEFAULT_LIMITS.maxMessageChars).join('')]);
    if (kept.length) this.storage.setItem(KEYS.drafts, JSON.stringify(Object.fromEntries(kept)));
    else this.storage.removeItem(KEYS.drafts);
  }

  /**
   * Rooms, the active room, the identity and unsent messages from the last visit, into `state`.
   * Returns the rooms it added (each still to be joined for the first time).
   */
  restore(state: ChatState): string[] {
    const storage = this.storage;
    const rooms = parseJson<string[]>(storage.getItem(KEYS.rooms)) ?? [];
    const names = [LOBBY, ...rooms.filter((r) => typeof r === 'string' && r !== LOBBY)];
    const added: string[] = [];
    for (const name of names) {
      if (!state.rooms.has(name)) {
        state.rooms.set(name, newRoom(name));
        state.roomOrder.push(name);
        added.push(name);
      }
    }
    const peers = this.loadPeers();
    for (const name of names) {
      const peer = peers.get(name);
      const room = state.rooms.get(name);
      if (peer && room) room.peer = peer;
    }
    const active = storage.getItem(KEYS.active);
    state.activeRoom = active && state.rooms.has(active) ? active : LOBBY;
    const account = storage.getItem(KEYS.account);
    state.account = account !== null;
    state.needsName = !account && !storage.getItem(KEYS.token) && !storage.getItem(KEYS.nick);
    const nick = account ?? storage.getItem(KEYS.nick) ?? '?';
    for (const saved of parseJson<SavedOutboxEntry[]>(storage.getItem(KEYS.outbox)) ?? []) {
      const room = state.rooms.get(saved.room);
      if (!room || typeof saved.clientId !== 'string' || typeof saved.text !== 'string') continue;
      // A message is sent with all its files or not at all: one that lost some would go out without them.
      const files = Array.isArray(saved.files) ? saved.files.filter(isFileInfo).slice(0, MAX_FILES_PER_MESSAGE) : [];
      if (Array.isArray(saved.files) && files.length !== saved.files.length) continue;
      if (!saved.text.trim() && files.length === 0) continue;
      room.outbox.push({
        key: messageKey(saved.clientId, ''),
        seq: null,
        clientId: saved.clientId,
        from: { id: '', nick },
        text: saved.text,
        ts: saved.ts,
        status: 'pending',
        ...(saved.replyTo ? { replyTo: saved.replyTo } : {}),
        ...(files.length ? { files } : {}),
      });
    }
    for (const saved of parseJson<SavedChange[]>(storage.getItem(KEYS.changes)) ?? []) {
      const room = state.rooms.get(saved.room);
      if (!room || typeof saved.id !== 'string' || !['edit', 'redact', 'react'].includes(saved.action) || typeof saved.target !== 'number') continue;
      const { room: _, failed, ...change } = saved;
      room.changes.push({ ...change, ...(failed === undefined ? { status: 'queued' } : { status: 'failed', error: failed }) });
    }
    return added;
  }
}

function parseJson<T>(raw: string | null): T | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}
