// Splits message text into plain text and links. Only http(s) URLs become links: never
// javascript:, data:, mailto: or anything else, and never a bare domain (`example.org`). Rendering
// stays text: the template binds these as text and href, never as HTML.
//
// Where a URL ends is linkify-it's work (the linkifier of markdown-it): it keeps balanced
// parentheses (`https://en.wikipedia.org/wiki/Foo_(bar)`) and leaves out the punctuation that
// ends a sentence (`see https://example.org.`).
import { LinkifyIt } from 'linkify-it';

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const finder = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false })
  // Schemes other than http(s) are never links.
  .add('ftp:', null)
  .add('//', null)
  .add('mailto:', null);

/** The URL's normalized form when it is an http(s) URL, else null. */
function httpHref(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of finder.match(text) ?? []) {
    // linkify-it keeps a final `?` (an empty query); in a chat line it ends a question.
    const raw = match.raw.replace(/\?+$/, '');
    const href = httpHref(raw);
    if (!href) continue;
    if (match.index > last) segments.push({ kind: 'text', text: text.slice(last, match.index) });
    segments.push({ kind: 'link', text: raw, href });
    last = match.index + raw.length;
  }
  if (last < text.length) segments.push({ kind: 'text', text: text.slice(last) });
  return segments;
}
