// The Store contract, as one suite run against every implementation (SQLite now; PostgreSQL in
// issue 7). Each case states a clause of src/store/store.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewMessage, Store } from '../../src/store/store.js';

export interface StoreFixture {
  /** A fresh, empty, open store. */
  open(): Promise<Store>;
  /** Closes and reopens the same data (a restart). */
  reopen(store: Store): Promise<Store>;
  cleanup(): Promise<void>;
}

const alice = { id: 'u-alice', nick: 'alice' };
const bob = { id: 'u-bob', nick: 'bob' };
const msg = (room: string, clientId: string, from = alice, text = `text ${clientId}`): NewMessage => ({ room, from, clientId, text });

export function describeStore(name: string, makeFixture: () => StoreFixture): void {
  describe(`Store conformance: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = makeFixture();
      store = await fixture.open();
    });
    afterEach(async () => {
      await store.close();
      await fixture.cleanup();
    });

    it('has the lobby from the start, and unknown rooms are null until ensured', async () => {
      expect(await store.lastSeq('lobby')).toBe(0);
      expect(await store.lastSeq('nowhere')).toBeNull();
      expect(await store.ensureRoom('nowhere')).toBe(0);
      expect(await store.lastSeq('nowhere')).toBe(0);
    });

    it('assigns per-room seqs 1, 2, 3 in batch order, and creates rooms as needed', async () => {
      const results = await store.appendMessages([msg('a', '1'), msg('b', '1'), msg('a', '2'), msg('a', '3')]);
      expect(results.map((r) => [r.message.room, r.message.seq, r.duplicate])).toEqual([
        ['a', 1, false],
        ['b', 1, false],
        ['a', 2, false],
        ['a', 3, false],
      ]);
      expect(new Set(results.map((r) => r.message.id)).size).toBe(4);
      expect(await store.lastSeq('a')).toBe(3);
      expect(await store.lastSeq('b')).toBe(1);
      const more = await store.appendMessages([msg('a', '4')]);
      expect(more[0]?.message.seq).toBe(4);
    });

    it('returns the message as stored: text, sender, clientId, ts', async () => {
      const before = Date.now();
      const [r] = await store.appendMessages([msg('a', 'x', bob, 'hello 🌍')]);
      expect(r?.message).toMatchObject({ type: 'message', room: 'a', seq: 1, clientId: 'x', from: bob, text: 'hello 🌍' });
      expect(r?.message.ts).toBeGreaterThanOrEqual(before);
      const page = await store.messagesAfter('a', 0, 10);
      expect(page.messages).toEqual([r?.message]);
    });

    it('dedupes (room, user, clientId): the original comes back and nothing is stored', async () => {
      const [first] = await store.appendMessages([msg('a', 'k', alice, 'original')]);
      const [again] = await store.appendMessages([msg('a', 'k', alice, 'changed text')]);
      expect(again).toEqual({ message: first?.message, duplicate: true });
      expect(await store.lastSeq('a')).toBe(1);
      // Same key, other user or other room: distinct messages.
      const others = await store.appendMessages([msg('a', 'k', bob), msg('b', 'k', alice)]);
      expect(others.map((r) => r.duplicate)).toEqual([false, false]);
      // A duplicate within one batch.
      const batch = await store.appendMessages([msg('c', 'd'), msg('c', 'd')]);
      expect(batch.map((r) => [r.message.seq, r.duplicate])).toEqual([
        [1, false],
        [1, true],
      ]);
    });

    it('pages backwards with messagesBefore: newest `limit`, ascending, hasMore = older exist', async () => {
      await store.appendMessages(Array.from({ length: 10 }, (_, i) => msg('a', `m${i + 1}`)));
      const newest = await store.messagesBefore('a', undefined, 3);
      expect(newest.messages.map((m) => m.seq)).toEqual([8, 9, 10]);
      expect(newest.hasMore).toBe(true);
      const older = await store.messagesBefore('a', 8, 5);
      expect(older.messages.map((m) => m.seq)).toEqual([3, 4, 5, 6, 7]);
      expect(older.hasMore).toBe(true);
      const oldest = await store.messagesBefore('a', 3, 5);
      expect(oldest.messages.map((m) => m.seq)).toEqual([1, 2]);
      expect(oldest.hasMore).toBe(false);
      const exact = await store.messagesBefore('a', 4, 3);
      expect(exact.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
      expect(exact.hasMore).toBe(false);
      expect(await store.messagesBefore('nowhere', undefined, 5)).toEqual({ messages: [], hasMore: false });
      // limit 0 still tells whether anything older exists.
      expect(await store.messagesBefore('a', undefined, 0)).toEqual({ messages: [], hasMore: true });
      expect(await store.messagesBefore('a', 1, 0)).toEqual({ messages: [], hasMore: false });
    });

    it('pages forwards with messagesAfter: oldest `limit` after, hasMore = newer exist', async () => {
      await store.appendMessages(Array.from({ length: 10 }, (_, i) => msg('a', `m${i + 1}`)));
      const first = await store.messagesAfter('a', 0, 4);
      expect(first.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      expect(first.hasMore).toBe(true);
      const last = await store.messagesAfter('a', 7, 3);
      expect(last.messages.map((m) => m.seq)).toEqual([8, 9, 10]);
      expect(last.hasMore).toBe(false);
      expect(await store.messagesAfter('a', 10, 3)).toEqual({ messages: [], hasMore: false });
      expect(await store.messagesAfter('a', 99, 3)).toEqual({ messages: [], hasMore: false });
    });

    it('creates guests whose token restores them, and keeps renames', async () => {
      const { user, token } = await store.createGuest('carol');
      expect(user.nick).toBe('carol');
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(await store.identityByToken(token)).toEqual({ user, account: false, kind: 'guest', tokenId: expect.any(String) });
      await store.renameUser(user.id, 'caroline');
      expect((await store.identityByToken(token))?.user).toEqual({ id: user.id, nick: 'caroline' });
      expect(await store.identityByToken('not-a-token')).toBeNull();
      const other = await store.createGuest('carol');
      expect(other.user.id).not.toBe(user.id);
      expect(other.token).not.toBe(token);
    });

    it('keeps messages, seqs, dedupe keys and tokens across a restart; seq is never reused', async () => {
      const { token, user } = await store.createGuest('dave');
      const [m] = await store.appendMessages([msg('a', '1'), msg('a', '2')]);
      store = await fixture.reopen(store);
      expect((await store.identityByToken(token))?.user).toEqual(user);
      expect(await store.lastSeq('a')).toBe(2);
      const [dup, next] = await store.appendMessages([msg('a', '1'), msg('a', '3')]);
      expect(dup).toEqual({ message: m?.message, duplicate: true });
      expect(next?.message.seq).toBe(3);
    });

    it('prunes old messages without ever reusing a seq, and pages over what remains', async () => {
      await store.appendMessages([msg('a', '1'), msg('a', '2'), msg('a', '3')]);
      const cutoff = Date.now() + 1; // everything so far is older
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.pruneMessagesBefore(cutoff)).toBe(3);
      expect(await store.messagesAfter('a', 0, 10)).toEqual({ messages: [], hasMore: false });
      expect(await store.lastSeq('a')).toBe(3);
      const [next] = await store.appendMessages([msg('a', '4')]);
      expect(next?.message.seq).toBe(4);
      expect((await store.messagesBefore('a', undefined, 10)).messages.map((m) => m.seq)).toEqual([4]);
      expect(await store.pruneMessagesBefore(0)).toBe(0);
    });

    it('creates accounts with unique usernames, and finds them by username and id', async () => {
      const user = await store.createAccount('alice', 'scrypt$hash-a');
      expect(user).toEqual({ id: expect.any(String), nick: 'alice', account: true });
      expect(await store.createAccount('alice', 'scrypt$other')).toBeNull();
      expect(await store.accountByUsername('alice')).toEqual({ user, passwordHash: 'scrypt$hash-a' });
      expect(await store.accountByUsername('bob')).toBeNull();
      expect(await store.userById(user!.id)).toEqual(user);
      await store.setPasswordHash(user!.id, 'scrypt$hash-b');
      expect((await store.accountByUsername('alice'))?.passwordHash).toBe('scrypt$hash-b');
      // A guest nick never makes an account.
      await store.createGuest('bob');
      expect(await store.accountByUsername('bob')).toBeNull();
    });

    it('finds the account a nick passes for: the username, its lookalikes (TR39 skeleton), not guests', async () => {
      const alice = (await store.createAccount('alice', 'h'))!;
      const mary = (await store.createAccount('mary', 'h'))!;
      await store.createGuest('bob');
      for (const nick of ['alice', 'ALICE', '\u0430lice', 'ａｌｉｃｅ', 'a1ice', 'AIice', 'alicé']) {
        expect((await store.lookalikeAccount(nick))?.id, nick).toBe(alice.id);
      }
      expect((await store.lookalikeAccount('rnary'))?.id).toBe(mary.id);
      for (const nick of ['bob', 'alicia', 'marv', '']) expect(await store.lookalikeAccount(nick), nick).toBeNull();
      // After a restart too (the skeleton is stored with the account).
      store = await fixture.reopen(store);
      expect((await store.lookalikeAccount('\u0430lice'))?.id).toBe(alice.id);
    });

    it("marks accounts' users with account: true wherever a user is read, guests never (issue 13)", async () => {
      const account = (await store.createAccount('carol', 'h'))!;
      const guest = (await store.createGuest('visitor')).user;
      expect(account).toEqual({ id: expect.any(String), nick: 'carol', account: true });
      expect(guest).toEqual({ id: expect.any(String), nick: 'visitor' });
      expect(await store.userById(account.id)).toEqual(account);
      expect(await store.userById(guest.id)).toEqual(guest);
      expect((await store.accountByUsername('carol'))?.user).toEqual(account);
      expect(await store.lookalikeAccount('CAROL')).toEqual(account);
      const { token } = await store.issueToken(account.id, 'session');
      expect((await store.identityByToken(token))?.user).toEqual(account);
      // Messages: as stored (the live copy), as a duplicate, and read back either way.
      const [fromAccount, fromGuest] = await store.appendMessages([msg('marks', 'a', account), msg('marks', 'g', guest)]);
      expect(fromAccount!.message.from).toEqual(account);
      expect(fromGuest!.message.from).toEqual(guest);
      const [dup] = await store.appendMessages([msg('marks', 'a', account)]);
      expect(dup).toMatchObject({ duplicate: true, message: { from: account } });
      for (const page of [await store.messagesAfter('marks', 0, 10), await store.messagesBefore('marks', undefined, 10)]) {
        expect(page.messages.map((m) => m.from)).toEqual([account, guest]);
      }
    });

    it('issues session and bearer tokens for accounts, lists bearer tokens, and revokes both ways', async () => {
      const user = (await store.createAccount('tokens', 'h'))!;
      const session = await store.issueToken(user.id, 'session');
      expect(await store.identityByToken(session.token)).toEqual({ user, account: true, kind: 'session', tokenId: session.id });
      const bot = await store.issueToken(user.id, 'bearer', { name: 'my bot' });
      const cli = await store.issueToken(user.id, 'bearer', { name: 'cli' });
      expect(await store.identityByToken(bot.token)).toMatchObject({ account: true, kind: 'bearer', tokenId: bot.id });
      const listed = await store.listTokens(user.id);
      // Oldest first; these two may share a millisecond, so compare without order.
      expect(listed.map((t) => [t.id, t.name]).sort()).toEqual(
        [
          [bot.id, 'my bot'],
          [cli.id, 'cli'],
        ].sort(),
      );
      expect(JSON.stringify(listed)).not.toContain(bot.token);
      const other = (await store.createAccount('other', 'h'))!;
      expect(await store.revokeTokenById(other.id, bot.id)).toBe(false); // not theirs
      expect(await store.revokeTokenById(user.id, bot.id)).toBe(true);
      expect(await store.identityByToken(bot.token)).toBeNull();
      expect(await store.revokeTokenById(user.id, session.id)).toBe(false); // sessions end by logout
      await store.revokeToken(session.token);
      expect(await store.identityByToken(session.token)).toBeNull();
      expect(await store.identityByToken(cli.token)).not.toBeNull();
    });

    it('creates rooms of each kind once, with an owner role, and lists what a user may see', async () => {
      const owner = (await store.createAccount('owner', 'h'))!;
      const friend = (await store.createAccount('friend', 'h'))!;
      expect(await store.createRoom('secret', 'private', owner.id)).toBe(true);
      expect(await store.createRoom('secret', 'public', null)).toBe(false);
      expect(await store.roomInfo('secret')).toEqual({ name: 'secret', kind: 'private', ownerId: owner.id, lastSeq: 0 });
      expect(await store.roleOf('secret', owner.id)).toBe('owner');
      expect(await store.roleOf('secret', friend.id)).toBeNull();
      await store.ensureRoom('open');
      expect((await store.roomInfo('open'))?.kind).toBe('public');
      expect(await store.roomInfo('nowhere')).toBeNull();
      const names = async (id: string | null) => (await store.listRooms(id)).map((r) => r.name);
      expect(await names(null)).toEqual(['lobby', 'open']);
      expect(await names(owner.id)).toEqual(['lobby', 'open', 'secret']);
      expect(await names(friend.id)).toEqual(['lobby', 'open']);
      await store.setRole('secret', friend.id, 'member');
      expect(await names(friend.id)).toEqual(['lobby', 'open', 'secret']);
      await store.setRole('secret', friend.id, 'moderator');
      expect(await store.roleOf('secret', friend.id)).toBe('moderator');
      await store.appendMessages([msg('secret', '1', owner)]);
      expect((await store.listRooms(owner.id)).find((r) => r.name === 'secret')?.lastSeq).toBe(1);
    });

    it('deletes a room with its messages and roles; the name then starts afresh', async () => {
      const owner = (await store.createAccount('deleter', 'h'))!;
      await store.createRoom('doomed', 'private', owner.id);
      await store.appendMessages([msg('doomed', '1', owner), msg('doomed', '2', owner)]);
      await store.ban('doomed', 'someone');
      expect(await store.deleteRoom('doomed')).toBe(true);
      expect(await store.deleteRoom('doomed')).toBe(false);
      expect(await store.roomInfo('doomed')).toBeNull();
      expect(await store.roleOf('doomed', owner.id)).toBeNull();
      expect((await store.listRooms(owner.id)).map((r) => r.name)).not.toContain('doomed');
      const [again] = await store.appendMessages([msg('doomed', '1', owner)]);
      expect(again).toMatchObject({ duplicate: false, message: { seq: 1 } });
      expect(await store.isBanned('doomed', 'someone')).toBe(false);
    });

    it('bans and unbans, and mutes until a time', async () => {
      const user = (await store.createAccount('noisy', 'h'))!;
      await store.ensureRoom('r');
      expect(await store.isBanned('r', user.id)).toBe(false);
      await store.ban('r', user.id);
      await store.ban('r', user.id);
      expect(await store.isBanned('r', user.id)).toBe(true);
      expect(await store.isBanned('lobby', user.id)).toBe(false);
      expect((await store.listRooms(user.id)).map((r) => r.name)).not.toContain('r');
      expect((await store.listRooms(null)).map((r) => r.name)).toContain('r');
      await store.unban('r', user.id);
      expect(await store.isBanned('r', user.id)).toBe(false);
      expect((await store.listRooms(user.id)).map((r) => r.name)).toContain('r');
      expect(await store.mutedUntil('r', user.id)).toBe(0);
      const until = Date.now() + 60_000;
      await store.mute('r', user.id, until);
      expect(await store.mutedUntil('r', user.id)).toBe(until);
      await store.mute('r', user.id, Date.now() - 1);
      expect(await store.mutedUntil('r', user.id)).toBe(0);
    });

    it('answers ping while open', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
