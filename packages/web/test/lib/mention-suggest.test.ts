// `@` autocomplete's pure part (src/lib/mention-suggest.ts): the token at the caret, the members
// offered, and the text after a pick.
import { describe, expect, it } from 'vitest';
import type { User } from '@chat/protocol';
import { insertMention, MAX_SUGGESTIONS, mentionAt, suggest } from '../../src/lib/mention-suggest.js';

const user = (id: string, nick: string, account = true): User => ({ id, nick, account });
const ALICE = user('a', 'alice');
const ALBERT = user('b', 'Albert', false);
const AL = user('c', 'al');
const BOB = user('d', 'bob');

describe('mentionAt', () => {
  it('finds @name ending at the caret, at the start or after a space or punctuation', () => {
    expect(mentionAt('@al', 3)).toEqual({ start: 0, end: 3, prefix: 'al' });
    expect(mentionAt('hi @Al', 6)).toEqual({ start: 3, end: 6, prefix: 'Al' });
    expect(mentionAt('hi (@bo', 7)).toEqual({ start: 4, end: 7, prefix: 'bo' });
    expect(mentionAt('line\n@b', 7)).toEqual({ start: 5, end: 7, prefix: 'b' });
    expect(mentionAt('你好 @小明', 6)).toEqual({ start: 3, end: 6, prefix: '小明' });
    expect(mentionAt('@mary_j-x', 9)?.prefix).toBe('mary_j-x');
  });

  it('with the caret inside a name, the token reaches to its end', () => {
    expect(mentionAt('@alice, hi', 3)).toEqual({ start: 0, end: 6, prefix: 'al' });
  });

  it('is null without a letter after @, in an e-mail address, after the name ended, or for @@', () => {
    expect(mentionAt('@', 1)).toBeNull();
    expect(mentionAt('hi @', 4)).toBeNull();
    expect(mentionAt('mail bob@example', 16)).toBeNull();
    expect(mentionAt('@alice ', 7)).toBeNull();
    expect(mentionAt('@alice, ', 8)).toBeNull();
    expect(mentionAt('@@al', 4)).toBeNull();
    expect(mentionAt('no at all', 9)).toBeNull();
    expect(mentionAt('@al', 0)).toBeNull();
  });
});

describe('suggest', () => {
  it('members by nick prefix, any case, not me, each once, the exact name first, then alphabetical', () => {
    expect(suggest([ALICE, BOB, ALBERT, AL, ALICE], 'AL', 'd')).toEqual([AL, ALBERT, ALICE]);
    expect(suggest([ALICE, BOB, ALBERT, AL], 'al', 'c')).toEqual([ALBERT, ALICE]);
    expect(suggest([ALICE, BOB], 'x', undefined)).toEqual([]);
  });

  it('offers at most eight', () => {
    const many = Array.from({ length: 12 }, (_, i) => user(`u${i}`, `user${String(i).padStart(2, '0')}`));
    const offered = suggest(many, 'user', undefined);
    expect(offered).toHaveLength(MAX_SUGGESTIONS);
    expect(offered[0]!.nick).toBe('user00');
  });
});

describe('insertMention', () => {
  it('replaces the token with @nick and a space, the caret after it', () => {
    expect(insertMention('hi @al', { start: 3, end: 6, prefix: 'al' }, 'alice')).toEqual({ text: 'hi @alice ', caret: 10 });
    expect(insertMention('@al and more', { start: 0, end: 3, prefix: 'al' }, 'alice')).toEqual({ text: '@alice and more', caret: 7 });
    expect(insertMention('@alx, hi', { start: 0, end: 4, prefix: 'al' }, 'alice')).toEqual({ text: '@alice , hi', caret: 7 });
    expect(insertMention('@a\nnext', { start: 0, end: 2, prefix: 'a' }, 'alice')).toEqual({ text: '@alice \nnext', caret: 7 });
  });
});
