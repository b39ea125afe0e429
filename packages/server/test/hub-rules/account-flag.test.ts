// Lookalike nicks, the UI half: docs/protocol.md (Requests and replies) says USER carries
// `"account":true` for registered accounts and nothing for guests, so clients can mark guests.
// Every USER the server sends: welcome, members, presence, typing, message.from (live and read back),
// moderated, invited, invitation, and the HTTP API.
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import type { HistoryReplyFrame, InvitedFrame, JoinedFrame, ModeratedFrame, PresenceFrame, ServerFrame, TypingEventFrame, User } from '@chat/protocol';
import { trackResources } from '../helpers.js';
import { barrier, heard, join, ok, say, world } from './world.js';

const res = trackResources();

/** An account's USER says so; a guest's carries no `account` at all (not even false). */
function expectAccount(user: User | undefined): void {
  expect(user).toMatchObject({ account: true });
}
function expectGuest(user: User | undefined): void {
  expect(user).toBeDefined();
  expect(user).not.toHaveProperty('account');
}

describe('USER.account', () => {
  it('marks accounts, never guests, in every frame that names a user', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    const g = await w.guest('visitor');
    expectAccount(a.welcome.user);
    expectGuest(g.welcome.user);

    await join(a, 'lobby');
    const joined = await join(g, 'lobby');
    const members = new Map(joined.members.map((m) => [m.nick, m]));
    expectAccount(members.get('alice'));
    expectGuest(members.get('visitor'));
    const arrived = await a.next<PresenceFrame>((f) => f.type === 'presence' && f.joined?.nick === 'visitor');
    expectGuest(arrived.joined);

    const b = await bob.connect();
    await join(b, 'lobby');
    const bobArrived = await g.next<PresenceFrame>((f) => f.type === 'presence' && f.joined?.nick === 'bob');
    expectAccount(bobArrived.joined);

    // Typing and live messages.
    a.send({ type: 'typing', room: 'lobby' });
    expectAccount((await g.next<TypingEventFrame>((f) => f.type === 'typing')).user);
    g.send({ type: 'typing', room: 'lobby' });
    expectGuest((await a.next<TypingEventFrame>((f) => f.type === 'typing')).user);
    await say(a, 'lobby', 'from an account');
    await say(g, 'lobby', 'from a guest');
    expectAccount(((await heard(g, 'lobby', 'from an account')) as Extract<ServerFrame, { type: 'message' }>).from);
    expectGuest(((await heard(a, 'lobby', 'from a guest')) as Extract<ServerFrame, { type: 'message' }>).from);

    // Read back from the store: joined.history and history.
    const later = await w.guest('later');
    const again = await join(later, 'lobby');
    const byText = new Map(again.history.filter(isMessage).map((m) => [m.text, m.from]));
    expectAccount(byText.get('from an account'));
    expectGuest(byText.get('from a guest'));
    const page = await ok<HistoryReplyFrame>(later, { type: 'history', room: 'lobby' }, 'history');
    const pageByText = new Map(page.messages.filter(isMessage).map((m) => [m.text, m.from]));
    expectAccount(pageByText.get('from an account'));
    expectGuest(pageByText.get('from a guest'));

    // A guest's rename.
    await ok(g, { type: 'nick', nick: 'visitor2' }, 'nick');
    expectGuest((await a.next<PresenceFrame>((f) => f.type === 'presence' && f.renamed !== undefined)).renamed);
  });

  it('marks accounts in moderated, invited and invitation', async () => {
    const w = await world(res);
    const [owner, member] = await w.accounts('owner', 'member');
    const o = await owner.connect();
    const m = await member.connect();
    const g = await w.guest('visitor');
    await ok(o, { type: 'create', room: 'club', private: true }, 'created');
    const invited = await ok<InvitedFrame>(o, { type: 'invite', room: 'club', user: 'member' }, 'invited');
    expectAccount(invited.user);
    expectAccount((await m.next<Extract<ServerFrame, { type: 'invitation' }>>((f) => f.type === 'invitation')).by);
    await join(m, 'club');
    const opped = await ok<ModeratedFrame>(o, { type: 'op', room: 'club', user: member.user.id }, 'moderated');
    expectAccount(opped.user);
    await ok(o, { type: 'create', room: 'hall' }, 'created');
    await join(g, 'hall');
    const muted = await ok<ModeratedFrame>(o, { type: 'mute', room: 'hall', user: g.welcome.user.id, ms: 1000 }, 'moderated');
    expectGuest(muted.user);
    await barrier(o);
  });

  it('marks accounts in the HTTP API: api/me and messages read over HTTP', async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    const a = await alice.connect();
    await join(a, 'lobby');
    await say(a, 'lobby', 'over http');
    const headers = { Authorization: `Bearer ${alice.token}` };
    const me = (await (await fetch(`${w.server.httpUrl}/api/me`, { headers })).json()) as { user: User };
    expectAccount(me.user);
    const page = (await (await fetch(`${w.server.httpUrl}/api/rooms/lobby/messages`, { headers })).json()) as JoinedFrame['history'] extends infer H ? { messages: H } : never;
    expectAccount(page.messages.filter(isMessage).find((m) => m.text === 'over http')?.from);
  });
});
