// Liveness: the heartbeat drops a connection that does not answer pings (and its presence ends),
// and a slow consumer whose unsent data passes 1 MiB is closed without hurting anyone else.
import { isMessage } from '@chat/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AckFrame, JoinedFrame, PresenceFrame, ServerFrame } from '@chat/protocol';
import { CLOSE_CODES } from '@chat/protocol';
import { sleep, startServer, TestClient, type TestServer } from './helpers.js';

let server: TestServer | undefined;
let clients: TestClient[] = [];
let raws: WebSocket[] = [];

afterEach(async () => {
  for (const ws of raws) {
    try {
      (ws as unknown as { _socket?: { resume(): void } })._socket?.resume();
    } catch {
      /* already gone */
    }
    ws.terminate();
  }
  raws = [];
  for (const c of clients) await c.close().catch(() => {});
  clients = [];
  await server?.close().catch(() => {});
  server = undefined;
});

async function connect(nick: string, wsOptions?: WebSocket.ClientOptions): Promise<TestClient> {
  const c = await TestClient.connect(server!, { query: { nick }, wsOptions });
  clients.push(c);
  return c;
}

/** Waits for a raw socket to open; resolves with a promise of its close event (boxed, or await would wait for it). */
async function opened(ws: WebSocket): Promise<{ closed: Promise<{ code: number; reason: string }> }> {
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { closed };
}

/** Resolves with the close event, or with 'open' if the connection is still open after ms. */
function closedWithin(c: TestClient, ms: number): Promise<{ code: number; reason: string } | 'open'> {
  return Promise.race([c.closed, sleep(ms).then(() => 'open' as const)]);
}

describe('heartbeat', () => {
  it('drops a client that does not answer pings, ends its presence, and keeps a client that does', async () => {
    server = await startServer({ heartbeatMs: 100 });
    const alive = await connect('alive');
    const silent = await connect('silent', { autoPong: false });
    await alive.request({ type: 'join', room: 'hb' });
    await silent.request({ type: 'join', room: 'hb' });
    const silentId = silent.welcome.user.id;

    // The silent client sees pings arriving (so the heartbeat runs) but never answers them.
    let pingsSeen = 0;
    silent.ws.on('ping', () => pingsSeen++);

    const closed = await closedWithin(silent, 8000);
    expect(closed, 'the silent client was not dropped').not.toBe('open');
    expect(pingsSeen).toBeGreaterThanOrEqual(1);

    const left = await alive.next<PresenceFrame>((f) => f.type === 'presence' && f.room === 'hb' && f.left?.id === silentId, 5000);
    expect(left.left).toMatchObject({ id: silentId, nick: 'silent' });
    expect(left.online).toBe(1);

    // The answering client survives many more heartbeat periods and still works.
    let alivePings = 0;
    alive.ws.on('ping', () => alivePings++);
    expect(await closedWithin(alive, 1500)).toBe('open');
    expect(alivePings).toBeGreaterThanOrEqual(2);
    expect((await alive.request({ type: 'ping' })).type).toBe('pong');
    const ack = await alive.request<AckFrame>({ type: 'send', room: 'hb', id: 'still-here', text: 'still here' });
    expect(ack.type).toBe('ack');
  }, 60_000);
});

