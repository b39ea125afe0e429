// Limits on new rooms: one guest connection joining and leaving could make 5,750 rooms. Who may create rooms
// (ROOM_CREATION=everyone|accounts|admins) and how many an hour, per user and per address
// (MAX_ROOMS_CREATED_PER_HOUR, MAX_ROOMS_CREATED_PER_IP_PER_HOUR).
import { describe, expect, it } from 'vitest';
import type { ErrorFrame } from '@chat/protocol';
import { trackResources } from '../helpers.js';
import { join, ok, refused, world } from './world.js';

const res = trackResources();

describe('ROOM_CREATION', () => {
  it('accounts: a guest cannot join a room into existence (not_found), but joins existing ones', async () => {
    const w = await world(res, { roomCreation: 'accounts' });
    const alice = await w.account('alice');
    const a = await alice.connect();
    const g = await w.guest('visitor');
    await refused(g, { type: 'join', room: 'brand-new' }, 'not_found');
    expect(await w.store.roomInfo('brand-new')).toBeNull();
    await join(a, 'brand-new');
    await join(g, 'brand-new');
    await join(g, 'lobby');
  });

  it('admins: only a server admin creates rooms, by join or create', async () => {
    const w = await world(res, { roomCreation: 'admins', adminUsers: ['root'] });
    const [alice, root] = await w.accounts('alice', 'root');
    const a = await alice.connect();
    const r = await root.connect();
    await refused(a, { type: 'join', room: 'plaza' }, 'not_found');
    await refused(a, { type: 'create', room: 'club', private: true }, 'forbidden');
    expect(await w.store.roomInfo('club')).toBeNull();
    await join(r, 'plaza');
    await ok(r, { type: 'create', room: 'club', private: true }, 'created');
    await join(a, 'plaza');
    // DMs are not rooms anyone "creates": two accounts may always talk.
    const bob = await w.account('bob');
    await ok(a, { type: 'dm', user: 'bob' }, 'joined');
    void bob;
  });
});

describe('rooms created per hour', () => {
  it('per user: past MAX_ROOMS_CREATED_PER_HOUR, rate_limited with retryAfterMs; existing rooms still open', async () => {
    const w = await world(res, { maxRoomsCreatedPerHour: 3 });
    const alice = await w.account('alice');
    const a = await alice.connect();
    for (const room of ['r1', 'r2']) await join(a, room);
    await ok(a, { type: 'create', room: 'r3' }, 'created');
    const refusedJoin = await refused(a, { type: 'join', room: 'r4' }, 'rate_limited');
    expect(refusedJoin.retryAfterMs).toBeGreaterThan(59 * 60 * 1000);
    await refused(a, { type: 'create', room: 'r5', private: true }, 'rate_limited');
    expect(await w.store.roomInfo('r4')).toBeNull();
    expect(await w.store.roomInfo('r5')).toBeNull();
    // Joining a room that exists creates nothing and is not counted.
    await join(a, 'lobby');
    const g = await w.guest('other');
    await join(g, 'g1');
    await join(a, 'g1');
  });

  it('per address: many guests from one address share one budget', async () => {
    const w = await world(res, { maxRoomsCreatedPerHour: 0, maxRoomsCreatedPerIpPerHour: 4 });
    const guests = await Promise.all(Array.from({ length: 3 }, (_, i) => w.guest(`g${i}`)));
    const replies = [];
    for (let i = 0; i < 9; i++) replies.push(await guests[i % 3]!.request({ type: 'join', room: `spam-${i}` }));
    expect(replies.filter((r) => r.type === 'joined')).toHaveLength(4);
    const limited = replies.filter((r) => r.type === 'error') as ErrorFrame[];
    expect(limited.map((r) => r.code)).toEqual(Array(5).fill('rate_limited'));
    expect((await w.store.listRooms(null, { limit: 100, nameContains: 'spam-' })).rooms).toHaveLength(4);
  });

  it('admins are not counted', async () => {
    const w = await world(res, { maxRoomsCreatedPerHour: 1, maxRoomsCreatedPerIpPerHour: 1, adminUsers: ['root'] });
    const r = await (await w.account('root')).connect();
    for (const room of ['a1', 'a2', 'a3']) await join(r, room);
  });
});
