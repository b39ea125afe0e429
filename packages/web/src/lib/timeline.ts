// A room's timeline: its stored messages ascending by seq, and `lastSeq`, the resume point
// (docs/protocol.md, "Resume after a dropped connection"). Messages may arrive twice (an ack and
// the event, a resume overlapping what is held) and out of order (a history page, a gap filled);
// each seq is held once, in order.
import type { ChatMessage } from '@chat/protocol';
import type { DisplayMessage, RoomState } from './chat-state.js';

/** Messages kept in memory per room; older ones are dropped (and can be loaded again). */
const MAX_MESSAGES_PER_ROOM = 5000;

/** The render key of a message: the same while pending and once stored. */
export function messageKey(clientId: string, userId: string): string {
  return `${userId}:${clientId}`;
}

/** Adds stored messages in seq order, skipping ones already held. Returns how many were new. */
export function insertMessages(room: RoomState, incoming: Array<ChatMessage | DisplayMessage>): number {
  let added = 0;
  const list = room.messages;
  for (const m of incoming) {
    if (m.seq === null) continue;
    const message: DisplayMessage = { key: messageKey(m.clientId, m.from.id), seq: m.seq, clientId: m.clientId, from: m.from, text: m.text, ts: m.ts, status: 'sent' };
    const last = list[list.length - 1];
    if (!last || (last.seq as number) < m.seq) {
      list.push(message);
    } else {
      const index = lowerBound(list, m.seq);
      if (list[index]?.seq === m.seq) continue;
      list.splice(index, 0, message);
    }
    added++;
  }
  // Advance the resume point over every seq now held contiguously.
  let i = lowerBound(list, room.lastSeq + 1);
  while (list[i]?.seq === room.lastSeq + 1) {
    room.lastSeq++;
    i++;
  }
  if (list.length > MAX_MESSAGES_PER_ROOM) {
    list.splice(0, list.length - MAX_MESSAGES_PER_ROOM);
    room.hasOlder = true;
  }
  return added;
}

/** The index of the first message with a seq of at least `seq` (the list is ascending). */
function lowerBound(list: DisplayMessage[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid]!.seq as number) < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
