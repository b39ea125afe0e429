// Behaviour where the contract is silent, as docs/protocol.md documents it (Decisions where the
// contract is silent).
import { describe, expect, it } from 'vitest';
import type { JoinedFrame, TypingEventFrame } from '@chat/protocol';
import { sleep, TestClient, trackResources, type TestServer } from '../helpers.js';

const resources = trackResources();

async function connect(query: Record<string, string> = {}): Promise<TestClient> {
  return resources.connect(server, query);
}

let server: TestServer;
describe('documented decisions', () => {
  it('answers a text frame with invalid UTF-8 with bad_request and keeps the connection', async () => {
    server = await resources.server();
    const c = await connect();
    c.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await c.nextOfType('error')).toMatchObject({ code: 'bad_request' });
    expect((await c.request({ type: 'ping' })).type).toBe('pong');
  });

  it('refuses an Origin that is not in the exact form browsers send (trailing slash)', async () => {
    server = await resources.server();
    const own = `http://127.0.0.1:${server.port}`;
    await expect(TestClient.connect(server, { headers: { Origin: `${own}/` } })).rejects.toThrow('HTTP 403');
    await resources.connect(server, {}, { Origin: own });
  });

  it('throttles typing per user, not per connection', async () => {
    server = await resources.server();
    const watcher = await connect({ nick: 'watcher' });
    const tab1 = await connect({ nick: 'typist' });
    const tab2 = await connect({ token: tab1.welcome.token! });
    for (const c of [watcher, tab1, tab2]) await c.request({ type: 'join', room: 'r' });
    tab1.send({ type: 'typing', room: 'r' });
    tab2.send({ type: 'typing', room: 'r' });
    const typing = await watcher.nextOfType<TypingEventFrame>('typing');
    expect(typing.user.id).toBe(tab1.welcome.user.id);
    await watcher.request({ type: 'ping' }); // both typing frames have been handled by now
    await sleep(50);
    expect(watcher.pending().filter((f) => f.type === 'typing')).toEqual([]);
  });

  it("tells the user's other connections about a nick change, even in no shared room", async () => {
    server = await resources.server();
    const tab1 = await connect({ nick: 'before' });
    const tab2 = await connect({ token: tab1.welcome.token! });
    expect(await tab1.request({ type: 'nick', nick: 'after' })).toMatchObject({ type: 'nick', nick: 'after' });
    expect(await tab2.nextOfType('nick')).toEqual({ type: 'nick', nick: 'after' });
  });

  it('says hasMore on join even when HISTORY_WINDOW is 0', async () => {
    server = await resources.server({ historyWindow: 0 });
    const c = await connect();
    await c.request({ type: 'join', room: 'r' });
    await c.request({ type: 'send', room: 'r', text: 'one', id: '1' });
    const again = await c.request<JoinedFrame>({ type: 'join', room: 'r' });
    expect(again).toMatchObject({ history: [], hasMore: true, seq: 1 });
  });

  it('counts id and ref lengths in characters (code points), like text', async () => {
    server = await resources.server();
    const c = await connect();
    await c.request({ type: 'join', room: 'r' });
    const emojiKey = '😀'.repeat(64); // 64 characters, 128 UTF-16 units
    const ack = await c.request({ type: 'send', room: 'r', text: 'hi', id: emojiKey });
    expect(ack).toMatchObject({ type: 'ack', id: emojiKey });
    c.send({ type: 'ping', ref: emojiKey });
    expect(await c.nextOfType('pong')).toEqual({ type: 'pong', ref: emojiKey });
  });
});
