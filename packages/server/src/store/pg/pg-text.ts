// Text PostgreSQL can store.
import type { NewMessage } from '../message-store.js';

// PostgreSQL text holds no NUL, and pg encodes an unpaired surrogate as U+FFFD. Both become U+FFFD
// before a message is stored, so that one odd message cannot fail the batch it shares with others,
// and what we return and compare (duplicate keys) is what the database holds.
// eslint-disable-next-line no-control-regex
const NOT_PG_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
export const pgText = (s: string): string => s.replace(NOT_PG_TEXT, '\ufffd');

export function storable(m: NewMessage): NewMessage {
  const text = pgText(m.text);
  const clientId = pgText(m.clientId);
  const nick = pgText(m.from.nick);
  if (text === m.text && clientId === m.clientId && nick === m.from.nick) return m;
  return { ...m, text, clientId, from: nick === m.from.nick ? m.from : { ...m.from, nick } };
}
