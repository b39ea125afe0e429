// Splits normalized text into the pieces search cares about: words of space-separated scripts,
// runs of Chinese/Japanese/Korean characters, and emoji. Both the document side (indexText) and
// the query side (parseQuery) scan with this one function, so a query can only ever ask for
// tokens that the same text would have put in the index. Everything else (punctuation, symbols,
// spaces, variation selectors on their own) separates pieces and is dropped.

/** One piece of text, in the order it appears. `cjk` holds the run's characters (code points). */
export type Piece =
  | { kind: 'word'; text: string }
  | { kind: 'cjk'; chars: string[] }
  | { kind: 'emoji'; codePoints: number[] };

/**
 * Longest word kept, in code points; longer ones are cut (both in documents and queries, so they
 * still match each other). PostgreSQL refuses lexemes over 2047 bytes with a notice and drops
 * them, where FTS5 would keep them: cutting keeps the two stores alike.
 */
export const MAX_WORD_CHARS = 64;

/** Longest emoji sequence kept, in code points (a family is 7; nothing real is longer than 10). */
const MAX_EMOJI_CODE_POINTS = 10;

// Han, kana and Hangul letters, plus marks those scripts use inside words although Unicode files
// them elsewhere: ー (U+30FC, Common) lengthens katakana (コーヒー); 々 〆 〇 are Han iteration and
// abbreviation marks. Symbols of these scripts (radicals ⺀, CJK punctuation 、。) are not letters
// and so separate runs.
const CJK_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const LETTER_OR_NUMBER = /[\p{L}\p{Nl}]/u;
const CJK_EXTRA = new Set(['\u30FC', '\u3005', '\u3006', '\u3007', '\u309D', '\u309E', '\u30FD', '\u30FE']);

const WORD_CHAR = /[\p{L}\p{N}]/u;
const MARK = /\p{M}/u;
const LETTER = /\p{L}/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
// ' and ’ (and the modifier letter ʼ, a letter to Unicode) join a word when between letters:
// "don't" and "don’t" are both the token "dont".
const APOSTROPHES = new Set(["'", '\u2019', '\u02BC']);

const ZWJ = 0x200d;
const isVariationSelector = (cp: number) => cp === 0xfe0e || cp === 0xfe0f;
const isSkinTone = (cp: number) => cp >= 0x1f3fb && cp <= 0x1f3ff;
const isRegionalIndicator = (cp: number) => cp >= 0x1f1e6 && cp <= 0x1f1ff;
// Tag characters spell subdivision flags (🏴 + "gbeng" + cancel tag), and U+20E3 makes keycaps.
const isEmojiTail = (cp: number) => (cp >= 0xe0020 && cp <= 0xe007f) || cp === 0x20e3;

export function isPictographic(ch: string): boolean {
  return PICTOGRAPHIC.test(ch);
}

export function isCjkChar(ch: string): boolean {
  return CJK_EXTRA.has(ch) || (CJK_SCRIPT.test(ch) && LETTER_OR_NUMBER.test(ch));
}

/** Calls `onPiece` for each piece of `text` (already NFKC and lower case); stops when it returns false. */
export function scanPieces(text: string, onPiece: (piece: Piece) => boolean): void {
  const chars = Array.from(text);
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i] as string;
    const cp = ch.codePointAt(0) as number;
    let piece: Piece | undefined;
    if (isCjkChar(ch)) {
      const run: string[] = [];
      while (i < chars.length && isCjkChar(chars[i] as string)) run.push(chars[i++] as string);
      piece = { kind: 'cjk', chars: run };
    } else if (WORD_CHAR.test(ch) && !APOSTROPHES.has(ch)) {
      const end = wordEnd(chars, i);
      piece = { kind: 'word', text: wordText(chars, i, end) };
      i = end;
    } else if (PICTOGRAPHIC.test(ch) || isRegionalIndicator(cp)) {
      const end = emojiEnd(chars, i);
      const codePoints = chars
        .slice(i, end)
        .map((c) => c.codePointAt(0) as number)
        .filter((c) => !isVariationSelector(c))
        .slice(0, MAX_EMOJI_CODE_POINTS);
      piece = { kind: 'emoji', codePoints };
      i = end;
    } else {
      i++;
    }
    if (piece && !onPiece(piece)) return;
  }
}

/** Index after the word starting at `start`: letters, digits, marks, and apostrophes between letters. */
function wordEnd(chars: string[], start: number): number {
  let i = start + 1;
  while (i < chars.length) {
    const ch = chars[i] as string;
    if (isCjkChar(ch)) break;
    if (APOSTROPHES.has(ch)) {
      const before = chars[i - 1] as string;
      const after = chars[i + 1];
      if (after !== undefined && LETTER.test(before) && LETTER.test(after) && !isCjkChar(after)) {
        i++;
        continue;
      }
      break;
    }
    if (!WORD_CHAR.test(ch) && !MARK.test(ch)) break;
    i++;
  }
  return i;
}

function wordText(chars: string[], start: number, end: number): string {
  const kept: string[] = [];
  for (let i = start; i < end && kept.length < MAX_WORD_CHARS; i++) {
    const ch = chars[i] as string;
    if (!APOSTROPHES.has(ch)) kept.push(ch);
  }
  return kept.join('');
}

/** Index after the emoji sequence starting at `start` (a pictograph or a regional indicator). */
function emojiEnd(chars: string[], start: number): number {
  const first = chars[start]?.codePointAt(0) as number;
  if (isRegionalIndicator(first)) {
    // A flag is a pair of regional indicators; a lone one stands for itself.
    const next = chars[start + 1]?.codePointAt(0);
    return next !== undefined && isRegionalIndicator(next) ? start + 2 : start + 1;
  }
  let i = start + 1;
  while (i < chars.length) {
    const cp = chars[i]?.codePointAt(0) as number;
    if (isVariationSelector(cp) || isSkinTone(cp) || isEmojiTail(cp)) {
      i++;
    } else if (cp === ZWJ && i + 1 < chars.length && PICTOGRAPHIC.test(chars[i + 1] as string)) {
      i += 2;
    } else {
      break;
    }
  }
  return i;
}
