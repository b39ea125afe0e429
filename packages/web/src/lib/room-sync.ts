// After each `welcome`: the sidebar brought in line with the server's list of the user's rooms
// (`api/me/rooms`, docs/protocol.md "The user's rooms and read markers"), then the joins. The
// first answer on a page decides what the sidebar holds before anything is joined; on later
// connections the joins (the resume) go first and the list only adds what other devices brought.
import type { AccountHooks } from './account-hooks.js';
import type { ChatState } from './chat-state.js';
import type { ClientStorage } from './client-storage.js';
import type { RoomList } from './room-list.js';

/** How long the first connection of a page waits for the server's room list before joining. */
const ROOM_LIST_WAIT_MS = 3000;

export interface RoomSyncContext {
  readonly state: ChatState;
  readonly storage: ClientStorage;
  readonly rooms: RoomList;
  /** Without `myRooms` (the guest-only client, an older server's API) the rooms held are joined as they are. */
  readonly hooks: AccountHooks | undefined;
  /** Asks `api/rooms` for the private rooms this account may join. */
  refreshRooms(): Promise<void>;
}

/** The promise's value, or null if it takes longer than `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

export class RoomSync {
  /** Counts welcomes: a room list that comes back after the next welcome is stale. */
  private welcomes = 0;
  /** The server's room list has been taken in on this page (later ones only add rooms). */
  private adopted = false;

  constructor(private readonly ctx: RoomSyncContext) {}

  /** Signed out: the next user's first list decides again. */
  reset(): void {
    this.adopted = false;
  }

  async afterWelcome(): Promise<void> {
    const { state, storage, rooms, hooks } = this.ctx;
    const welcome = ++this.welcomes;
    const authoritative = !this.adopted;
    if (!hooks?.myRooms || !authoritative) rooms.joinAll();
    if (hooks?.myRooms) {
      const token = state.account ? null : storage.token();
      const listed = await withTimeout(hooks.myRooms(token).catch(() => null), ROOM_LIST_WAIT_MS);
      if (welcome !== this.welcomes || state.status !== 'online') return;
      const added = listed ? rooms.adopt(listed, authoritative) : [];
      if (listed) this.adopted = true;
      if (authoritative) rooms.joinAll();
      else for (const name of added) rooms.join(name);
    }
    await this.ctx.refreshRooms();
  }
}
