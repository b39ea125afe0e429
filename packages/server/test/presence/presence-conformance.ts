// The Presence contract (src/presence/presence.ts), as one suite run against every
// implementation: in memory (one node) and Redis (several nodes sharing one cluster).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { User } from '@chat/protocol';
import type { Presence } from '../../src/presence/presence.js';

export interface PresenceFixture {
  /**
   * Whether separate presences from open() are nodes of one cluster, counting together. In
   * memory they cannot be: the multi-node cases are skipped.
   */
  multiNode: boolean;
  /** A new node, ready. */
  open(): Promise<Presence>;
  /** Closes every node still open and removes what the fixture created. */
  cleanup(): Promise<void>;
}

const user = (name: string): User => ({ id: `u-${name}`, nick: name });
const alice = user('alice');
const bob = user('bob');
const carol = user('carol');

const byId = (users: readonly User[]): User[] => [...users].sort((a, b) => a.id.localeCompare(b.id));

export function describePresence(name: string, makeFixture: () => PresenceFixture, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip ?? false)(`Presence conformance: ${name}`, () => {
    let fixture: PresenceFixture;
    let presence: Presence;

    beforeEach(async () => {
      fixture = makeFixture();
      presence = await fixture.open();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('counts distinct users online, however many connections each has', async () => {
      expect(await presence.connect(alice)).toBe(1);
      expect(await presence.connect(alice)).toBe(1);
      expect(await presence.connect(bob)).toBe(2);
      expect(await presence.disconnect(alice.id)).toBe(2);
      expect(await presence.disconnect(alice.id)).toBe(1);
      expect(await presence.disconnect(alice.id)).toBe(1); // no connection left to close
      expect(await presence.disconnect('u-nobody')).toBe(1);
      expect(await presence.disconnect(bob.id)).toBe(0);
    });

    it('tells which users have a connection open, until their last one closes', async () => {
      expect(await presence.connected([alice.id, bob.id])).toEqual(new Set());
      await presence.connect(alice);
      await presence.connect(alice);
      await presence.connect(bob);
      expect(await presence.connected([alice.id, bob.id, carol.id])).toEqual(new Set([alice.id, bob.id]));
      await presence.disconnect(alice.id);
      expect(await presence.connected([alice.id])).toEqual(new Set([alice.id]));
      await presence.disconnect(alice.id);
      expect(await presence.connected([alice.id, bob.id])).toEqual(new Set([bob.id]));
      expect(await presence.connected([])).toEqual(new Set());
    });

    it('reports changed only when a user becomes present in, or absent from, a room', async () => {
      expect(await presence.join('r', alice)).toEqual({ changed: true, online: 1 });
      expect(await presence.join('r', alice)).toEqual({ changed: false, online: 1 });
      expect(await presence.join('r', bob)).toEqual({ changed: true, online: 2 });
      expect(await presence.leave('r', alice.id)).toEqual({ changed: false, online: 2 });
      expect(await presence.leave('r', alice.id)).toEqual({ changed: true, online: 1 });
      expect(await presence.leave('r', alice.id)).toEqual({ changed: false, online: 1 });
      expect(await presence.leave('r', bob.id)).toEqual({ changed: true, online: 0 });
      expect(await presence.leave('nowhere', bob.id)).toEqual({ changed: false, online: 0 });
    });

    it('counts each room on its own, whatever the room names hold', async () => {
      const rooms = ['a', 'a:b', 'room:a', 'ä ü', 'x"y\\z', '["a","u-alice"]'];
      for (const [i, room] of rooms.entries()) {
        for (const u of [alice, bob, carol].slice(0, (i % 3) + 1)) await presence.join(room, u);
      }
      for (const [i, room] of rooms.entries()) expect(await presence.roomOnline(room)).toBe((i % 3) + 1);
      expect(await presence.roomOnline('b')).toBe(0);
      for (const room of rooms) await presence.leave(room, alice.id);
      for (const [i, room] of rooms.entries()) expect(await presence.roomOnline(room)).toBe(i % 3);
    });

    it('lists up to limit members, with their nicks', async () => {
      const users = ['a', 'b', 'c', 'd', 'e'].map(user);
      for (const u of users) {
        await presence.connect(u);
        await presence.join('r', u);
      }
      expect(byId(await presence.members('r', 10))).toEqual(users);
      const some = await presence.members('r', 3);
      expect(some).toHaveLength(3);
      expect(new Set(some.map((u) => u.id)).size).toBe(3);
      for (const u of some) expect(users).toContainEqual(u);
      expect(await presence.members('r', 0)).toEqual([]);
      expect(await presence.members('empty', 10)).toEqual([]);
      await presence.leave('r', 'u-a');
      expect(byId(await presence.members('r', 10))).toEqual(users.slice(1));
    });

    it('lists members right after every change, even when it lists the same room often', async () => {
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(user) as [User, User, User, User];
      await presence.join('r', a);
      await presence.join('r', b);
      expect(byId(await presence.members('r', 3))).toEqual([a, b]);
      await presence.join('r', c);
      expect(byId(await presence.members('r', 3))).toEqual([a, b, c]);
      await presence.join('r', d);
      const full = await presence.members('r', 3);
      expect(full).toHaveLength(3);
      const gone = full[0] as User;
      await presence.leave('r', gone.id);
      const after = await presence.members('r', 3);
      expect(byId(after)).toEqual([a, b, c, d].filter((u) => u.id !== gone.id));
      const stayed = after[0] as User;
      await presence.rename({ ...stayed, nick: 'renamed' });
      expect(await presence.members('r', 3)).toContainEqual({ ...stayed, nick: 'renamed' });
      expect(await presence.members('r', 1)).toHaveLength(1);
    });

    it('renames a user wherever listed, and hands out lists that callers cannot corrupt', async () => {
      await presence.connect(alice);
      await presence.join('r1', alice);
      await presence.join('r2', alice);
      await presence.connect(bob);
      await presence.join('r1', bob);
      expect(byId(await presence.members('r1', 10))).toEqual([alice, bob]);
      await presence.rename({ id: alice.id, nick: 'alicia' });
      expect(byId(await presence.members('r1', 10))).toEqual([{ id: alice.id, nick: 'alicia' }, bob]);
      expect(await presence.members('r2', 10)).toEqual([{ id: alice.id, nick: 'alicia' }]);
      const [listed] = await presence.members('r2', 10);
      try {
        if (listed) (listed as User).nick = 'mutated';
      } catch {
        // a frozen list (one the presence hands out again) refuses the change
      }
      expect(await presence.members('r2', 10)).toEqual([{ id: alice.id, nick: 'alicia' }]);
    });

    it("keeps an account's `account: true` in members, and gives a guest none", async () => {
      const account: User = { id: 'u-acct', nick: 'acct', account: true };
      await presence.connect(account);
      await presence.join('r', account);
      await presence.connect(bob);
      await presence.join('r', bob);
      expect(byId(await presence.members('r', 10))).toEqual([bob, account].sort((x, y) => x.id.localeCompare(y.id)));
      await presence.rename({ ...account, nick: 'acct2' });
      expect(await presence.members('r', 10)).toContainEqual({ id: 'u-acct', nick: 'acct2', account: true });
      expect((await presence.members('r', 10)).find((u) => u.id === bob.id)).not.toHaveProperty('account');
    });

    it('answers ping, registers expiry handlers with an unsubscribe, and closes', async () => {
      await expect(presence.ping()).resolves.toBeUndefined();
      const off = presence.onExpired(() => {});
      expect(typeof off).toBe('function');
      off();
      await presence.close();
      await presence.close(); // twice is harmless
    });

    describe('across nodes', () => {
      let other: Presence;
      beforeEach(async (context) => {
        if (!fixture.multiNode) context.skip();
        other = await fixture.open();
      });

      it('counts a user connected on two nodes once, until their last connection anywhere closes', async () => {
        expect(await presence.connect(alice)).toBe(1);
        expect(await other.connect(alice)).toBe(1);
        expect(await other.connect(bob)).toBe(2);
        expect(await presence.disconnect(alice.id)).toBe(2);
        expect(await other.disconnect(alice.id)).toBe(1);
        // A node cannot close another node's connections.
        expect(await presence.disconnect(bob.id)).toBe(1);
        expect(await other.disconnect(bob.id)).toBe(0);
      });

      it('tells a user connected on another node as connected (what push notifications ask)', async () => {
        await other.connect(alice);
        expect(await presence.connected([alice.id, bob.id])).toEqual(new Set([alice.id]));
        await other.disconnect(alice.id);
        expect(await presence.connected([alice.id])).toEqual(new Set());
      });

      it('keeps a user in a room while any node has them there', async () => {
        expect(await presence.join('r', alice)).toEqual({ changed: true, online: 1 });
        expect(await other.join('r', alice)).toEqual({ changed: false, online: 1 });
        expect(await other.join('r', bob)).toEqual({ changed: true, online: 2 });
        expect(await presence.roomOnline('r')).toBe(2);
        expect(await presence.leave('r', alice.id)).toEqual({ changed: false, online: 2 });
        expect(await presence.leave('r', alice.id)).toEqual({ changed: false, online: 2 }); // none left on this node
        expect(await other.leave('r', alice.id)).toEqual({ changed: true, online: 1 });
        expect(await presence.roomOnline('r')).toBe(1);
      });

      it('lists members and renames across nodes', async () => {
        await presence.connect(alice);
        await presence.join('r', alice);
        await other.connect(bob);
        await other.join('r', bob);
        expect(byId(await other.members('r', 10))).toEqual([alice, bob]);
        const account: User = { id: 'u-acct', nick: 'acct', account: true };
        await other.connect(account);
        await other.join('r2', account);
        expect(await presence.members('r2', 10)).toEqual([account]);
        await other.rename({ id: alice.id, nick: 'alicia' });
        expect(byId(await presence.members('r', 10))).toEqual([{ id: alice.id, nick: 'alicia' }, bob]);
      });
    });
  });
}
