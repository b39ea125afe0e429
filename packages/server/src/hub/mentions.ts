// `@name` in a message's text (docs/protocol.md, "Mentions"): the names it may mention, lowercased,
// for the store to resolve to members of the room by nick or username. A name is a run of
// letters, marks, digits, `_` and `-` after an `@` that starts the text or follows something
// other than those (so `alice@example.org` mentions nobody), and it ends at white space,
// punctuation or the end: `@bob,` and `(@bob)` mention bob.

/** Distinct names one message may mention: a text of 4000 `@a` must not cost 2000 lookups. */
export const MAX_MENTION_NAMES = 50;

const MENTION = /(?<![\p{L}\p{M}\p{N}_@-])@([\p{L}\p{M}\p{N}_-]{1,64})/gu;

/** The lowercased names `text` mentions, first use first, at most MAX_MENTION_NAMES; undefined when none. */
export function mentionNames(text: string): string[] | undefined {
  if (!text.includes('@')) return undefined;
  const names = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    // A name does not end with a hyphen: `@bob-` is bob followed by a dash.
    const name = (match[1] as string).replace(/-+$/, '').toLowerCase();
    if (name) names.add(name);
    if (names.size >= MAX_MENTION_NAMES) break;
  }
  return names.size > 0 ? [...names] : undefined;
}
