// A page of history in one reply (`joined`, `history`) stays well under the slow-consumer limit
// (1 MiB unsent): 200 messages of 4,000 Chinese characters are 2.4 MB, and a resume of 300 such
// messages used to be cut off with 4008 on every retry. A reply carries what fits in
// REPLY_BYTES and says `hasMore`; the client pages on (`history` with `after` or `before`).
import type { ChatMessage, LogEntry } from '@chat/protocol';

/** The most a history page may take on the wire (about; see messageBytes). */
export const REPLY_BYTES = 256 * 1024;

/** JSON field names, ids, seq and ts of a message event, beside its text and nick. */
const MESSAGE_OVERHEAD_BYTES = 160;

/**
 * A message's size as JSON, closely enough to budget a page: UTF-8 bytes of its text and nick
 * (characters JSON escapes, such as quotes and newlines, take one byte more each; the budget is
 * far under the limit it protects).
 */
function messageBytes(m: ChatMessage): number {
  let bytes = Buffer.byteLength(m.text) + Buffer.byteLength(m.from.nick) + m.clientId.length + MESSAGE_OVERHEAD_BYTES;
  // Version 1.1's current state: a reply's excerpt, the reactions' ids, the mentions' ids.
  if (m.replyTo) bytes += Buffer.byteLength(m.replyTo.text) + Buffer.byteLength(m.replyTo.from.nick) + MESSAGE_OVERHEAD_BYTES;
  for (const r of m.reactions ?? []) bytes += Buffer.byteLength(r.emoji) + 40 + r.users.length * 40;
  if (m.mentions) bytes += m.mentions.length * 40;
  return bytes;
}

/** A change's bytes: its target's, and its own fields. */
const entryBytes = (e: LogEntry): number => (e.type === 'message' ? messageBytes(e) : messageBytes(e.message) + Buffer.byteLength(e.by.nick) + MESSAGE_OVERHEAD_BYTES);

/**
 * The longest run of `messages` (ascending by seq) within `budget` bytes, keeping the oldest when
 * reading forward and the newest when reading backward; never fewer than one message, so paging
 * always advances. `cut` tells whether any were left out.
 */
export function fitReplyBytes<E extends LogEntry>(
  messages: E[],
  direction: 'forward' | 'backward',
  budget = REPLY_BYTES,
): { messages: E[]; cut: boolean } {
  let bytes = 0;
  const n = messages.length;
  for (let i = 0; i < n; i++) {
    const m = messages[direction === 'forward' ? i : n - 1 - i] as E;
    bytes += entryBytes(m);
    if (bytes > budget && i > 0) {
      return { messages: direction === 'forward' ? messages.slice(0, i) : messages.slice(n - i), cut: true };
    }
  }
  return { messages, cut: false };
}

/** A store page cut to what one reply may carry; `hasMore` also says when it was cut. */
export function fitPage<P extends { messages: LogEntry[]; hasMore: boolean }>(page: P, direction: 'forward' | 'backward'): P {
  const { messages, cut } = fitReplyBytes(page.messages, direction);
  return cut ? { ...page, messages, hasMore: true } : page;
}
