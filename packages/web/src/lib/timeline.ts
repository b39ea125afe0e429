// A room's timeline: its stored messages ascending by seq, and `lastSeq`, the resume point
// (docs/protocol.md, "Resume after a dropped connection"). Messages may arrive twice (an ack and
// the event, a resume overlapping what is held) and out of order (a history page, a gap filled);
// each seq is held once, in order. Version 1.1 ("The room log"): the log's seqs also number changes
// to messages (edits, redactions, reactions); a change replaces its message's copy, and its seq
// counts towards the resume point like a message's.
import { replyExcerpt, type ChangedFrame, type ChatMessage } from '@chat/protocol';
import type { DisplayMessage, RoomState } from './chat-state.js';

/** Messages kept in memory per room; older ones are dropped (and can be loaded again). */
const MAX_MESSAGES_PER_ROOM = 5000;

/** The render key of a message: the same while pending and once stored. */
export function messageKey(clientId: string, userId: string): string {
  return `${userId}:${clientId}`;
}

/** A stored message as the timeline holds it, with the current-state fields it has. */
function held(m: ChatMessage | DisplayMessage, seq: number): DisplayMessage {
  const message: DisplayMessage = { key: messageKey(m.clientId, m.from.id), seq, clientId: m.clientId, from: m.from, text: m.text, ts: m.ts, status: 'sent' };
  if (m.edited !== undefined) message.edited = m.edited;
  if (m.deleted) message.deleted = true;
  if (m.reactions?.length) message.reactions = m.reactions;
  if (m.replyTo) message.replyTo = m.replyTo;
  if (m.mentions?.length) message.mentions = m.mentions;
  if (m.files?.length) message.files = m.files;
  return message;
}

/** Adds stored messages in seq order, skipping ones already held. Returns how many were new. */
export function insertMessages(room: RoomState, incoming: Array<ChatMessage | DisplayMessage>): number {
  let added = 0;
  const list = room.messages;
  for (const m of incoming) {
    if (m.seq === null) continue;
    const message = held(m, m.seq);
    const last = list[list.length - 1];
    if (!last || (last.seq as number) < m.seq) {
      list.push(message);
    } else {
      const index = lowerBound(list, m.seq);
      if (list[index]?.seq === m.seq) {
        // The server's copy after our ack's (which knows no mentions), unless a change came since.
        if ('type' in m && list[index]!.version === undefined) list[index] = message;
        continue;
      }
      list.splice(index, 0, message);
    }
    added++;
  }
  advance(room);
  if (list.length > MAX_MESSAGES_PER_ROOM) {
    list.splice(0, list.length - MAX_MESSAGES_PER_ROOM);
    room.hasOlder = true;
  }
  return added;
}

/**
 * A change entry (`changed`, live or in a forward read): its message's copy, if held, becomes the
 * state it carries, unless a later change was applied already (applying is idempotent); replies
 * quoting an edited or redacted message quote its new text. Its seq joins the resume point.
 */
export function applyChange(room: RoomState, change: ChangedFrame): void {
  const target = change.message;
  const list = room.messages;
  const index = lowerBound(list, target.seq);
  const current = list[index];
  if (current?.seq === target.seq && (current.version ?? 0) < change.seq) list[index] = { ...held(target, target.seq), version: change.seq };
  if (change.action !== 'react') {
    const text = replyExcerpt(target.deleted ? '' : target.text);
    for (const m of [...list, ...room.outbox]) {
      if (m.replyTo?.seq === target.seq && m.replyTo.text !== text) m.replyTo = { ...m.replyTo, text };
    }
  }
  if (change.seq > room.lastSeq && !room.changeSeqs.includes(change.seq)) room.changeSeqs.push(change.seq);
  advance(room);
}

/** The held message with this seq, if any. */
export function findMessage(room: RoomState, seq: number): DisplayMessage | undefined {
  const m = room.messages[lowerBound(room.messages, seq)];
  return m?.seq === seq ? m : undefined;
}

/** Advances the resume point over every seq now held contiguously, messages and changes alike. */
function advance(room: RoomState): void {
  const list = room.messages;
  let i = lowerBound(list, room.lastSeq + 1);
  for (;;) {
    const next = room.lastSeq + 1;
    if (list[i]?.seq === next) i++;
    else if (!room.changeSeqs.includes(next)) break;
    room.lastSeq = next;
  }
  if (room.changeSeqs.length > 0) room.changeSeqs = room.changeSeqs.filter((seq) => seq > room.lastSeq);
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
