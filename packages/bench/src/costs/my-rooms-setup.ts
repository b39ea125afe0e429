// The myrooms scenario's store before its backlog: through the built server's own Store API (as in
// search/fill.ts), an account (the reader, with a bearer token), 20 guests who send, `rooms` public
// rooms in the reader's list (added while empty, so the read marker is 0), and `few` messages in
// each, one batch. The backlog is then added in bulk (my-rooms-sqlite.ts, my-rooms-pg.ts) with the
// rows this store writes for a message, numbered on from `few`.
import { loadStore, type StoreKind } from '../search/fill.js';

export interface Sender {
  id: string;
  nick: string;
}

export interface MyRoomsSetup {
  readerId: string;
  /** Its username, which the backlog's mentioning messages name (`@reader`). */
  readerName: string;
  token: string;
  /** In the order they were added to the reader's list. */
  rooms: string[];
  senders: Sender[];
}

/** The few calls of the server's Store this uses (store/store.ts). */
interface SetupStore {
  open(): Promise<unknown>;
  close(): Promise<void>;
  createAccount(username: string, passwordHash: string): Promise<{ id: string; nick: string } | null>;
  issueToken(userId: string, kind: 'bearer'): Promise<{ token: string }>;
  createGuest(nick: string): Promise<{ user: Sender }>;
  createRoom(room: string, kind: 'public', ownerId: null): Promise<boolean>;
  addUserRoom(userId: string, room: string): Promise<number>;
  appendMessages(batch: Array<{ room: string; from: Sender; clientId: string; text: string }>): Promise<unknown[]>;
}

export const SENDERS = 20;
export const READER = 'reader';
export const myRoomName = (k: number): string => `room-${String(k + 1).padStart(4, '0')}`;

/** Which sender wrote message `seq` of room `k`: spread so that each room hears from all of them. */
export const senderOf = (k: number, seq: number): number => (seq * 7 + k) % SENDERS;

export async function setUp(chatMain: string, kind: StoreKind, where: string, o: { rooms: number; few: number }): Promise<MyRoomsSetup> {
  const store = (await loadStore(chatMain, kind, where)) as unknown as SetupStore;
  await store.open();
  try {
    // Never signed in with: the token is how it asks. Any string does as a hash here.
    const reader = await store.createAccount(READER, 'not-a-password-hash');
    if (!reader) throw new Error('could not create the reader account');
    const { token } = await store.issueToken(reader.id, 'bearer');
    const senders: Sender[] = [];
    for (let i = 0; i < SENDERS; i++) {
      const { user } = await store.createGuest(`sender${i + 1}`);
      senders.push({ id: user.id, nick: user.nick });
    }
    const rooms: string[] = [];
    for (let k = 0; k < o.rooms; k++) {
      const room = myRoomName(k);
      await store.createRoom(room, 'public', null);
      await store.addUserRoom(reader.id, room);
      rooms.push(room);
    }
    const batch = [];
    for (let seq = 1; seq <= o.few; seq++) {
      for (let k = 0; k < o.rooms; k++) {
        batch.push({ room: myRoomName(k), from: senders[senderOf(k, seq)] as Sender, clientId: `b${seq}`, text: `message ${seq} of ${myRoomName(k)}, about as long as a line of chat` });
      }
    }
    if (batch.length > 0) await store.appendMessages(batch);
    return { readerId: reader.id, readerName: READER, token, rooms, senders };
  } finally {
    await store.close();
  }
}

/**
 * The text of backlog message `seq`: the same shape as the few above; every `mentionEvery`th names
 * the reader (its mention rows are added only in the mentions phase, as if just resolved).
 */
export const BACKLOG_TEXT_SQL = (seq: string, room: string, mentionEvery: string): string =>
  `CASE WHEN ${seq} % ${mentionEvery} = 0 THEN '@${READER} ' ELSE '' END || 'message ' || ${seq} || ' of ' || ${room} || ', about as long as a line of chat'`;
