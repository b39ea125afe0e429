// The search tokenizer without a store: what a message indexes and what a query asks for. The
// stores' side of the plan is proven in search-plan.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { indexText, MAX_INDEX_TOKENS, MAX_QUERY_CHARS, MAX_QUERY_TERMS, parseQuery } from '../../src/search/search-text.js';
import { ftsMatch, tsQuery } from '../../src/search/store-match.js';
import { isCjkChar, MAX_WORD_CHARS } from '../../src/search/text-scan.js';

const tokens = (text: string) => indexText(text).split(' ').filter(Boolean);
const terms = (q: string) => parseQuery(q).terms;

describe('indexText', () => {
  it('lower-cases English words and drops punctuation', () => {
    expect(indexText('Hello, World! How are you?')).toBe('hello world how are you');
  });

  it('keeps apostrophes inside words out, and splits on dots, hyphens and underscores', () => {
    expect(tokens("I don't know, Bob’s")).toEqual(['i', 'dont', 'know', 'bobs']);
    expect(tokens("'quoted' rock'n'roll")).toEqual(['quoted', 'rocknroll']);
    expect(tokens('v1.2 e-mail user_name@example.com')).toEqual(['v1', '2', 'e', 'mail', 'user', 'name', 'example', 'com']);
  });

  it('folds full-width and compatibility forms (NFKC) and case', () => {
    expect(tokens('ＡＢＣ ＡＢＣ abc ①')).toEqual(['abc', '1']);
    expect(tokens('ﾃｽﾄ')).toEqual(['テ', 'テス', 'ス', 'スト', 'ト']);
  });

  it('indexes a Chinese run as every character and every overlapping pair', () => {
    expect(new Set(tokens('我们明天'))).toEqual(new Set(['我', '们', '明', '天', '我们', '们明', '明天']));
    expect(tokens('我们明天在北京开会')).toContain('北京');
    expect(tokens('北京开会')).not.toContain('北会');
  });

  it('splits runs at punctuation, spaces and other scripts', () => {
    expect(tokens('北京，上海')).toEqual(['北', '北京', '京', '上', '上海', '海']);
    expect(tokens('明天meeting取消')).toEqual(['明', '明天', '天', 'meeting', '取', '取消', '消']);
  });

  it('treats Japanese kana, kanji and marks, and Korean Hangul, as runs', () => {
    expect(tokens('コーヒー')).toEqual(['コ', 'コー', 'ー', 'ーヒ', 'ヒ', 'ヒー']);
    expect(tokens('時々')).toEqual(['時', '時々', '々']);
    expect(tokens('내일 회의가')).toEqual(['내', '내일', '일', '회', '회의', '의', '의가', '가']);
    expect(tokens('𠀀𠀁')).toEqual(['𠀀', '𠀀𠀁', '𠀁']); // CJK extension B
  });

  it('encodes emoji as tokens a store keeps, ignoring variation selectors', () => {
    expect(tokens('party 🎉')).toEqual(['party', 'x127881']);
    expect(indexText('❤️')).toBe(indexText('❤'));
    expect(tokens('🇨🇳')).toEqual(['x127464x127475']);
  });

  it('indexes an emoji sequence whole and by each pictograph in it', () => {
    expect(tokens('👍🏽')).toEqual(['x128077x127997', 'x128077']);
    expect(tokens('👨‍👩‍👧')).toEqual(['x128104x8205x128105x8205x128103', 'x128104', 'x128105', 'x128103']);
  });

  it('has no tokens for punctuation, symbols and space', () => {
    expect(indexText('  ,.!?…—「」、。 $%^ ')).toBe('');
  });

  it('keeps each token once', () => {
    expect(indexText('go go GO 去去')).toBe('go 去 去去');
  });

  it('cuts long words and stops at MAX_INDEX_TOKENS', () => {
    expect(tokens('a'.repeat(500))).toEqual(['a'.repeat(MAX_WORD_CHARS)]);
    const many = Array.from({ length: 5000 }, (_, i) => `w${i}`).join(' ');
    const kept = tokens(many);
    expect(kept).toHaveLength(MAX_INDEX_TOKENS);
    expect(kept.at(-1)).toBe(`w${MAX_INDEX_TOKENS - 1}`);
    const chinese = Array.from({ length: 4000 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    expect(tokens(chinese)).toHaveLength(MAX_INDEX_TOKENS);
  });

  it('indexes every pair of every Chinese run (property)', () => {
    const han = fc.integer({ min: 0x4e00, max: 0x9fff }).map((cp) => String.fromCodePoint(cp));
    const filler = fc.constantFrom(' ', ', ', 'abc', '🎉', '。');
    fc.assert(
      fc.property(fc.array(fc.oneof(han, filler), { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        const indexed = new Set(tokens(text));
        const chars = Array.from(text);
        chars.forEach((ch, i) => {
          if (!isCjkChar(ch)) return;
          expect(indexed.has(ch)).toBe(true);
          const next = chars[i + 1];
          if (next !== undefined && isCjkChar(next)) expect(indexed.has(ch + next)).toBe(true);
        });
      }),
    );
  });

  it('finds any query taken from the text itself (property)', () => {
    const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });
    // A piece cut mid-word asks for part of a word, which a whole-word index cannot find; NFKC
    // may also turn a neighbouring symbol into letters (㎏ → kg).
    const wordy = (s: string) => Array.from(s.normalize('NFKC')).some((ch) => /[\p{L}\p{N}\p{M}'’ʼ]/u.test(ch) && !isCjkChar(ch));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.nat(), fc.nat(), (text, a, b) => {
        const clusters = Array.from(graphemes.segment(text), (s) => s.segment);
        const start = Math.min(a, b) % (clusters.length + 1);
        const end = Math.min(clusters.length, start + 1 + (Math.max(a, b) % 12));
        const piece = clusters.slice(start, end).join('');
        if (wordy(clusters[start - 1] ?? ' ') || wordy(clusters[end] ?? ' ')) return;
        const indexed = new Set(tokens(text));
        for (const term of terms(piece)) expect(indexed.has(term)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseQuery', () => {
  it('makes a term of each word, folded like documents, without stop words', () => {
    expect(parseQuery('The MEETING, tomorrow!')).toEqual({ terms: ['meeting', 'tomorrow'] });
    expect(terms('ＡＢＣ don’t')).toEqual(['abc', 'dont']);
  });

  it('asks for the pairs of a Chinese run of two or more, and a single character alone', () => {
    expect(terms('北京')).toEqual(['北京']);
    expect(terms('北京开会')).toEqual(['北京', '京开', '开会']);
    expect(terms('京')).toEqual(['京']);
    expect(terms('北京 meeting')).toEqual(['北京', 'meeting']);
    expect(terms('コーヒー')).toEqual(['コー', 'ーヒ', 'ヒー']);
  });

  it('asks for an emoji sequence whole', () => {
    expect(terms('🎉')).toEqual(['x127881']);
    expect(terms('❤️')).toEqual(terms('❤'));
    expect(terms('👍🏽')).toEqual(['x128077x127997']);
  });

  it('has no terms for punctuation or stop words only', () => {
    expect(parseQuery('?!… ，。')).toEqual({ terms: [] });
    expect(parseQuery('to be or not to be')).toEqual({ terms: [] });
    expect(parseQuery('')).toEqual({ terms: [] });
  });

  it('takes from: and in: in any case, the first of each, and leaves the rest as text', () => {
    expect(parseQuery('from:Alice lunch IN:general')).toEqual({ terms: ['lunch'], from: 'Alice', in: 'general' });
    expect(parseQuery('from:a from:b in:x in:y hi')).toEqual({ terms: ['hi'], from: 'a', in: 'x' });
    expect(parseQuery('from: x:y email:bob')).toEqual({ terms: ['x', 'y', 'email', 'bob'] });
    expect(parseQuery('  in:北京  ')).toEqual({ terms: [], in: '北京' });
  });

  it('keeps each term once and at most MAX_QUERY_TERMS', () => {
    expect(terms('go go GO')).toEqual(['go']);
    const words = Array.from({ length: 50 }, (_, i) => `w${i}`);
    expect(terms(words.join(' '))).toEqual(words.slice(0, MAX_QUERY_TERMS));
  });

  it('refuses a query over MAX_QUERY_CHARS characters, counted in code points', () => {
    expect(terms('🎉'.repeat(MAX_QUERY_CHARS))).toEqual(['x127881']);
    expect(() => parseQuery('a'.repeat(MAX_QUERY_CHARS + 1))).toThrow(RangeError);
    expect(() => parseQuery('🎉'.repeat(MAX_QUERY_CHARS + 1))).toThrow(RangeError);
  });
});

describe('store match expressions', () => {
  it('quotes each term for FTS5, doubling quotes', () => {
    expect(ftsMatch(['北京', 'meeting'])).toBe('"北京" "meeting"');
    expect(ftsMatch(['a"b', 'OR', 'NEAR'])).toBe('"a""b" "OR" "NEAR"');
  });

  it('quotes each term for tsquery, escaping backslash and quote', () => {
    expect(tsQuery(['北京', 'meeting'])).toBe("'北京' & 'meeting'");
    expect(tsQuery(["a'b", 'c\\d'])).toBe("'a\\'b' & 'c\\\\d'");
  });

  it('refuses no terms', () => {
    expect(() => ftsMatch([])).toThrow(RangeError);
    expect(() => tsQuery([])).toThrow(RangeError);
  });
});
