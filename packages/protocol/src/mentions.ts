// `@name` in a message's text (docs/protocol.md, "Mentions"): the one rule the server resolves
// mentions by and the web client highlights them by, so that what is highlighted is what notified.
// A name is a run of letters, marks, digits, `_` and `-` after an `@` that starts the text or
// follows something other than those or `@` (so `bob@example.org` mentions nobody); a final `-`
// belongs to the sentence, not the name. The character before is matched rather than looked
// behind for: Safari before 16.4 has no lookbehind.

const MENTION = /(^|[^\p{L}\p{M}\p{N}_@-])(@[\p{L}\p{M}\p{N}_-]{1,64})/gu;

export interface MentionMatch {
  /** Where the `@` is, in UTF-16 units. */
  index: number;
  /** As typed, `@` included. */
  text: string;
  /** Lowercased, without the `@`: what it is matched against (nicks and usernames). */
  name: string;
}

/** Every `@name` of the text, in order. */
export function findMentions(text: string): MentionMatch[] {
  if (!text.includes('@')) return [];
  const found: MentionMatch[] = [];
  for (const match of text.matchAll(MENTION)) {
    const typed = (match[2] as string).replace(/-+$/, '');
    if (typed.length < 2) continue; // `@-`
    found.push({ index: match.index + (match[1] as string).length, text: typed, name: typed.slice(1).toLowerCase() });
  }
  return found;
}
