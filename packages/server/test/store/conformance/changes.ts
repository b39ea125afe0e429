// The room log's changes (src/store/change-store.ts, and MessageStore.appendEntries and
// messagesAfter in message-store.ts): edits, redactions and reactions numbered with the messages,
// checked against their target, and read back with the target's current state; replies and
// mentions; what unread counts, retention and deleteRoom make of them.
import { isMessage, MAX_REACTION_USERS, MAX_REACTIONS_PER_MESSAGE, MAX_REPLY_EXCERPT_CHARS, type ChangedFrame, type ChatMessage, type User } from '@chat/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppendResult, EntryResult, NewEdit, NewEntry, NewMessage, NewReaction, NewRedaction, Store } from '../../../src/store/store.js';
import { alice, bob, msg, type StoreUnderTest } from './store-under-test.js';

const carol = { id: 'u-carol', nick: 'carol' };

const edit = (room: string, seq: number, by: User, text: string, mentionNames?: string[]): NewEdit => ({
  action: 'edit',
  room,
  seq,
  by,
  text,
  ...(mentionNames ? { mentionNames } : {}),
});
const redact = (room: string, seq: number, by: User, moderator = false): NewRedaction => ({ action: 'redact', room, seq, by, moderator });
const react = (room: string, seq: number, by: User, emoji: string, on = true): NewReaction => ({ action: 'react', room, seq, by, emoji, on });
const reply = (room: string, clientId: string, from: User, replyTo: number, text = `re ${clientId}`): NewMessage => ({ room, from, clientId, text, replyTo });

const changed = (result: EntryResult | undefined): ChangedFrame => {
  if (!result || !('change' in result)) throw new Error(`not a change: ${JSON.stringify(result)}`);
  return result.change;
};
const appended = (result: EntryResult | undefined): AppendResult => {
  if (!result || !('message' in result)) throw new Error(`not a message: ${JSON.stringify(result)}`);
  return result;
};

