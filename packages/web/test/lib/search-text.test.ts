// How search results are shown (packages/web/src/lib/search-text.ts): what of the query is marked
// (Latin words at the start of a word, any case; Chinese anywhere, whole or by two-character
// pieces; not from:/in: filters), the window of text around the first match with "…", and the
// results grouped by room in the order rooms first appear.
import { describe, expect, it } from 'vitest';
import type { SearchHit } from '../../src/lib/search-api.js';
import { excerpt, groupByRoom, highlightPattern, matchRanges } from '../../src/lib/search-text.js';

/** The excerpt with marks as [brackets], to read at a glance. */
const shown = (text: string, query: string, chars?: number) =>
  excerpt(text, highlightPattern(query), chars)
    .map((piece) => (piece.mark ? `[${piece.text}]` : piece.text))
    .join('');

describe('what is marked', () => {
  it('marks English words at the start of a word, in any case, never inside one', () => {
    expect(shown('Deploy the Release; released at the start of art class', 'release ART')).toBe('Deploy the [Release]; [release]d at the start of [art] class');
    expect(shown('hello', 'HELLO')).toBe('[hello]');
  });

  it('marks Chinese anywhere: the whole run, or each two-character piece of it', () => {
    expect(shown('我们明天在北京开会', '北京')).toBe('我们明天在[北京]开会');
    expect(shown('北京的会在明天开', '北京开会')).toBe('[北京]的会在明天开');
    expect(shown('明天在北京开会', '北京开会')).toBe('明天在[北京开会]');
    expect(shown('我们去北京', '京')).toBe('我们去北[京]');
  });

  it('marks mixed queries, and leaves from:nick and in:room out', () => {
    expect(shown('Meeting in 北京 with Bob about the deploy', 'from:bob in:dev 北京 deploy')).toBe('Meeting in [北京] with Bob about the [deploy]');
    expect(highlightPattern('from:bob in:dev')).toBeNull();
    expect(highlightPattern('   ')).toBeNull();
  });

  it('leaves punctuation out, so characters that mean something in a pattern never reach it', () => {
    expect(shown('costs $5 (or c++) today', 'c++ $5')).toBe('[c]osts $[5] (or [c]++) today');
    expect(highlightPattern('(.*) +? [')).toBeNull();
  });

  it('merges overlapping matches into one range', () => {
    expect(matchRanges('北京京开', highlightPattern('北京开'))).toEqual([[0, 4]]);
    expect(matchRanges('releases', highlightPattern('rel release'))).toEqual([[0, 7]]);
    expect(matchRanges('text', null)).toEqual([]);
  });
});

describe('the excerpt', () => {
  const long = `${'word '.repeat(40)}needle ${'more '.repeat(40)}`.trim();

  it('shows a window from a little before the first match, with … where text is left out', () => {
    const text = shown(long, 'needle', 60);
    expect(text.startsWith('…word ')).toBe(true);
    expect(text).toContain('[needle]');
    expect(text.endsWith('…')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(60 + 2 + 2);
  });

  it('shows a short text whole, and the start of a long one without any match', () => {
    expect(shown('short one', 'zzz')).toBe('short one');
    expect(shown(long, 'zzz', 20)).toBe('word word word word …');
  });

  it('never cuts an emoji in half', () => {
    const text = `${'😀'.repeat(50)}北京${'😀'.repeat(50)}`;
    for (const chars of [20, 21, 40, 41]) {
      const pieces = excerpt(text, highlightPattern('北京'), chars).map((p) => p.text).join('');
      expect(pieces).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      expect(pieces).toContain('北京');
    }
  });
});

describe('grouping', () => {
  const hit = (room: string, seq: number): SearchHit => ({
    room,
    message: { type: 'message', room, seq, id: String(seq), clientId: String(seq), from: { id: 'u', nick: 'u' }, text: 't', ts: seq },
  });

  it('groups by room, rooms in the order they first appear, messages in the order given', () => {
    const groups = groupByRoom([hit('b', 9), hit('a', 8), hit('b', 7), hit('c', 6), hit('a', 5)]);
    expect(groups.map((g) => [g.room, g.hits.map((h) => h.message.seq)])).toEqual([
      ['b', [9, 7]],
      ['a', [8, 5]],
      ['c', [6]],
    ]);
    expect(groupByRoom([])).toEqual([]);
  });
});
