// Text PostgreSQL can store.
import { isChange, type NewEntry, type NewMessage } from '../message-store.js';

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

/**
 * storable for a message or a change: a change's text, nick and emoji alike. (Mention names are
 * letters, marks, digits, `_` and `-` by the protocol's findMentions: always storable.)
 */
export function storableEntry(entry: NewEntry): NewEntry {
  if (!isChange(entry)) return storable(entry);
  const nick = pgText(entry.by.nick);
  const by = nick === entry.by.nick ? entry.by : { ...entry.by, nick };
  if (entry.action === 'edit') return { ...entry, by, text: pgText(entry.text) };
  if (entry.action === 'react') return { ...entry, by, emoji: pgText(entry.emoji) };
  return { ...entry, by };
}
