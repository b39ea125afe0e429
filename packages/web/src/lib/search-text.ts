// How a search result is shown (issue 18), without any UI: the words of the query to highlight,
// a window of the message's text around the first of them with the matches marked, and the
// results grouped by room. The server decides what matches (its own tokenizer, with stemming);
// this only marks what the reader typed, so it errs towards marking less: Latin words where a
// word starts with them, Chinese, Japanese and Korean text anywhere (the server finds any part
// of two or more characters, so each two-character piece of a longer run is marked too).
import type { SearchHit } from './search-api.js';

/** A piece of the excerpt: plain text, or a match to mark. */
export interface TextPiece {
  text: string;
  mark: boolean;
}

export interface RoomGroup {
  room: string;
  hits: SearchHit[];
}

/** Characters of the excerpt around the first match: some before it, the rest after. */
export const EXCERPT_CHARS = 160;
const BEFORE_MATCH_CHARS = 40;

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const WORD = /[\p{L}\p{N}]+/gu;
/** `from:nick` and `in:room` narrow the search; they are not words of the text. */
const FILTER = /^(?:from|in):/i;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The query as one case-insensitive pattern of what to mark, or null when nothing is. Latin
 * words match at the start of a word; a run of CJK characters matches as a whole and by each of
 * its two-character pieces.
 */
export function highlightPattern(query: string): RegExp | null {
  const words = new Set<string>();
  const runs = new Set<string>();
  for (const token of query.normalize('NFKC').toLowerCase().split(/\s+/)) {
    if (token === '' || FILTER.test(token)) continue;
    for (const [run] of token.matchAll(CJK)) {
      const chars = [...run];
      runs.add(run);
      for (let i = 0; i + 1 < chars.length; i++) runs.add(chars[i]! + chars[i + 1]!);
    }
    for (const [word] of token.replace(CJK, ' ').matchAll(WORD)) words.add(word);
  }
  // Longest first, so that an alternation prefers the whole word or run over a piece of it.
  const byLength = (a: string, b: string) => b.length - a.length;
  const parts = [
    ...[...words].sort(byLength).map((w) => `(?<![\\p{L}\\p{N}])${escape(w)}`),
    ...[...runs].sort(byLength).map(escape),
  ];
  return parts.length === 0 ? null : new RegExp(parts.join('|'), 'giu');
}

/** Where `pattern` matches `text`: [start, end) ranges, ascending, overlaps merged. */
export function matchRanges(text: string, pattern: RegExp | null): Array<[number, number]> {
  if (!pattern) return [];
  const ranges: Array<[number, number]> = [];
  const re = new RegExp(pattern.source, pattern.flags);
  // Overlapping pieces (北京, 京开) are found by starting again one character after each match.
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    const last = ranges[ranges.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
    re.lastIndex = start + (text.codePointAt(start)! > 0xffff ? 2 : 1);
  }
  return ranges;
}

/** Moves an offset off the second half of a surrogate pair, so an emoji is never cut. */
function whole(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code >= 0xdc00 && code <= 0xdfff ? at + 1 : at;
}

/**
 * The part of `text` to show for a result: up to `chars` characters from a little before the
 * first match, "…" where text is left out, and the matches marked. Without a match (the server
 * matched a stem, or a filter alone), the start of the text.
 */
export function excerpt(text: string, pattern: RegExp | null, chars = EXCERPT_CHARS): TextPiece[] {
  const ranges = matchRanges(text, pattern);
  let start = 0;
  const first = ranges[0];
  if (first && text.length > chars) {
    start = Math.max(0, Math.min(first[0] - Math.min(BEFORE_MATCH_CHARS, Math.floor(chars / 4)), text.length - chars));
    // Begin at a word when one begins shortly before (not in CJK text, which has no spaces).
    const space = text.lastIndexOf(' ', start);
    if (start > 0 && space >= start - 15) start = space + 1;
    start = whole(text, start);
  }
  const end = whole(text, Math.min(text.length, start + chars));
  const pieces: TextPiece[] = [];
  const push = (piece: string, mark: boolean) => void (piece !== '' && pieces.push({ text: piece, mark }));
  if (start > 0) push('…', false);
  let at = start;
  for (const [from, to] of ranges) {
    if (to <= start || from >= end) continue;
    push(text.slice(at, Math.max(at, from)), false);
    push(text.slice(Math.max(at, from), Math.min(to, end)), true);
    at = Math.min(to, end);
  }
  push(text.slice(at, end), false);
  if (end < text.length) push('…', false);
  return pieces;
}

/** The results by room, rooms in the order they first appear in the (newest first) list. */
export function groupByRoom(hits: readonly SearchHit[]): RoomGroup[] {
  const groups = new Map<string, RoomGroup>();
  for (const hit of hits) {
    const group = groups.get(hit.room);
    if (group) group.hits.push(hit);
    else groups.set(hit.room, { room: hit.room, hits: [hit] });
  }
  return [...groups.values()];
}
