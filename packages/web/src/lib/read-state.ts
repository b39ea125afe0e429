// A room's unread and mention counts against its read marker (docs/protocol.md, "Mentions, read
// state and the user's rooms"): pure functions on RoomState, no I/O. The counts are the server's
// (`api/me/rooms`) until this client holds every message after the marker; from then on they are
// counted here, so that a marker raised by any means (read on screen, a `read` event from another
// device, an own message) lowers them exactly as the server would.
import type { ChatMessage } from '@chat/protocol';
import type { DisplayMessage, RoomState } from './chat-state.js';

/** The largest count the UI shows as a number; above it, "99+". */
export const SHOWN_COUNT_MAX = 99;

/**
 * A count as a badge or the title shows it: up to 99 as is, then "99+". The server counts at most
 * 100 unread (and as many mentions) per room (docs/protocol.md, `api/me/rooms`), so a room at 100
 * may hold far more; a total over the rooms is shown the same way.
 */
export const shownCount = (n: number): string => (n > SHOWN_COUNT_MAX ? `${SHOWN_COUNT_MAX}+` : String(n));

/** The read state of a room that this module needs. */
export type ReadCounts = Pick<RoomState, 'joined' | 'hasOlder' | 'messages' | 'lastSeq' | 'readSeq' | 'unread' | 'mentions' | 'mentionSeqs'>;

/**
 * Every message after the marker is held (joined, and the oldest one held is at or before the
 * marker, or none is older): the counts can be taken from the messages held.
 */
export function covered(room: ReadCounts): boolean {
  if (!room.joined) return false;
  const oldest = room.messages[0]?.seq;
  return !room.hasOlder || (oldest != null && oldest <= room.readSeq);
}

/** Counts from the messages held, when they cover everything after the marker. */
export function recount(room: ReadCounts, me: string | undefined): void {
  room.mentionSeqs = room.mentionSeqs.filter((seq) => seq > room.readSeq);
  if (!covered(room)) return;
  // As the server counts: not mine, not redacted; a redacted mention is no mention.
  room.unread = room.messages.filter((m) => m.seq !== null && m.seq > room.readSeq && m.from.id !== me && !m.deleted).length;
  const deleted = new Set(room.messages.filter((m) => m.deleted).map((m) => m.seq));
  room.mentionSeqs = room.mentionSeqs.filter((seq) => !deleted.has(seq));
  room.mentions = room.mentionSeqs.length;
}

/**
 * Raises the marker to `seq` (it never goes down) and lowers the counts to match. Without the
 * messages to count, mentions known here that are now read go, and a marker at the room's end
 * (a room not yet joined) clears both. False when the marker was already there.
 */
export function raiseMarker(room: ReadCounts, seq: number, me: string | undefined): boolean {
  if (seq <= room.readSeq) return false;
  room.readSeq = seq;
  const known = room.mentionSeqs.length;
  recount(room, me);
  if (!covered(room)) {
    room.mentions = Math.max(room.mentionSeqs.length, room.mentions - (known - room.mentionSeqs.length));
    if (!room.joined && seq >= room.lastSeq) {
      room.unread = 0;
      room.mentions = 0;
    }
  }
  return true;
}

/**
 * Messages just stored (`arrived`: only those not held before). My own message raises the marker
 * to it (the server did so at `send`); others' after the marker are unread, and mentions of me
 * are counted. Returns the highest seq of my own among them (0 when none).
 */
export function countArrivals(room: ReadCounts, arrived: ChatMessage[], me: string | undefined): number {
  let own = 0;
  for (const m of arrived) if (m.from.id === me && m.seq > own) own = m.seq;
  if (own > 0) raiseMarker(room, own, me);
  for (const m of arrived) {
    if (m.from.id === me || m.seq <= room.readSeq) continue;
    room.unread++;
    if (me !== undefined && m.mentions?.includes(me) && !room.mentionSeqs.includes(m.seq)) {
      room.mentionSeqs.push(m.seq);
      room.mentions++;
    }
  }
  room.mentionSeqs.sort((a, b) => a - b);
  recount(room, me);
  return own;
}

/**
 * Messages the server may have counted already (a first join's history, an older page): mentions
 * of me after the marker are noted, and the counts are at least what they show.
 */
export function takeHistory(room: ReadCounts, messages: ChatMessage[], me: string | undefined): void {
  for (const m of messages) {
    if (me !== undefined && m.from.id !== me && m.seq > room.readSeq && m.mentions?.includes(me) && !room.mentionSeqs.includes(m.seq)) room.mentionSeqs.push(m.seq);
  }
  room.mentionSeqs.sort((a, b) => a - b);
  if (covered(room)) return recount(room, me);
  const unread = messages.filter((m) => m.seq > room.readSeq && m.from.id !== me).length;
  room.unread = Math.max(room.unread, unread);
  room.mentions = Math.max(room.mentions, room.mentionSeqs.length);
}

/** Where the "unread" line goes: the first message after the marker that is not mine, or null. */
export function firstUnread(messages: readonly DisplayMessage[], readSeq: number, me: string | undefined): number | null {
  for (const m of messages) if (m.seq !== null && m.seq > readSeq && m.from.id !== me) return m.seq;
  return null;
}
