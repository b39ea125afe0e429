// Extensions beyond the shared contract (docs/protocol.md) that the web client relies on: `joined.kind` and `joined.role`,
// and GET /api/info.
import { describe, expect, it } from 'vitest';
import type { JoinedFrame } from '@chat/protocol';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir, trackResources } from '../helpers.js';

const { server, connect } = trackResources();

describe('joined.kind and joined.role', () => {
  it('tell the kind of room and the caller role in it', async () => {
    const store = await new SqliteStore({ dir: tempDir() }).open();
    const s = await server({ adminUsers: ['root'] }, { store });
    const owner = (await store.createAccount('owner', 'x'))!;
    const root = (await store.createAccount('root', 'x', { operatorAdmin: true }))!;
    const ownerToken = (await store.issueToken(owner.id, 'session')).token;
    const rootToken = (await store.issueToken(root.id, 'session')).token;
    const guest = await connect(s);
    expect(await guest.request<JoinedFrame>({ type: 'join', room: 'lobby' })).toMatchObject({ kind: 'public', role: null });
    const o = await connect(s, { token: ownerToken });
    expect(await o.request({ type: 'create', room: 'club', private: true })).toMatchObject({ type: 'created' });
    expect(await o.request<JoinedFrame>({ type: 'join', room: 'club' })).toMatchObject({ kind: 'private', role: 'owner' });
    const admin = await connect(s, { token: rootToken });
    expect(await admin.request<JoinedFrame>({ type: 'join', room: 'club' })).toMatchObject({ kind: 'private', role: 'owner' });
    expect(await o.request<JoinedFrame>({ type: 'dm', user: 'root' })).toMatchObject({ type: 'joined', kind: 'dm', role: 'member' });
  });
});

describe('GET /api/info', () => {
  it('says whether guests may chat, and lists the Version 1.1 features the server has', async () => {
    const features = ['edit', 'react', 'reply', 'read', 'search'];
    const open = await server();
    expect(await (await fetch(`${open.httpUrl}/api/info`)).json()).toEqual({
      protocol: 1,
      allowGuests: true,
      features: [...features, 'files', 'push'],
      maxUploadBytes: 10 * 1024 * 1024,
      guestUploads: true,
    });
    const closed = await server({ allowGuests: false, uploads: false, push: false });
    expect(await (await fetch(`${closed.httpUrl}/api/info`)).json()).toEqual({ protocol: 1, allowGuests: false, features });
    // Without push, its API is not there.
    expect((await fetch(`${closed.httpUrl}/api/push/key`)).status).toBe(404);
  });
});
