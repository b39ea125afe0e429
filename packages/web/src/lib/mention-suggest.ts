// `@` autocomplete in the composer: which `@name` the caret is in, which members it may mean, and
// the text once one is picked. Pure functions; components/MentionSuggest.vue is the UI. The
// server's rule (docs/protocol.md, "Mentions"): `@name`, case-insensitive, ended by white space,
// punctuation or the end, names a member of the room by nick or username.
import type { User } from '@chat/protocol';

/** At most this many names are offered at once. */
export const MAX_SUGGESTIONS = 8;

/** Characters of a name being typed after `@` (letters and digits of any script, `_` and `-`). */
const NAME_CHAR = /[\p{L}\p{M}\p{N}_-]/u;
/** The `@name` that ends at the caret, and what may stand before its `@` (not a name, not an e-mail address). */
const TOKEN_BEFORE_CARET = /(?:^|[^\p{L}\p{M}\p{N}_@.-])@([\p{L}\p{M}\p{N}_-]*)$/u;

export interface MentionToken {
  /** Index of the `@`. */
  start: number;
  /** Index after the name (the caret, or further if the caret is inside the name). */
  end: number;
  /** What is typed after `@` up to the caret. */
  prefix: string;
}

/** The `@name` token the caret is in or just after, or null (no `@`, or no letter typed after it yet). */
export function mentionAt(text: string, caret: number): MentionToken | null {
  const before = text.slice(0, caret);
  const match = TOKEN_BEFORE_CARET.exec(before);
  if (!match || match[1]!.length === 0) return null;
  const prefix = match[1]!;
  let end = caret;
  while (end < text.length && NAME_CHAR.test(text[end]!)) end++;
  return { start: caret - prefix.length - 1, end, prefix };
}

/**
 * Members whose nick starts with the prefix (case-insensitive), not me, each once: exact matches
 * first, then in alphabetical order, at most MAX_SUGGESTIONS.
 */
export function suggest(members: readonly User[], prefix: string, me: string | undefined): User[] {
  const wanted = prefix.toLocaleLowerCase();
  const seen = new Set<string>();
  const found: User[] = [];
  for (const user of members) {
    if (user.id === me || seen.has(user.id) || !user.nick.toLocaleLowerCase().startsWith(wanted)) continue;
    seen.add(user.id);
    found.push(user);
  }
  const exact = (u: User) => (u.nick.toLocaleLowerCase() === wanted ? 0 : 1);
  found.sort((a, b) => exact(a) - exact(b) || a.nick.localeCompare(b.nick, undefined, { sensitivity: 'base' }));
  return found.slice(0, MAX_SUGGESTIONS);
}

/** The text with the token replaced by `@nick ` and where the caret goes (after the space). */
export function insertMention(text: string, token: MentionToken, nick: string): { text: string; caret: number } {
  const after = text.slice(token.end);
  // No second space when one follows already: the caret moves past it.
  const spaced = after.startsWith(' ') ? after : ` ${after}`;
  const inserted = `@${nick}`;
  return { text: text.slice(0, token.start) + inserted + spaced, caret: token.start + inserted.length + 1 };
}
