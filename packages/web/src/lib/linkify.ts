// Splits message text into plain text and links. Only http(s) URLs become links: never
// javascript:, data: or anything else. Rendering stays text: the template binds these as text and
// href, never as HTML.

export type Segment = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
/** Punctuation that usually ends a sentence rather than a URL. */
const TRAILING = new Set('.,;:!?)]}\'"');

/**
 * Where the URL ends once trailing punctuation is left out. A loop from the end rather than a
 * `[…]+$` regex: that one retries a run of punctuation from each of its positions when the run
 * does not end the text, which is quadratic (10 ms per 4,000 characters).
 */
function withoutTrailing(raw: string): number {
  let end = raw.length;
  while (end > 0 && TRAILING.has(raw[end - 1]!)) end--;
  return end;
}

export function linkify(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = match[0].slice(0, withoutTrailing(match[0]));
    const start = match.index ?? 0;
    let href: string | null = null;
    try {
      const url = new URL(raw);
      if (url.protocol === 'http:' || url.protocol === 'https:') href = url.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    if (start > last) segments.push({ kind: 'text', text: text.slice(last, start) });
    segments.push({ kind: 'link', text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) segments.push({ kind: 'text', text: text.slice(last) });
  return segments;
}