describe('slow consumer', () => {
  const ROOM = 'slow';
  const BIG = 4000;
  const FILL = 50;
  const HISTORY_REQUESTS = 200; // ~200 KB each: ~40 MB, far past 1 MiB plus any kernel socket buffers

  it('closes a connection whose unsent data passes 1 MiB with 4008; other members are unaffected', async () => {
    server = await startServer({ rateLimit: 0 });
    const filler = await connect('filler');
    const bystander = await connect('bystander');
    await filler.request({ type: 'join', room: ROOM });
    await bystander.request({ type: 'join', room: ROOM });

    // Pre-fill the room with ~200 KB of messages.
    const acks = await Promise.all(
      Array.from({ length: FILL }, (_, i) =>
        filler.request<AckFrame>({ type: 'send', room: ROOM, id: `fill-${i}`, text: `${i} `.padEnd(BIG, 'x') }),
      ),
    );
    expect(acks.every((a) => a.type === 'ack')).toBe(true);

    // The slow client: a raw ws whose socket stops reading right after it has joined.
    const slow = new WebSocket(server.wsUrl({ nick: 'slowpoke' }));
    raws.push(slow);
    let historyReplies = 0;
    let welcomeUser: { id: string } | undefined;
    const joinedP = new Promise<JoinedFrame>((resolve, reject) => {
      slow.on('message', (data) => {
        const f = JSON.parse(data.toString()) as ServerFrame;
        if (f.type === 'welcome') welcomeUser = f.user;
        if (f.type === 'joined') resolve(f);
        if (f.type === 'history') historyReplies++;
      });
      slow.once('error', reject);
    });
    const { closed: slowClosed } = await opened(slow);
    slow.send(JSON.stringify({ type: 'join', room: ROOM }));
    const joined = await joinedP;
    expect(joined.seq).toBe(FILL);
    expect(welcomeUser).toBeDefined();
    const slowId = welcomeUser!.id;
    await bystander.next<PresenceFrame>((f) => f.type === 'presence' && f.joined?.id === slowId);

    const socket = (slow as unknown as { _socket: import('node:net').Socket })._socket;
    socket.pause();

    // Ask for far more than 1 MiB of replies without reading any of them.
    for (let i = 0; i < HISTORY_REQUESTS; i++) slow.send(JSON.stringify({ type: 'history', room: ROOM, limit: 200 }));
    // A message from the slow client after its requests: once the bystander sees it (or sees the
    // slow client leave), the server has worked through the requests before it.
    slow.send(JSON.stringify({ type: 'send', room: ROOM, id: 'marker', text: 'marker' }));
    // (Neither may show before the slow client reads again, if the server closed it with a close
    // handshake; so this wait is bounded and not an assertion.)
    await bystander
      .next((f) => (f.type === 'message' && f.clientId === 'marker') || (f.type === 'presence' && f.left?.id === slowId), 5000)
      .catch(() => undefined);

    // While the slow client is stalled, the room keeps working for everyone else.
    const during = await filler.request<AckFrame>({ type: 'send', room: ROOM, id: 'during', text: 'during the stall' });
    expect(during.type).toBe('ack');
    await bystander.next((f) => f.type === 'message' && f.clientId === 'during');

    // Let the slow client read what made it through; it must find the connection closed.
    await sleep(500);
    socket.resume();
    const outcome = await Promise.race([slowClosed, sleep(15_000).then(() => 'still open' as const)]);
    expect(outcome, `slow consumer was not closed (it read ${historyReplies} history replies)`).not.toBe('still open');
    const { code, reason } = outcome as { code: number; reason: string };
    console.log(`slow consumer: closed with ${code} "${reason}" after reading ${historyReplies}/${HISTORY_REQUESTS} history replies`);
    // 4008 with a reason, or an abrupt drop (1006) if the server cut the socket rather than
    // queueing a close frame behind the backlog.
    expect([CLOSE_CODES.slowConsumer, 1006], `close code ${code} reason ${reason}`).toContain(code);
    if (code === CLOSE_CODES.slowConsumer) expect(reason).toMatch(/slow/i);
    // The server dropped the backlog rather than holding it all: far fewer replies than requested.
    expect(historyReplies).toBeLessThan(HISTORY_REQUESTS);

    // Its presence ended, and the bystander is still connected and receiving.
    const left = await bystander.next<PresenceFrame>((f) => f.type === 'presence' && f.left?.id === slowId, 10_000);
    expect(left.room).toBe(ROOM);
    const after = await filler.request<AckFrame>({ type: 'send', room: ROOM, id: 'after', text: 'after the drop' });
    expect(after.type).toBe('ack');
    const msg = await bystander.next((f) => f.type === 'message' && f.clientId === 'after');
    expect(msg).toMatchObject({ seq: after.seq, text: 'after the drop' });
    expect(await closedWithin(bystander, 10)).toBe('open');

    // The slow client can come back and resume with `since` from what it last saw.
    const back = await connect('slowpoke2');
    const resumed = await back.request<JoinedFrame>({ type: 'join', room: ROOM, since: FILL });
    expect(resumed.type).toBe('joined');
    expect(resumed.history.map((m) => m.seq)).toEqual(
      Array.from({ length: resumed.seq - FILL }, (_, i) => FILL + 1 + i),
    );
    expect(resumed.history.filter(isMessage).map((m) => m.clientId)).toContain('after');
  }, 60_000);

  it('a member flooded by broadcasts is closed the same way; senders and readers keep going', async () => {
    // Big messages (60 000 chars, frames still under the 64 KiB frame limit) so that ~36 MB of
    // broadcast needs only a few hundred commits. At most WINDOW sends are in flight, so no single
    // burst comes near 1 MiB for a member that reads: only the stalled one may pass the limit.
    const TEXT = 60_000;
    const TOTAL = 600;
    const WINDOW = 8;
    server = await startServer({ rateLimit: 0, maxMessageChars: TEXT });
    const sender = await connect('sender');
    const bystander = await connect('bystander');
    await sender.request({ type: 'join', room: ROOM });
    await bystander.request({ type: 'join', room: ROOM });

    const slow = new WebSocket(server.wsUrl({ nick: 'stalled' }));
    raws.push(slow);
    let messagesSeen = 0;
    const joinedP = new Promise<void>((resolve) => {
      slow.on('message', (data) => {
        const f = JSON.parse(data.toString()) as ServerFrame;
        if (f.type === 'joined') resolve();
        if (f.type === 'message') messagesSeen++;
      });
    });
    const { closed: slowClosed } = await opened(slow);
    slow.send(JSON.stringify({ type: 'join', room: ROOM }));
    await joinedP;
    const socket = (slow as unknown as { _socket: import('node:net').Socket })._socket;
    socket.pause();

    let acked = 0;
    let sent = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        while (sent < TOTAL && sent - acked < WINDOW) {
          const i = sent++;
          sender
            .request<AckFrame>({ type: 'send', room: ROOM, id: `f${i}`, text: `${i} `.padEnd(TEXT, 'y') }, 20_000)
            .then((a) => {
              if (a.type !== 'ack') throw new Error(`send ${i}: ${JSON.stringify(a).slice(0, 300)}`);
              acked++;
              if (acked === TOTAL) resolve();
              else pump();
            })
            .catch(reject);
        }
      };
      pump();
    });
    await bystander.next((f) => f.type === 'message' && f.clientId === `f${TOTAL - 1}`, 15_000);
    const seqs = bystander.frames.filter((f) => f.type === 'message').map((f) => (f as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    expect(await closedWithin(bystander, 10)).toBe('open');

    await sleep(200);
    socket.resume();
    const outcome = await Promise.race([slowClosed, sleep(15_000).then(() => 'still open' as const)]);
    expect(outcome, `stalled member was not closed (it read ${messagesSeen} messages)`).not.toBe('still open');
    const { code, reason } = outcome as { code: number; reason: string };
    expect([CLOSE_CODES.slowConsumer, 1006], `close code ${code} reason ${reason}`).toContain(code);
    if (code === CLOSE_CODES.slowConsumer) expect(reason).toMatch(/slow/i);
    expect(messagesSeen).toBeLessThan(TOTAL);
    expect(await closedWithin(bystander, 10)).toBe('open');
  }, 60_000);
});
