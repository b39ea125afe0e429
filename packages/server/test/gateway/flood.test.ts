// The per-connection queue: frames wait in order behind an unfinished request, and a client that
// piles up more than the queue holds is refused (rate_limited, with its ref) instead of growing
// server memory.
import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorFrame, JoinedFrame, ServerFrame } from '@chat/protocol';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { startServer, tempDir, TestClient, type TestServer } from '../helpers.js';

let server: TestServer | undefined;
let client: TestClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
});

/** A real store whose ensureRoom waits until released, so a join stays unfinished. */
async function stallingStore(): Promise<{ store: Store; release: () => void }> {
  const real = await new SqliteStore({ dir: tempDir() }).open();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const store = Object.create(real) as Store;
  store.ensureRoom = async (room) => {
    await gate;
    return real.ensureRoom(room);
  };
  return { store, release };
}

describe('per-connection frame queue', () => {
  it('handles frames in order behind a slow join, and refuses the ones beyond 1000 with their ref', async () => {
    const { store, release } = await stallingStore();
    server = await startServer({ rateLimit: 0 }, { store });
    client = await TestClient.connect(server);
    client.send({ type: 'join', room: 'r', ref: 'join' });
    // The join is stuck: these 1000 frames fill the queue, and the next ones overflow it.
    for (let i = 0; i < 1000; i++) client.send({ type: 'ping', ref: `p${i}` });
    client.send({ type: 'ping', ref: 'over-1' });
    client.send({ type: 'send', room: 'r', text: 'x', id: 'x', ref: 'over-2' });
    const refused = await client.next((f) => f.type === 'error' && f.ref === 'over-1');
    expect(refused).toMatchObject({ code: 'rate_limited', retryAfterMs: expect.any(Number) });
    expect(await client.next((f) => f.type === 'error' && f.ref === 'over-2')).toMatchObject({ code: 'rate_limited' });
    release();
    const joined = await client.next<JoinedFrame>((f) => f.type === 'joined');
    expect(joined.ref).toBe('join');
    const pongs: ServerFrame[] = [];
    for (let i = 0; i < 1000; i++) pongs.push(await client.next((f) => f.type === 'pong'));
    // In order, after the join they queued behind.
    expect(pongs.map((p) => (p as { ref?: string }).ref)).toEqual(Array.from({ length: 1000 }, (_, i) => `p${i}`));
    const joinedAt = client.frames.indexOf(joined);
    expect(client.frames.findIndex((f) => f.type === 'pong')).toBeGreaterThan(joinedAt);
    // The connection is still fine.
    expect((await client.request({ type: 'ping' })).type).toBe('pong');
    expect(client.frames.filter((f): f is ErrorFrame => f.type === 'error' && f.code !== 'rate_limited')).toEqual([]);
  });
});
