// The search tokenizer: what a message puts in the index and what a query asks for, shared by
// both stores (issue 18, PROTOCOL.md "Search"). We make the tokens ourselves because the stores'
// own tokenizers fail on Chinese: FTS5's unicode61/porter and PostgreSQL's parser make one token
// of a whole Chinese run, and FTS5's trigram tokenizer misses two-character queries. The stores
// then index our space-separated tokens (FTS5 'porter unicode61', PostgreSQL 'english'), which
// adds English stemming on top; see store-match.ts for the match expressions and
// test/search/search-plan.test.ts for the proof that both stores answer alike.
//
// Chinese, Japanese and Korean runs are indexed as every character plus every overlapping pair,
// and a query of two or more such characters asks for all its pairs: `北京` finds
// `我们明天在北京开会`, and `北会` does not find `北京开会` (its pair is not in the text).
import { MAX_SEARCH_QUERY_CHARS } from '@chat/protocol';
import { isPictographic, scanPieces, type Piece } from './text-scan.js';
import { ENGLISH_STOP_WORDS } from './stop-words.js';

/** Longest query, in characters (code points); the search route answers 400 above it. */
export const MAX_QUERY_CHARS = MAX_SEARCH_QUERY_CHARS;
/** Most terms one query sends to a store; later ones are dropped, so a query's cost is bounded. */
export const MAX_QUERY_TERMS = 32;
/**
 * Most tokens one message indexes. Messages are at most 4000 characters; a Chinese one makes
 * about twice that (characters and pairs), so the tail of a very long Chinese message is not
 * indexed. Tokens are emitted in text order (each character followed by its pair), so the cap
 * keeps a coherent beginning.
 */
export const MAX_INDEX_TOKENS = 4000;

export interface ParsedQuery {
  /** Every term must match (AND). Empty when the query had no searchable text. */
  terms: string[];
  /** `from:nick`, as typed (the route resolves and validates it). */
  from?: string;
  /** `in:room`, as typed (the route resolves and validates it). */
  in?: string;
}

/** NFKC folds full-width Ｌａｔｉｎ and half-width ｶﾅ into their usual forms before lower-casing. */
function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/**
 * Emoji as letters and digits a store's tokenizer keeps (unicode61 and PostgreSQL's parser drop
 * symbols): "x" and the code points in decimal, "x"-separated (🎉 → x127881). Decimal, not hex,
 * because a hex form may end in letters ("…ed", "…e") that FTS5's Porter stemmer would cut, while
 * PostgreSQL leaves such mixed tokens alone; only digits at the end keep both stores equal.
 * Variation selectors are left out, so ❤ and ❤️ are one token.
 */
export function emojiToken(codePoints: readonly number[]): string {
  return codePoints.map((cp) => `x${cp}`).join('');
}

/** The document form of `text`: its tokens, deduplicated, joined by single spaces. */
export function indexText(text: string): string {
  const tokens = new Set<string>();
  const add = (token: string) => {
    tokens.add(token);
    return tokens.size < MAX_INDEX_TOKENS;
  };
  scanPieces(normalize(text), (piece) => {
    switch (piece.kind) {
      case 'word':
        return add(piece.text);
      case 'cjk':
        for (let i = 0; i < piece.chars.length; i++) {
          if (!add(piece.chars[i] as string)) return false;
          const next = piece.chars[i + 1];
          if (next !== undefined && !add(`${piece.chars[i]}${next}`)) return false;
        }
        return true;
      case 'emoji':
        return addEmoji(piece.codePoints, add);
    }
  });
  return [...tokens].join(' ');
}

/**
 * A sequence (👍🏽, 👨‍👩‍👧) is indexed whole and also by each pictograph in it, so that 👍 finds 👍🏽;
 * a query for the whole sequence still finds only that sequence.
 */
function addEmoji(codePoints: number[], add: (token: string) => boolean): boolean {
  if (!add(emojiToken(codePoints))) return false;
  if (codePoints.length < 2) return true;
  for (const cp of codePoints) if (isPictographic(String.fromCodePoint(cp)) && !add(emojiToken([cp]))) return false;
  return true;
}

/** The terms a piece of query text asks for (see the header for Chinese, Japanese and Korean). */
function queryTerms(piece: Piece): string[] {
  switch (piece.kind) {
    case 'word':
      return ENGLISH_STOP_WORDS.has(piece.text) ? [] : [piece.text];
    case 'cjk':
      if (piece.chars.length === 1) return [piece.chars[0] as string];
      return piece.chars.slice(1).map((ch, i) => `${piece.chars[i]}${ch}`);
    case 'emoji':
      return [emojiToken(piece.codePoints)];
  }
}

const FILTER = /^(from|in):(\S+)$/i;

/** Counts code points without building an array when the UTF-16 length already settles it. */
function tooLong(q: string): boolean {
  if (q.length <= MAX_QUERY_CHARS) return false;
  let count = 0;
  for (const _ of q) if (++count > MAX_QUERY_CHARS) return true;
  return false;
}

/**
 * A search box's text → what to search. `from:nick` and `in:room` (keys in any case, the value up
 * to white space, the first of each kept, later ones ignored) filter; the rest is text. English
 * stop words are dropped (see stop-words.ts), so a query of only stop words, punctuation or
 * filters has no terms: the caller decides (no results, or 400) rather than ask a store, since
 * ftsMatch and tsQuery refuse an empty list.
 * Throws a RangeError above MAX_QUERY_CHARS: the route must check first (400).
 */
export function parseQuery(q: string): ParsedQuery {
  if (tooLong(q)) throw new RangeError(`search query over ${MAX_QUERY_CHARS} characters`);
  const parsed: ParsedQuery = { terms: [] };
  const text: string[] = [];
  for (const chunk of q.split(/\s+/u)) {
    const filter = FILTER.exec(chunk);
    if (!filter) {
      text.push(chunk);
      continue;
    }
    const key = (filter[1] as string).toLowerCase() as 'from' | 'in';
    parsed[key] ??= filter[2] as string;
  }
  const terms = new Set<string>();
  scanPieces(normalize(text.join(' ')), (piece) => {
    for (const term of queryTerms(piece)) {
      terms.add(term);
      if (terms.size >= MAX_QUERY_TERMS) return false;
    }
    return true;
  });
  parsed.terms = [...terms];
  return parsed;
}