export function describeChanges(t: StoreUnderTest): void {
  describe('the room log: changes', () => {
    let store: Store;
    beforeEach(() => {
      store = t.store;
    });
    const one = async (entry: NewEntry): Promise<EntryResult | undefined> => (await store.appendEntries([entry]))[0];
    /** The message at seq as messagesAfter shows it. */
    const current = async (room: string, seq: number): Promise<ChatMessage | undefined> =>
      (await store.messagesAfter(room, seq - 1, 1)).messages.find((e): e is ChatMessage => isMessage(e) && e.seq === seq);

    it('numbers messages and changes of one batch with consecutive seqs, in batch order', async () => {
      await store.appendMessages([msg('a', '1')]);
      const results = await store.appendEntries([msg('a', '2'), edit('a', 1, alice, 'edited'), react('a', 2, bob, '👍'), msg('a', '3'), msg('b', '1')]);
      expect(appended(results[0]).message.seq).toBe(2);
      expect(changed(results[1])).toMatchObject({ type: 'changed', room: 'a', seq: 3, action: 'edit', by: alice, message: { seq: 1, text: 'edited' } });
      expect(changed(results[2])).toMatchObject({ seq: 4, action: 'react', by: bob, message: { seq: 2, reactions: [{ emoji: '👍', count: 1, users: [bob.id] }] } });
      expect(appended(results[3]).message.seq).toBe(5);
      expect(appended(results[4]).message.seq).toBe(1);
      expect(await store.lastSeq('a')).toBe(5);
      expect(changed(results[1]).message.edited).toBe(changed(results[1]).ts);
    });

    it('edit: the author only, not of a redacted message; the same text changes nothing and takes no seq', async () => {
      await store.appendMessages([msg('a', '1', alice, 'first'), msg('a', '2', alice, 'second')]);
      expect(await one(edit('a', 1, bob, 'hijack'))).toMatchObject({ refused: 'forbidden' });
      expect(await one(edit('a', 1, alice, 'first'))).toEqual({ unchanged: true });
      expect(await store.lastSeq('a')).toBe(2);
      expect(changed(await one(edit('a', 1, alice, 'first, fixed'))).seq).toBe(3);
      expect(await current('a', 1)).toMatchObject({ text: 'first, fixed', edited: expect.any(Number) });
      await one(redact('a', 2, alice));
      expect(await one(edit('a', 2, alice, 'back'))).toMatchObject({ refused: 'forbidden' });
      expect(await one(edit('a', 99, alice, 'nothing there'))).toMatchObject({ refused: 'not_found' });
      expect(await one(edit('nowhere', 1, alice, 'no room'))).toMatchObject({ refused: 'not_found' });
      expect(await store.lastSeq('a')).toBe(4);
    });

    it('redact: the author, or anyone with the moderator flag; a second redaction changes nothing', async () => {
      await store.appendMessages([msg('a', '1'), msg('a', '2'), msg('a', '3', bob)]);
      expect(await one(redact('a', 1, bob))).toMatchObject({ refused: 'forbidden' });
      const own = changed(await one(redact('a', 1, alice)));
      expect(own).toMatchObject({ seq: 4, action: 'redact', by: alice, message: { seq: 1, text: '', deleted: true } });
      expect(changed(await one(redact('a', 2, bob, true))).message).toMatchObject({ seq: 2, deleted: true });
      expect(await one(redact('a', 1, alice))).toEqual({ unchanged: true });
      expect(await one(redact('a', 1, bob, true))).toEqual({ unchanged: true });
      expect(await store.lastSeq('a')).toBe(5);
      expect(await one(redact('a', 4, alice, true))).toMatchObject({ refused: 'not_found' });
    });

    it('a redaction empties the text and drops reactions, mentions, the reply and the edit time; a reply to it shows ""', async () => {
      const [, bobUser] = await Promise.all([store.createAccount('alice', 'h'), store.createAccount('bob', 'h')]);
      await store.ensureRoom('a');
      await store.addUserRoom((bobUser as User).id, 'a');
      await store.appendEntries([
        msg('a', '1', bob, 'original'),
        { ...reply('a', '2', alice, 1, 'hey @bob'), mentionNames: ['bob'] },
        react('a', 2, bob, '🎉'),
        edit('a', 2, alice, 'hey @bob, edited', ['bob']),
        reply('a', '3', bob, 2),
      ]);
      expect((await store.userRooms((bobUser as User).id))[0]?.mentions).toBe(1);
      const redacted = changed(await one(redact('a', 2, alice))).message;
      expect(redacted).toEqual({ type: 'message', room: 'a', seq: 2, id: redacted.id, clientId: '2', from: alice, text: '', ts: redacted.ts, deleted: true });
      expect((await store.userRooms((bobUser as User).id))[0]?.mentions).toBe(0);
      expect((await current('a', 5))?.replyTo).toEqual({ seq: 2, from: alice, text: '' });
      expect(await one(react('a', 2, bob, '🎉'))).toMatchObject({ refused: 'forbidden' });
    });

    it('react: on and off, idempotent, emojis in order of first use with exact counts', async () => {
      await store.appendMessages([msg('a', '1')]);
      await store.appendEntries([react('a', 1, bob, '👍'), react('a', 1, carol, '❤️'), react('a', 1, alice, '👍')]);
      expect((await current('a', 1))?.reactions).toEqual([
        { emoji: '👍', count: 2, users: [bob.id, alice.id] },
        { emoji: '❤️', count: 1, users: [carol.id] },
      ]);
      expect(await one(react('a', 1, bob, '👍'))).toEqual({ unchanged: true });
      expect(await one(react('a', 1, bob, '❤️', false))).toEqual({ unchanged: true });
      expect(await store.lastSeq('a')).toBe(4);
      // The order is of first use among the reactions there now: bob's 👍 was the first.
      const off = changed(await one(react('a', 1, bob, '👍', false)));
      expect(off).toMatchObject({ seq: 5, action: 'react', message: { reactions: [{ emoji: '❤️', count: 1, users: [carol.id] }, { emoji: '👍', count: 1, users: [alice.id] }] } });
      await one(react('a', 1, alice, '👍', false));
      expect((await current('a', 1))?.reactions).toEqual([{ emoji: '❤️', count: 1, users: [carol.id] }]);
      await one(react('a', 1, carol, '❤️', false));
      expect((await current('a', 1))?.reactions).toBeUndefined();
    });

    it(`react: an exact count beyond ${MAX_REACTION_USERS} users, and at most ${MAX_REACTIONS_PER_MESSAGE} different emojis`, async () => {
      await store.appendMessages([msg('a', '1')]);
      const users = Array.from({ length: MAX_REACTION_USERS + 5 }, (_, i) => ({ id: `u-${String(i).padStart(3, '0')}`, nick: `n${i}` }));
      await store.appendEntries(users.map((u) => react('a', 1, u, '👍')));
      const [thumbs] = (await current('a', 1))?.reactions ?? [];
      expect(thumbs?.count).toBe(MAX_REACTION_USERS + 5);
      expect(thumbs?.users).toEqual(users.slice(0, MAX_REACTION_USERS).map((u) => u.id));
      const emojis = Array.from({ length: MAX_REACTIONS_PER_MESSAGE - 1 }, (_, i) => String.fromCodePoint(0x1f600 + i));
      await store.appendEntries(emojis.map((e) => react('a', 1, alice, e)));
      expect((await current('a', 1))?.reactions).toHaveLength(MAX_REACTIONS_PER_MESSAGE);
      const seq = await store.lastSeq('a');
      expect(await one(react('a', 1, alice, '🦄'))).toMatchObject({ refused: 'forbidden' });
      // A known emoji still takes more users.
      expect(changed(await one(react('a', 1, alice, '👍'))).seq).toBe((seq as number) + 1);
    });

    it('replyTo: only a message of the room; the excerpt is cut to its code points and follows edits', async () => {
      const long = '🌍'.repeat(MAX_REPLY_EXCERPT_CHARS + 10);
      await store.appendMessages([msg('a', '1', bob, long), msg('b', '1')]);
      await one(react('a', 1, alice, '👍'));
      const refused = await store.appendEntries([reply('a', 'r1', alice, 99), reply('a', 'r2', alice, 2), reply('a', 'r3', alice, 0)]);
      expect(refused.map((r) => ('refused' in r ? r.refused : r))).toEqual(['not_found', 'not_found', 'not_found']);
      expect(await store.lastSeq('a')).toBe(2);
      const answer = appended(await one(reply('a', 'r4', alice, 1)));
      expect(answer.message).toMatchObject({ seq: 3, replyTo: { seq: 1, from: bob, text: '🌍'.repeat(MAX_REPLY_EXCERPT_CHARS) } });
      await one(edit('a', 1, bob, 'short now'));
      expect((await current('a', 3))?.replyTo).toEqual({ seq: 1, from: bob, text: 'short now' });
      // A reply to a message earlier in the same batch.
      const [first, second] = await store.appendEntries([msg('a', 'x', bob, 'x'), reply('a', 'y', alice, 5)]);
      expect(appended(first).message.seq).toBe(5);
      expect(appended(second).message.replyTo).toEqual({ seq: 5, from: bob, text: 'x' });
    });

    it('mentions: by nick or username, case-insensitively, of the room\'s members only; the author\'s own is not counted', async () => {
      const ann = (await store.createAccount('ann', 'h')) as User;
      await store.renameUser(ann.id, 'Émilie');
      const dan = (await store.createAccount('dan', 'h')) as User;
      const zoe = (await store.createGuest('Zoë')).user;
      const outsider = (await store.createAccount('olga', 'h')) as User;
      await store.ensureRoom('a');
      for (const u of [ann, dan, zoe]) await store.addUserRoom(u.id, 'a');
      const danAs = { id: dan.id, nick: 'dan' };
      const [m] = await store.appendEntries([
        { ...msg('a', '1', danAs, '@ÉMILIE @ann @zoë @olga @dan'), mentionNames: ['émilie', 'ann', 'zoë', 'olga', 'dan'] },
      ]);
      const mentioned = appended(m).message.mentions;
      expect([...(mentioned ?? [])].sort()).toEqual([ann.id, dan.id, zoe.id].sort());
      /** ann's, dan's and zoe's unread mentions. */
      const counts = async () => Promise.all([ann, dan, zoe].map(async (u) => (await store.userRooms(u.id))[0]?.mentions));
      expect(await counts()).toEqual([1, 0, 1]);
      expect(await store.userRooms(outsider.id)).toEqual([]);
      // An edit recomputes them.
      const edited = changed(await one(edit('a', 1, danAs, '@zoe? no, @ZOË', ['zoe', 'zoë'])));
      expect(edited.message.mentions).toEqual([zoe.id]);
      expect(await counts()).toEqual([0, 0, 1]);
      await one(edit('a', 1, danAs, 'nobody', []));
      expect((await current('a', 1))?.mentions).toBeUndefined();
      expect(await counts()).toEqual([0, 0, 0]);
    });

    it('messagesAfter interleaves messages and changes by seq, each change with its target as it is now', async () => {
      await store.appendEntries([msg('a', '1'), msg('a', '2', bob), edit('a', 1, alice, 'v2'), react('a', 2, alice, '👍'), msg('a', '3'), edit('a', 1, alice, 'v3')]);
      const all = await store.messagesAfter('a', 0, 10);
      expect(all.messages.map((e) => [e.seq, e.type])).toEqual([
        [1, 'message'],
        [2, 'message'],
        [3, 'changed'],
        [4, 'changed'],
        [5, 'message'],
        [6, 'changed'],
      ]);
      expect(all.hasMore).toBe(false);
      // Messages and changes alike show the current state.
      expect(all.messages.filter((e) => (isMessage(e) ? e.seq === 1 : e.message.seq === 1)).map((e) => (isMessage(e) ? e.text : e.message.text))).toEqual(['v3', 'v3', 'v3']);
      const page = await store.messagesAfter('a', 1, 3);
      expect(page.messages.map((e) => e.seq)).toEqual([2, 3, 4]);
      expect(page.hasMore).toBe(true);
      const last = await store.messagesAfter('a', 4, 2);
      expect(last.messages.map((e) => e.seq)).toEqual([5, 6]);
      expect(last.hasMore).toBe(false);
      expect(await store.messagesAfter('a', 5, 0)).toEqual({ messages: [], hasMore: true });
      // messagesBefore pages over messages only, in their current state.
      const before = await store.messagesBefore('a', undefined, 10);
      expect(before.messages.map((m) => [m.seq, m.text])).toEqual([
        [1, 'v3'],
        [2, 'text 2'],
        [5, 'text 3'],
      ]);
      expect(before.messages[1]?.reactions).toEqual([{ emoji: '👍', count: 1, users: [alice.id] }]);
    });

    it('a duplicate in a batch with changes is the original as it is at that point, and takes no seq', async () => {
      await store.appendMessages([msg('a', 'k', alice, 'stored')]);
      const results = await store.appendEntries([
        msg('a', 'k', alice, 'resend'),
        edit('a', 1, alice, 'edited'),
        msg('a', 'k', alice, 'resend again'),
        msg('a', 'n', alice, 'new'),
        msg('a', 'n', alice, 'new again'),
        react('a', 3, bob, '👍'),
        msg('a', 'n', alice, 'and again'),
      ]);
      expect(appended(results[0])).toMatchObject({ duplicate: true, message: { seq: 1, text: 'stored' } });
      expect(appended(results[0]).message.edited).toBeUndefined();
      expect(changed(results[1]).seq).toBe(2);
      expect(appended(results[2])).toMatchObject({ duplicate: true, message: { seq: 1, text: 'edited' } });
      expect(appended(results[3])).toMatchObject({ duplicate: false, message: { seq: 3, text: 'new' } });
      expect(appended(results[4])).toMatchObject({ duplicate: true, message: { seq: 3, text: 'new' } });
      expect(appended(results[4]).message.reactions).toBeUndefined();
      expect(changed(results[5]).seq).toBe(4);
      expect(appended(results[6])).toMatchObject({ duplicate: true, message: { seq: 3, text: 'new', reactions: [{ emoji: '👍', count: 1, users: [bob.id] }] } });
      expect(await store.lastSeq('a')).toBe(4);
    });

    it('unread leaves redacted messages out and mentions count after the marker only', async () => {
      const ann = (await store.createAccount('ann', 'h')) as User;
      await store.ensureRoom('a');
      await store.addUserRoom(ann.id, 'a');
      const said = (i: number, text = 'hi') => msg('a', `${i}`, bob, text);
      await store.appendEntries([{ ...said(1, '@ann'), mentionNames: ['ann'] }, said(2), said(3)]);
      expect((await store.userRooms(ann.id))[0]).toMatchObject({ unread: 3, mentions: 1 });
      await store.appendEntries([redact('a', 2, bob)]);
      expect((await store.userRooms(ann.id))[0]).toMatchObject({ lastSeq: 4, unread: 2, mentions: 1 });
      await store.raiseReadSeq(ann.id, 'a', 1);
      await store.appendEntries([{ ...said(5, 'again @ANN'), mentionNames: ['ann'] }]);
      expect((await store.userRooms(ann.id))[0]).toMatchObject({ readSeq: 1, unread: 2, mentions: 1 });
    });

    it('retention prunes old changes, and the reactions and mentions of the messages it deletes', async () => {
      const ann = (await store.createAccount('ann', 'h')) as User;
      await store.ensureRoom('a');
      await store.addUserRoom(ann.id, 'a');
      await store.appendEntries([{ ...msg('a', '1', bob, '@ann'), mentionNames: ['ann'] }, react('a', 1, ann, '👍'), msg('a', '2')]);
      const cutoff = Date.now() + 1;
      await new Promise((r) => setTimeout(r, 5));
      await store.appendEntries([{ ...msg('a', '3', bob, '@ann'), mentionNames: ['ann'] }, react('a', 3, ann, '🎉'), react('a', 4, ann, '👍')]);
      expect((await store.userRooms(ann.id))[0]).toMatchObject({ mentions: 2 });
      expect(await store.pruneMessagesBefore(cutoff)).toBe(2);
      // The change to a pruned message (seq 5, newer than the cutoff) is left out as its target is gone.
      expect((await store.messagesAfter('a', 0, 10)).messages.map((e) => e.seq)).toEqual([4, 6]);
      expect((await store.userRooms(ann.id))[0]).toMatchObject({ readSeq: 0, mentions: 1 });
      expect((await current('a', 4))?.reactions).toEqual([{ emoji: '👍', count: 1, users: [ann.id] }]);
      expect(await store.lastSeq('a')).toBe(6);
    });

    it('deleteRoom takes the room\'s changes, reactions and mentions with it', async () => {
      const ann = (await store.createAccount('ann', 'h')) as User;
      await store.ensureRoom('a');
      await store.addUserRoom(ann.id, 'a');
      await store.appendEntries([{ ...msg('a', '1', bob, '@ann'), mentionNames: ['ann'] }, react('a', 1, ann, '👍'), edit('a', 1, bob, '@ann!', ['ann'])]);
      expect(await store.deleteRoom('a')).toBe(true);
      await store.ensureRoom('a');
      await store.addUserRoom(ann.id, 'a');
      expect(await store.messagesAfter('a', 0, 10)).toEqual({ messages: [], hasMore: false });
      expect((await store.userRooms(ann.id))[0]).toMatchObject({ lastSeq: 0, mentions: 0 });
      const [m] = await store.appendMessages([msg('a', '1', bob, 'fresh')]);
      expect(m).toMatchObject({ duplicate: false, message: { seq: 1, text: 'fresh' } });
      expect(m?.message.reactions).toBeUndefined();
      expect(m?.message.mentions).toBeUndefined();
      expect((await store.messagesAfter('a', 0, 10)).messages).toHaveLength(1);
    });
  });
}
