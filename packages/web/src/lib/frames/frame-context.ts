// What a handler of server frames may use: the state, and the client's pieces beside it. The
// façade (chat-client.ts) builds it; handlers never see ChatClient itself, so no piece imports
// the module that imports it.
import type { ChatMessage, ClientFrame, ServerFrame } from '@chat/protocol';
import type { ChatState, RoomState } from '../chat-state.js';
import type { ClientStorage } from '../client-storage.js';
import type { MessageChanges } from '../message-changes.js';
import type { Notices } from '../notices.js';
import type { Outbox } from '../outbox.js';
import type { RequestRefs } from '../request-refs.js';
import type { RoomList } from '../room-list.js';

export interface FrameContext {
  readonly state: ChatState;
  readonly storage: ClientStorage;
  readonly notices: Notices;
  readonly refs: RequestRefs;
  readonly rooms: RoomList;
  readonly outbox: Outbox;
  /** Our edits, redactions and reactions not yet answered. */
  readonly changes: MessageChanges;
  /** The account side of the HTTP API is there (without it, the guest-only client). */
  readonly accounts: boolean;
  now(): number;
  transmit(frame: ClientFrame): void;
  /** The server said welcome: this identity works, and the backoff starts over. */
  welcomed(): void;
  signedOut(notice: string): void;
  /** Asks `api/rooms` again for private rooms and DMs this account may join. */
  refreshRooms(): void;
  /**
   * After `welcome`: brings the rooms in line with the server's list of them (`api/me/rooms`),
   * joins every room held, and asks for the private rooms this account may join.
   */
  syncRooms(): void;
  /** Someone else's message arrived live (the page's notifications, chat.ts). */
  live(room: RoomState, message: ChatMessage): void;
}

/** One handler per server frame type: a new type does not compile until it is handled. */
export type FrameHandlers = {
  [T in ServerFrame['type']]: (ctx: FrameContext, frame: Extract<ServerFrame, { type: T }>) => void;
};
