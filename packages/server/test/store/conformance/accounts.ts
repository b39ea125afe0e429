// The AccountStore contract (src/store/account-store.ts): guests, accounts, lookalike nicks, tokens.
import { isMessage } from '@chat/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { msg, type StoreFixture, type StoreUnderTest } from './store-under-test.js';

export function describeAccounts(t: StoreUnderTest): void {
  describe('accounts', () => {
    let store: Store;
    let fixture: StoreFixture;
    beforeEach(() => {
      ({ store, fixture } = t);
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

    it('creates many guests at once (a connect storm: SQLite writes them in one transaction), each with its own working token', async () => {
      const guests = await Promise.all(Array.from({ length: 40 }, (_, i) => store.createGuest(`storm${i}`)));
      expect(new Set(guests.map((g) => g.user.id)).size).toBe(40);
      for (const [i, { user, token }] of guests.entries()) {
        expect(user.nick).toBe(`storm${i}`);
        expect((await store.identityByToken(token))?.user).toEqual(user);
      }
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
      store = t.store = await fixture.reopen(store);
      expect((await store.lookalikeAccount('\u0430lice'))?.id).toBe(alice.id);
    });

    it("marks accounts' users with account: true wherever a user is read, guests never", async () => {
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
        expect(page.messages.filter(isMessage).map((m) => m.from)).toEqual([account, guest]);
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
  });
}
