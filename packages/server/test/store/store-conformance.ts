// The Store contract, as one suite run against every implementation (SQLite now; PostgreSQL in
// issue 7). Each case states a clause of src/store/store.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreWriteError, type NewMessage, type Store } from '../../src/store/store.js';

export interface StoreFixture {
  /** A fresh, empty, open store. */
  open(): Promise<Store>;
  /** Closes and reopens the same data (a restart). */
  reopen(store: Store): Promise<Store>;
  cleanup(): Promise<void>;
  /**
   * Makes the store's message writes fail as on a full disk, with the real error of the real
   * database, until the returned function is called. Absent where that cannot be done from here
   * (SQLite: test/ops/disk-full.test.ts fills a real disk under a real server instead).
   */
  breakWrites?(): Promise<() => Promise<void>>;
}

const alice = { id: 'u-alice', nick: 'alice' };
const bob = { id: 'u-bob', nick: 'bob' };
const DAY = 24 * 60 * 60 * 1000;
const msg = (room: string, clientId: string, from = alice, text = `text ${clientId}`): NewMessage => ({ room, from, clientId, text });
/** Every room the user may see (one page holds them all in these tests). */
const visible = async (store: Store, userId: string | null): Promise<string[]> => (await store.listRooms(userId, { limit: 500 })).rooms.map((r) => r.name);

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
      expect(await store.accountByUsername('alice')).toEqual({ user, passwordHash: 'scrypt$hash-a', operatorAdmin: false });
      expect(await store.accountByUsername('bob')).toBeNull();
      expect(await store.userById(user!.id)).toEqual(user);
      await store.setPasswordHash(user!.id, 'scrypt$hash-b');
      expect((await store.accountByUsername('alice'))?.passwordHash).toBe('scrypt$hash-b');
      // A guest nick never makes an account.
      await store.createGuest('bob');
      expect(await store.accountByUsername('bob')).toBeNull();
    });

    it('records which accounts the operator made admin; resetAccount sets password and flag and ends every token', async () => {
      const root = (await store.createAccount('root', 'scrypt$operator', { operatorAdmin: true }))!;
      expect(await store.accountByUsername('root')).toEqual({ user: root, passwordHash: 'scrypt$operator', operatorAdmin: true });
      // Taken names stay taken, whatever the flag asked for.
      expect(await store.createAccount('root', 'scrypt$other', { operatorAdmin: false })).toBeNull();
      const plain = (await store.createAccount('plain', 'scrypt$plain', {}))!;
      expect((await store.accountByUsername('plain'))?.operatorAdmin).toBe(false);

      // Someone else's account under an admin name, with a session and a bot token: the operator
      // takes it over.
      const session = await store.issueToken(plain.id, 'session');
      const bot = await store.issueToken(plain.id, 'bearer', { name: 'bot' });
      const other = (await store.createAccount('other', 'h'))!;
      const kept = await store.issueToken(other.id, 'session');
      expect(await store.resetAccount(plain.id, { passwordHash: 'scrypt$new', operatorAdmin: true })).toBe(2);
      expect(await store.accountByUsername('plain')).toEqual({ user: plain, passwordHash: 'scrypt$new', operatorAdmin: true });
      expect(await store.identityByToken(session.token)).toBeNull();
      expect(await store.identityByToken(bot.token)).toBeNull();
      expect(await store.listTokens(plain.id)).toEqual([]);
      expect(await store.identityByToken(kept.token)).not.toBeNull();
      expect(await store.resetAccount(plain.id, { passwordHash: 'scrypt$newer', operatorAdmin: false })).toBe(0);
      expect((await store.accountByUsername('plain'))?.operatorAdmin).toBe(false);
      // A guest is no account: nothing to reset.
      const guest = await store.createGuest('visitor');
      expect(await store.resetAccount(guest.user.id, { passwordHash: 'scrypt$x', operatorAdmin: true })).toBe(0);
      expect(await store.identityByToken(guest.token)).not.toBeNull();
      expect(await store.accountByUsername('visitor')).toBeNull();
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
      const names = (id: string | null) => visible(store, id);
      expect(await names(null)).toEqual(['lobby', 'open']);
      expect(await names(owner.id)).toEqual(['lobby', 'open', 'secret']);
      expect(await names(friend.id)).toEqual(['lobby', 'open']);
      await store.setRole('secret', friend.id, 'member');
      expect(await names(friend.id)).toEqual(['lobby', 'open', 'secret']);
      await store.setRole('secret', friend.id, 'moderator');
      expect(await store.roleOf('secret', friend.id)).toBe('moderator');
      await store.appendMessages([msg('secret', '1', owner)]);
      expect((await store.listRooms(owner.id, { limit: 10 })).rooms.find((r) => r.name === 'secret')?.lastSeq).toBe(1);
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
      expect(await visible(store, owner.id)).not.toContain('doomed');
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
      expect(await visible(store, user.id)).not.toContain('r');
      expect(await visible(store, null)).toContain('r');
      await store.unban('r', user.id);
      expect(await store.isBanned('r', user.id)).toBe(false);
      expect(await visible(store, user.id)).toContain('r');
      expect(await store.mutedUntil('r', user.id)).toBe(0);
      const until = Date.now() + 60_000;
      await store.mute('r', user.id, until);
      expect(await store.mutedUntil('r', user.id)).toBe(until);
      await store.mute('r', user.id, Date.now() - 1);
      expect(await store.mutedUntil('r', user.id)).toBe(0);
    });

    it('a ban takes the user\'s role in that room (owner, moderator or invitation) and an unban gives none back', async () => {
      const owner = (await store.createAccount('own1', 'h'))!;
      const mod = (await store.createAccount('mod1', 'h'))!;
      const member = (await store.createAccount('mem1', 'h'))!;
      await store.createRoom('club', 'private', owner.id);
      await store.createRoom('other', 'private', owner.id);
      await store.setRole('club', mod.id, 'moderator');
      await store.setRole('club', member.id, 'member');
      await store.setRole('other', member.id, 'member');
      for (const u of [owner, mod, member]) await store.ban('club', u.id);
      for (const u of [owner, mod, member]) expect(await store.roleOf('club', u.id)).toBeNull();
      // Other rooms keep their roles.
      expect(await store.roleOf('other', owner.id)).toBe('owner');
      expect(await store.roleOf('other', member.id)).toBe('member');
      for (const u of [owner, mod, member]) await store.unban('club', u.id);
      for (const u of [owner, mod, member]) expect(await store.roleOf('club', u.id)).toBeNull();
      expect((await store.listRooms(member.id, { limit: 100 })).rooms.map((r) => r.name)).not.toContain('club');
    });

    it('lists rooms in pages: name order, `after` a name, `limit`, hasMore', async () => {
      for (const name of ['delta', 'alpha', 'charlie', 'bravo']) await store.ensureRoom(name);
      const first = await store.listRooms(null, { limit: 2 });
      expect(first.rooms.map((r) => r.name)).toEqual(['alpha', 'bravo']);
      expect(first.hasMore).toBe(true);
      expect(first.rooms[0]).toEqual({ name: 'alpha', kind: 'public', ownerId: null, lastSeq: 0 });
      const second = await store.listRooms(null, { limit: 2, after: 'bravo' });
      expect(second.rooms.map((r) => r.name)).toEqual(['charlie', 'delta']);
      expect(second.hasMore).toBe(true);
      // `after` need not be a room: it is only a position.
      const last = await store.listRooms(null, { limit: 2, after: 'delta' });
      expect(last).toEqual({ rooms: [expect.objectContaining({ name: 'lobby' })], hasMore: false });
      expect(await store.listRooms(null, { limit: 2, after: 'zzz' })).toEqual({ rooms: [], hasMore: false });
      // Exactly `limit` left: no more.
      expect((await store.listRooms(null, { limit: 3, after: 'bravo' })).hasMore).toBe(false);
    });

    it('filters the room list by a case-insensitive name substring and by privacy, keeping private rooms private', async () => {
      const owner = (await store.createAccount('lister', 'h'))!;
      const other = (await store.createAccount('other', 'h'))!;
      for (const name of ['town', 'downtown', 'a_b', 'axb', 'a%b']) await store.ensureRoom(name);
      await store.createRoom('town-secret', 'private', owner.id);
      await store.createRoom('dm-lister-x', 'dm', null);
      await store.setRole('dm-lister-x', owner.id, 'member');
      const names = async (userId: string | null, query: Omit<Parameters<Store['listRooms']>[1], 'limit'>) =>
        (await store.listRooms(userId, { limit: 100, ...query })).rooms.map((r) => r.name);
      expect(await names(null, { nameContains: 'TOWN' })).toEqual(['downtown', 'town']);
      expect(await names(owner.id, { nameContains: 'town' })).toEqual(['downtown', 'town', 'town-secret']);
      expect(await names(other.id, { nameContains: 'secret' })).toEqual([]);
      // No LIKE wildcards: `_` and `%` are plain characters.
      expect(await names(null, { nameContains: 'a_b' })).toEqual(['a_b']);
      expect(await names(null, { nameContains: 'a%b' })).toEqual(['a%b']);
      expect(await names(owner.id, { private: true })).toEqual(['dm-lister-x', 'town-secret']);
      expect(await names(other.id, { private: true })).toEqual([]);
      expect(await names(null, { private: true })).toEqual([]);
      expect(await names(owner.id, { private: false, nameContains: 'town' })).toEqual(['downtown', 'town']);
      expect(await names(owner.id, { private: true, after: 'dm-lister-x' })).toEqual(['town-secret']);
      const page = await store.listRooms(owner.id, { limit: 1, private: true });
      expect(page).toEqual({ rooms: [expect.objectContaining({ name: 'dm-lister-x', kind: 'dm' })], hasMore: true });
      // A ban hides a room from the filtered lists too.
      await store.ban('town-secret', owner.id);
      expect(await names(owner.id, { private: true })).toEqual(['dm-lister-x']);
    });

    it('sweeps expired tokens and the guests they leave without one; accounts, bearer tokens, live tokens and messages stay', async () => {
      const ghost = await store.createGuest('ghost');
      await store.appendMessages([msg('haunt', '1', ghost.user, 'boo')]);
      const account = (await store.createAccount('keeper', 'h'))!;
      const session = await store.issueToken(account.id, 'session');
      const bot = await store.issueToken(account.id, 'bearer', { name: 'bot' });
      // Nothing has expired yet.
      expect(await store.sweepExpiredTokens(Date.now(), 100)).toEqual({ tokens: 0, guests: 0 });
      expect(await store.sweepExpiredTokens(Date.now() + 29 * DAY, 100)).toEqual({ tokens: 0, guests: 0 });
      // 31 days on, the session (30 days) has expired; the guest token (90 days) has not.
      expect(await store.sweepExpiredTokens(Date.now() + 31 * DAY, 100)).toEqual({ tokens: 1, guests: 0 });
      expect(await store.userById(ghost.user.id)).toEqual(ghost.user);
      // 91 days on, the guest's token too, and with it the guest.
      expect(await store.sweepExpiredTokens(Date.now() + 91 * DAY, 100)).toEqual({ tokens: 1, guests: 1 });
      expect(await store.userById(ghost.user.id)).toBeNull();
      expect(await store.identityByToken(ghost.token)).toBeNull();
      expect(await store.identityByToken(session.token)).toBeNull();
      // The account and its bearer token stay; the guest's message stays, with its nick.
      expect(await store.userById(account.id)).toEqual(account);
      expect(await store.identityByToken(bot.token)).toMatchObject({ user: account, kind: 'bearer' });
      expect((await store.messagesAfter('haunt', 0, 10)).messages.map((m) => [m.from, m.text])).toEqual([[ghost.user, 'boo']]);
      expect(await store.sweepExpiredTokens(Date.now() + 91 * DAY, 100)).toEqual({ tokens: 0, guests: 0 });
    });

    it('sweeps at most `limit` tokens per call', async () => {
      for (let i = 0; i < 5; i++) await store.createGuest(`g${i}`);
      const later = Date.now() + 91 * DAY;
      expect(await store.sweepExpiredTokens(later, 2)).toEqual({ tokens: 2, guests: 2 });
      expect(await store.sweepExpiredTokens(later, 2)).toEqual({ tokens: 2, guests: 2 });
      expect(await store.sweepExpiredTokens(later, 2)).toEqual({ tokens: 1, guests: 1 });
      expect(await store.sweepExpiredTokens(later, 2)).toEqual({ tokens: 0, guests: 0 });
    });

    it('finds abandoned rooms (public, never a message, created before the cutoff, no roles, bans or mutes, not the lobby), scanning in name order', async () => {
      const before = Date.now() - 1;
      const owner = (await store.createAccount('founder', 'h'))!;
      for (const name of ['empty-a', 'empty-b', 'banned', 'muted']) await store.ensureRoom(name);
      await store.appendMessages([msg('talked', '1')]);
      await store.appendMessages([msg('pruned', '1')]);
      await store.pruneMessagesBefore(Date.now() + 1);
      await store.createRoom('owned', 'public', owner.id);
      await store.createRoom('closed', 'private', owner.id);
      await store.createRoom('dm-x', 'dm', null);
      await store.setRole('dm-x', owner.id, 'member');
      await store.ban('banned', 'someone');
      await store.mute('muted', 'someone', Date.now() + 60_000);
      const cutoff = Date.now() + 1;
      expect(await store.abandonedRooms(cutoff, null, 100)).toEqual({ rooms: ['empty-a', 'empty-b'], next: null });
      // Rooms created after the cutoff are young, not abandoned.
      expect(await store.abandonedRooms(before, null, 100)).toEqual({ rooms: [], next: null });
      // A scan of 3 rooms at a time walks every room once, in name order.
      const all = ['banned', 'closed', 'dm-x', 'empty-a', 'empty-b', 'lobby', 'muted', 'owned', 'pruned', 'talked'];
      const found: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 4; i++) {
        const step = await store.abandonedRooms(cutoff, after, 3);
        found.push(...step.rooms);
        expect(step.next, `step ${i}`).toBe(i < 3 ? all[i * 3 + 2] : null);
        after = step.next;
      }
      expect(found).toEqual(['empty-a', 'empty-b']);
    });

    it('deletes only rooms still abandoned; a deleted name starts afresh, and a message around a deletion is never lost', async () => {
      for (const name of ['gone', 'spoken', 'guarded']) await store.ensureRoom(name);
      const cutoff = Date.now() + 1;
      expect((await store.abandonedRooms(cutoff, null, 100)).rooms).toEqual(['gone', 'guarded', 'spoken']);
      // Between the scan and the deletion, one room gets a message and one a ban.
      await store.appendMessages([msg('spoken', '1')]);
      await store.ban('guarded', 'someone');
      expect((await store.deleteAbandonedRooms(['gone', 'spoken', 'guarded', 'lobby', 'nowhere'], cutoff)).sort()).toEqual(['gone']);
      expect(await store.roomInfo('gone')).toBeNull();
      expect(await store.lastSeq('spoken')).toBe(1);
      expect(await store.isBanned('guarded', 'someone')).toBe(true);
      expect(await store.lastSeq('lobby')).toBe(0);
      expect(await store.deleteAbandonedRooms(['gone'], cutoff)).toEqual([]);
      expect(await store.ensureRoom('gone')).toBe(0);
      // A message appended at the moment of a deletion lands in the room, old or re-created.
      const names = Array.from({ length: 20 }, (_, i) => `race-${i}`);
      for (const name of names) await store.ensureRoom(name);
      const raceCutoff = Date.now() + 1;
      await Promise.all(names.flatMap((name) => [store.appendMessages([msg(name, 'm')]), store.deleteAbandonedRooms([name], raceCutoff)]));
      for (const name of names) {
        expect((await store.messagesAfter(name, 0, 10)).messages.map((m) => [m.seq, m.clientId]), name).toEqual([[1, 'm']]);
      }
    });

    it('answers ping while open', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('rejects ping while writes fail (StoreWriteError), stores nothing then, and recovers by itself', async (ctx) => {
      if (!fixture.breakWrites) return ctx.skip();
      await store.appendMessages([msg('a', '1')]);
      const repair = await fixture.breakWrites();
      await expect(store.appendMessages([msg('a', '2')])).rejects.toBeInstanceOf(StoreWriteError);
      await expect(store.ping()).rejects.toBeInstanceOf(StoreWriteError);
      expect(await store.lastSeq('a')).toBe(1);
      expect((await store.messagesAfter('a', 0, 10)).messages.map((m) => m.clientId)).toEqual(['1']);

      // Without any message to store, ping finds out by itself that writes work again.
      await repair();
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await store.ping();
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const [r] = await store.appendMessages([msg('a', '2')]);
      expect(r?.message.seq).toBe(2);
    });
  });
}
