// Fills a fresh store with the search scenario's messages, straight through the Store API (big
// appendMessages batches from this process, as the server's group commit stores them and indexes
// them in the same transaction), not over WebSockets: a million messages through the hub would
// take far longer than the searches measured on them. The store is the built server's own
// (SqliteStore on a data directory the server then starts on, or PgStore on a fresh schema),
// loaded from the server being measured (--server-dir), so a build without search fills without
// indexing: the per-message cost of the index is the difference.
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prng, Zipf, messageText } from './corpus.js';

interface User {
  id: string;
  nick: string;
}

/** The few calls of the server's Store that the fill uses (store/store.ts). */
export interface FillStore {
  open(): Promise<unknown>;
  close(): Promise<void>;
  createGuest(nick: string): Promise<{ user: User; token: string }>;
  createRoom(room: string, kind: 'public' | 'private', ownerId: string | null): Promise<boolean>;
  setRole(room: string, userId: string, role: 'owner' | 'moderator' | 'member'): Promise<void>;
  appendMessages(batch: Array<{ room: string; from: User; clientId: string; text: string }>): Promise<unknown[]>;
  /** Absent in a build from before search. */
  search?: unknown;
}

export type StoreKind = 'sqlite' | 'postgres';

/** The built server's store of that kind, on `dir` (SQLite) or at `databaseUrl` (PostgreSQL). */
export async function loadStore(chatMain: string, kind: StoreKind, where: string): Promise<FillStore> {
  const dist = dirname(chatMain);
  if (kind === 'sqlite') {
    const mod = (await import(pathToFileURL(join(dist, 'store', 'sqlite', 'sqlite-store.js')).href)) as { SqliteStore: new (o: { dir: string }) => FillStore };
    return new mod.SqliteStore({ dir: where });
  }
  const mod = (await import(pathToFileURL(join(dist, 'store', 'pg', 'pg-store.js')).href)) as { PgStore: new (o: { connectionString: string; queryTimeoutMs: number }) => FillStore };
  // A batch of thousands of messages takes longer than one of a live server.
  return new mod.PgStore({ connectionString: where, queryTimeoutMs: 120_000 });
}

export interface FillOptions {
  messages: number;
  rooms: number;
  /** Of the rooms, how many are private (the searcher is a member of half of them). */
  privateRooms: number;
  senders: number;
  batch: number;
  seed: number;
}

export interface Filled {
  /** A guest's token: the searcher sends it as Authorization: Bearer. */
  token: string;
  /** The public room with the fewest messages (the `room=` query narrows to it). */
  smallRoom: string;
  smallRoomMessages: number;
  /** Messages in the rooms the searcher may read. */
  readable: number;
  fillSeconds: number;
  /** Wall time per message stored, µs (the whole append: numbering, insert, index, commit). */
  perMessageUs: number;
  /** The store has search (a build from before it fills without indexing). */
  searchable: boolean;
}

export const roomName = (i: number): string => `team-${String(i + 1).padStart(2, '0')}`;

/**
 * Rooms get messages by a Zipf law too (a few busy rooms, many quiet ones); private rooms are
 * spread over the ranks (every fifth room), and the searcher is a member of every other one.
 */
export async function fill(store: FillStore, o: FillOptions, progress: (line: string) => void): Promise<Filled> {
  const random = prng(o.seed);
  const searcher = await store.createGuest('searcher');
  const senders: User[] = [];
  for (let i = 0; i < o.senders; i++) senders.push((await store.createGuest(`user${i + 1}`)).user);
  const isPrivate = (i: number): boolean => i % 5 === 4 && Math.floor(i / 5) < o.privateRooms;
  const readableRoom = (i: number): boolean => !isPrivate(i) || Math.floor(i / 5) % 2 === 0;
  for (let i = 0; i < o.rooms; i++) {
    if (!isPrivate(i)) continue;
    await store.createRoom(roomName(i), 'private', (senders[0] as User).id);
    if (readableRoom(i)) await store.setRole(roomName(i), searcher.user.id, 'member');
  }
  const roomOf = new Zipf(o.rooms, 1.3);
  const counts = new Array<number>(o.rooms).fill(0);
  const started = process.hrtime.bigint();
  let lastReport = Date.now();
  for (let done = 0; done < o.messages; ) {
    const n = Math.min(o.batch, o.messages - done);
    const batch = [];
    for (let k = 0; k < n; k++) {
      const r = roomOf.pick(random());
      counts[r] = (counts[r] as number) + 1;
      batch.push({ room: roomName(r), from: senders[Math.floor(random() * senders.length)] as User, clientId: `m${done + k}`, text: messageText(random) });
    }
    await store.appendMessages(batch);
    done += n;
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      progress(`${done.toLocaleString('en')} of ${o.messages.toLocaleString('en')} messages stored`);
    }
  }
  const fillSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  let smallRoom = 0;
  for (let i = 0; i < o.rooms; i++) if (!isPrivate(i) && (counts[i] as number) < (counts[smallRoom] as number)) smallRoom = i;
  return {
    token: searcher.token,
    smallRoom: roomName(smallRoom),
    smallRoomMessages: counts[smallRoom] as number,
    readable: counts.reduce((a, c, i) => (readableRoom(i) ? a + c : a), 0),
    fillSeconds,
    perMessageUs: (fillSeconds * 1e6) / Math.max(1, o.messages),
    searchable: typeof store.search === 'function',
  };
}
