// What the client asks the HTTP API about accounts (docs/protocol.md, "Accounts, private rooms and
// moderation", HTTP). In the browser, src/chat.ts answers with src/lib/account-api.ts; tests
// script the answers. Without these hooks the client is the guest-only client.
import type { NickVerdict } from './account-api.js';
import type { ListedRoom, RoomSummary } from './chat-state.js';

export interface AccountHooks {
  /** `GET api/me`: true while the session is valid, false once it is not (401), null when unknown. */
  sessionValid(): Promise<boolean | null>;
  /** `GET api/info`'s allowGuests; null when unknown. */
  guestsAllowed(): Promise<boolean | null>;
  /** `GET api/nicks/check`: whether a new guest may take this name, and why not; null when unknown. */
  nickAvailable?(nick: string): Promise<NickVerdict | null>;
  /** `GET api/rooms`: at least the caller's private rooms and DMs (all pages); null when unknown. */
  rooms(): Promise<RoomSummary[] | null>;
  /** `GET api/me/rooms` (a guest's token as a bearer): the rooms this user keeps; null when unknown. */
  myRooms?(guestToken: string | null): Promise<ListedRoom[] | null>;
}
