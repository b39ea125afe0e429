// Finds links in message text. Only http(s) URLs become links: never javascript:, data:, mailto:
// or anything else, and never a bare domain (`example.org`). Rendering stays text: the renderer
// binds these as text and href, never as HTML.
//
// Where a URL ends is linkify-it's work (the linkifier of markdown-it): it keeps balanced
// parentheses (`https://en.wikipedia.org/wiki/Foo_(bar)`) and leaves out the punctuation that
// ends a sentence (`see https://example.org.`). markdown.ts hands the same finder to markdown-it,
// so a link in formatted text ends where it does here (test/lib.test.ts pins these rules).
import { LinkifyIt, type Match } from 'linkify-it';

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

/** linkify-it keeps a final `?` (an empty query); in a chat line it ends a question. */
function withoutFinalQuestionMarks(match: Match): Match {
  const n = match.raw.length - match.raw.replace(/\?+$/, '').length;
  if (n > 0) {
    match.raw = match.raw.slice(0, -n);
    match.text = match.text.slice(0, -n);
    match.url = match.url.slice(0, -n);
    match.lastIndex -= n;
  }
  return match;
}

class ChatLinkify extends LinkifyIt {
  override match(text: string): Match[] | null {
    return super.match(text)?.map(withoutFinalQuestionMarks) ?? null;
  }

  override matchAtStart(text: string): Match | null {
    const match = super.matchAtStart(text);
    return match && withoutFinalQuestionMarks(match);
  }
}

export const linkFinder: LinkifyIt = new ChatLinkify({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false })
  // Schemes other than http(s) are never links.
  .add('ftp:', null)
  .add('//', null)
  .add('mailto:', null);

/** The URL's normalized form when it is an http(s) URL, else null. */
export function httpHref(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Plain text as text and link segments: the finder's rules on their own, without Markdown. */
export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of linkFinder.match(text) ?? []) {
    const href = httpHref(match.raw);
    if (!href) continue;
    if (match.index > last) segments.push({ kind: 'text', text: text.slice(last, match.index) });
    segments.push({ kind: 'link', text: match.raw, href });
    last = match.lastIndex;
  }
  if (last < text.length) segments.push({ kind: 'text', text: text.slice(last) });
  return segments;
}
