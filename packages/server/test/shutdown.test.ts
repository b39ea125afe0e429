// Graceful close of buildApp(): messages already read are committed and acked before the sockets
// get 1001, so a client never has a stored message it was not told about.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AckFrame } from '@chat/protocol';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { startServer, tempDir, TestClient } from './helpers.js';

describe('shutdown', () => {
  it('acks every stored message before closing connections with 1001', async () => {
    const dataDir = tempDir();
    const server = await startServer({ rateLimit: 0, dataDir });
    const client = await TestClient.connect(server);
    await client.request({ type: 'join', room: 'r' });
    for (let i = 0; i < 300; i++) client.send({ type: 'send', room: 'r', text: `m${i}`, id: `m${i}` });
    await client.nextOfType('ack'); // the burst is flowing
    await server.app.close();
    const { code } = await client.closed;
    expect(code).toBe(1001);
    const acked = client.frames.filter((f): f is AckFrame => f.type === 'ack').map((a) => a.seq);
    const store = await new SqliteStore({ dir: dataDir }).open();
    const stored = (await store.messagesAfter('r', 0, 1000)).messages.map((m) => m.seq);
    await store.close();
    expect(acked.length).toBeGreaterThan(0);
    expect(acked).toEqual(stored);
  });

  it('refuses new connections from its first step, while it still closes the open ones', async () => {
    // In a cluster, the clients of a node being restarted must find another node at once: a
    // listener still open while the node closes would take their connections and answer them
    // only when the process exits (seconds later with thousands of connections).
    const server = await startServer({ rateLimit: 0 });
    const prompt = await TestClient.connect(server);
    const stalled = await TestClient.connect(server);
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // never answers the close: the shutdown waits for it
    const closing = server.app.close();
    await prompt.closed;
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(server.port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve('accepted');
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(refused).toBe('ECONNREFUSED');
    await closing;
  });
});
