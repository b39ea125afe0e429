// Server admins over WebSocket (ADMIN_USERS) and `{"type":"delete","room":R}`; only accounts the
// operator made are admins. The admins' owner rights in other rooms (join any
// private room, kick the owner, op) are in moderation.test.ts.
import { isMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import type { DeletedFrame, HistoryReplyFrame, JoinedFrame, KickedFrame } from '@chat/protocol';
import { trackResources } from '../helpers.js';
import { api, PASSWORD } from '../http/http-helpers.js';
import { barrier, heard, join, ok, refused, say, world } from './world.js';

const res = trackResources();

describe('delete', () => {
  it('an admin deletes a room: deleted; every member connection gets kicked (reason delete); its history is gone', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const [alice, bob, root] = await w.accounts('alice', 'bob', 'root');
    const a = await alice.connect();
    const b1 = await bob.connect();
    const b2 = await bob.connect();
    const r = await root.connect();
    await ok(a, { type: 'create', room: 'doomed', private: true }, 'created');
    await ok(a, { type: 'invite', room: 'doomed', user: 'bob' }, 'invited');
    for (const x of [a, b1, b2]) await join(x, 'doomed');
    await join(b1, 'lobby');
    await say(a, 'doomed', 'old 1');
    await say(b1, 'doomed', 'old 2');
    await ok(a, { type: 'ban', room: 'doomed', user: (await w.account('carol')).user.id }, 'moderated');

    const deleted = await ok<DeletedFrame>(r, { type: 'delete', room: 'doomed' }, 'deleted');
    expect(deleted).toMatchObject({ type: 'deleted', room: 'doomed' });
    for (const x of [a, b1, b2]) {
      expect(await x.next<KickedFrame>((f) => f.type === 'kicked' && f.room === 'doomed')).toEqual({ type: 'kicked', room: 'doomed', reason: 'delete' });
      await refused(x, { type: 'send', room: 'doomed', text: 'anyone?', id: 'gone-1' }, 'not_member');
    }
    // Other rooms of those connections are untouched.
    const got = heard(b1, 'lobby', 'lobby lives');
    await say(b1, 'lobby', 'lobby lives');
    await got;
    expect(await w.store.roomInfo('doomed')).toBeNull();
    expect((await w.store.messagesBefore('doomed', undefined, 50)).messages).toEqual([]);

    // Re-created, it is a new room: seq starts at 1, no old history, no old roles or bans.
    await ok(b1, { type: 'create', room: 'doomed', private: true }, 'created');
    const joined = await join(b1, 'doomed');
    expect(joined).toMatchObject({ seq: 0, history: [], hasMore: false });
    expect(await say(b1, 'doomed', 'new 1')).toBe(1);
    const page = await ok<HistoryReplyFrame>(b1, { type: 'history', room: 'doomed' }, 'history');
    expect(page.messages.filter(isMessage).map((m) => m.text)).toEqual(['new 1']);
    expect(await w.store.roleOf('doomed', alice.user.id)).toBeNull();
    await refused(a, { type: 'join', room: 'doomed' }, 'forbidden');
  });

  it('a deleted public room re-created by a join starts at seq 1 with no history', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const r = await (await w.account('root')).connect();
    const g = await w.guest('visitor');
    await join(g, 'chatter');
    for (let i = 0; i < 3; i++) await say(g, 'chatter', `old ${i}`);
    await ok(r, { type: 'delete', room: 'chatter' }, 'deleted');
    await g.next((f) => f.type === 'kicked' && f.room === 'chatter');
    const joined = await ok<JoinedFrame>(g, { type: 'join', room: 'chatter', since: 0 }, 'joined');
    expect(joined).toMatchObject({ seq: 0, history: [], hasMore: false });
    expect(await say(g, 'chatter', 'fresh')).toBe(1);
    // The admin's own connection was not in the room and gets no kicked for it.
    await barrier(r);
    expect(r.frames.filter((f) => f.type === 'kicked')).toEqual([]);
  });

  it('a delete by neither admin nor owner is forbidden (an invited member); deleting the lobby is forbidden; an unknown room is not_found', async () => {
    // Since issue 15 the owner may delete their room too (room-settings.test.ts).
    const w = await world(res, { adminUsers: ['root'] });
    const [alice, bob] = await w.accounts('alice', 'bob');
    const a = await alice.connect();
    const r = await (await w.account('root')).connect();
    await ok(a, { type: 'create', room: 'mine', private: true }, 'created');
    await ok(a, { type: 'invite', room: 'mine', user: 'bob' }, 'invited');
    await join(a, 'mine');
    await say(a, 'mine', 'keep me');
    await refused(await bob.connect(), { type: 'delete', room: 'mine' }, 'forbidden');
    await refused(a, { type: 'delete', room: 'lobby' }, 'forbidden');
    await refused(r, { type: 'delete', room: 'lobby' }, 'forbidden');
    await refused(r, { type: 'delete', room: 'never-was' }, 'not_found');
    await refused(r, { type: 'delete', room: 'Bad Name' }, 'invalid_room');
    for (const x of [a, r]) await barrier(x);
    expect(await w.store.roomInfo('lobby')).not.toBeNull();
    expect((await w.store.messagesBefore('mine', undefined, 10)).messages.map((m) => m.text)).toEqual(['keep me']);
    expect(a.frames.filter((f) => f.type === 'kicked')).toEqual([]);
  });

  it('admin rights come from the configured username only: another account is no admin', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const rooted = await (await w.account('rooted')).connect();
    const alice = await w.account('alice');
    const a = await alice.connect();
    await ok(a, { type: 'create', room: 'mine', private: true }, 'created');
    await refused(rooted, { type: 'join', room: 'mine' }, 'forbidden');
    await refused(rooted, { type: 'delete', room: 'mine' }, 'forbidden');
    await refused(rooted, { type: 'kick', room: 'mine', user: alice.user.id }, 'forbidden');
  });
});

