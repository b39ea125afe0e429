// What one push carries (docs/protocol.md, Push notifications): the room, the seq to open, the
// sender's nick and the text cut to PUSH_TEXT_CHARS (file names when there is no text), plus what
// the service worker shows and badges with. Its Topic and Urgency.
import { createHash } from 'node:crypto';
import { PUSH_TEXT_CHARS, type ChatMessage, type PushPayload } from '@chat/protocol';
import type { Urgency } from 'web-push';

/**
 * The text a push shows: the message's, or its files' names; at most PUSH_TEXT_CHARS UTF-16 units
 * with the ellipsis (so at most that many characters however they are counted), never cut halfway
 * through a surrogate pair.
 */
export function pushText(message: ChatMessage): string {
  const text = message.text !== '' ? message.text : (message.files ?? []).map((f) => f.name).join(', ');
  if (text.length <= PUSH_TEXT_CHARS) return text;
  let cut = text.slice(0, PUSH_TEXT_CHARS - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

export function pushPayload(message: ChatMessage, target: { dm: boolean; mention: boolean }, unread: number | null): PushPayload {
  const payload: PushPayload = { room: message.room, seq: message.seq, from: message.from.nick, text: pushText(message) };
  if (target.dm) payload.dm = true;
  if (target.mention) payload.mention = true;
  if (unread !== null) payload.unread = unread;
  return payload;
}

/**
 * RFC 8030 Topic for a room's pushes: the same for every push of the room, so a push service
 * holding an undelivered one replaces it with the newer; 32 characters of base64url (the most
 * the RFC allows), from a hash, so the room's name is not shown to the push service.
 */
export function roomTopic(room: string): string {
  return createHash('sha256').update(`room:${room}`).digest('base64url').slice(0, 32);
}

/** A DM or a mention wakes the device; other messages may wait for a good moment. */
export const pushUrgency = (target: { dm: boolean; mention: boolean }): Urgency => (target.dm || target.mention ? 'high' : 'normal');
