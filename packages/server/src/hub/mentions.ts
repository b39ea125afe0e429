// The names a message's text may mention (docs/protocol.md, "Mentions"), found by the protocol
// package's rule (findMentions, shared with the web client's highlighting), for the store to
// resolve to members of the room by nick or username.
import { findMentions } from '@chat/protocol';

/** Distinct names one message may mention: a text of 4000 `@a` must not cost 2000 lookups. */
export const MAX_MENTION_NAMES = 50;

/** The lowercased names `text` mentions, first use first, at most MAX_MENTION_NAMES; undefined when none. */
export function mentionNames(text: string): string[] | undefined {
  const names = new Set<string>();
  for (const { name } of findMentions(text)) {
    names.add(name);
    if (names.size >= MAX_MENTION_NAMES) break;
  }
  return names.size > 0 ? [...names] : undefined;
}