// ADMIN_USERS names accounts that only the operator can make (`chat-server admin create`
// or ADMIN_PASSWORD_FILE). One check decides, for the WebSocket and HTTP alike.
describe('who is an admin', () => {
  it('a listed admin name cannot be registered: 409 as for a taken name, and no account is made', async () => {
    const w = await world(res, { adminUsers: ['root', 'ops'] });
    for (const username of ['root', 'ops']) {
      const reg = await api(w.server, 'POST', '/api/auth/register', { body: { username, password: PASSWORD } });
      expect(reg.status, username).toBe(409);
      expect(reg.body).toEqual({ error: 'nick_taken', message: 'that username is taken' });
      expect(reg.setCookies).toEqual([]);
      expect(await w.store.accountByUsername(username)).toBeNull();
    }
    expect((await api(w.server, 'POST', '/api/auth/register', { body: { username: 'rooted', password: PASSWORD } })).status).toBe(201);
  });

  it('an account registered under a listed name by someone else (before this fix) has no admin rights, by WebSocket or HTTP', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const alice = await w.account('alice');
    const stranger = await w.account('root', { operatorAdmin: false });
    const a = await alice.connect();
    const s = await stranger.connect();
    await ok(a, { type: 'create', room: 'secret', private: true }, 'created');
    await join(a, 'secret');
    await say(a, 'secret', 'for members only');
    await refused(s, { type: 'join', room: 'secret' }, 'forbidden');
    await refused(s, { type: 'delete', room: 'secret' }, 'forbidden');
    await refused(s, { type: 'kick', room: 'secret', user: alice.user.id }, 'forbidden');
    const read = await api(w.server, 'GET', '/api/rooms/secret/messages', { bearer: stranger.token });
    expect(read.status).toBe(403);
    expect(read.text).not.toContain('for members only');
    // And an owner may moderate it like anyone else.
    await join(s, 'lobby');
    await ok(a, { type: 'create', room: 'mine', private: true }, 'created');
    await ok(a, { type: 'ban', room: 'mine', user: stranger.user.id }, 'moderated');
  });

  it('the account the operator made is an admin while its name is listed, and not otherwise', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    const alice = await w.account('alice');
    const root = await w.account('root');
    const ops = await w.account('ops', { operatorAdmin: true });
    const a = await alice.connect();
    await ok(a, { type: 'create', room: 'secret', private: true }, 'created');
    await join(a, 'secret');
    await say(a, 'secret', 'for members only');
    await join(await root.connect(), 'secret');
    expect((await api(w.server, 'GET', '/api/rooms/secret/messages', { bearer: root.token })).status).toBe(200);
    // The owner cannot moderate an admin.
    await refused(a, { type: 'ban', room: 'secret', user: root.user.id }, 'forbidden');
    const o = await ops.connect();
    await refused(o, { type: 'join', room: 'secret' }, 'forbidden');
    expect((await api(w.server, 'GET', '/api/rooms/secret/messages', { bearer: ops.token })).status).toBe(403);
  });
});
