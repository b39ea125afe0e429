// Graceful shutdown of the real process: SIGTERM in the middle of a pipelined burst closes every
// WebSocket with 1001, the process exits 0 (the server forces exit 1 after 10 s, so 0 also means
// "in time"), and after a restart on the same data dir every acked message is stored with the seq
// its ack carried. SIGINT behaves the same.
import { describe, expect, it } from 'vitest';
import type { AckFrame, ChatMessage, ErrorFrame, JoinedFrame, ServerFrame } from '@chat/protocol';
import { startChild, type ChildServer } from '../child-server.js';
import { readWholeRoom, tempDir, TestClient } from '../helpers.js';
import { trackOps } from './ops-helpers.js';

const ROOM = 'burst';
const SENDERS = 3;
const TOTAL = 2000;
const SIGTERM_AFTER_ACKS = 300;
const WINDOW = 150; // sends in flight per sender

const { dirs, clients } = trackOps();

async function connect(child: ChildServer, nick: string): Promise<TestClient> {
  const client = await TestClient.connect(child.wsUrl({ nick }));
  clients.push(client);
  return client;
}

/** Resolves with the exit status, or rejects if the process is still running after ms. */
function exitWithin(child: ChildServer, ms: number) {
  return Promise.race([
    child.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running ${ms} ms after the signal:\n${child.output()}`)), ms).unref()),
  ]);
}

/** The room's messages after a restart; the log read to the seq joined gave. */
async function storedMessages(client: TestClient, room: string): Promise<ChatMessage[]> {
  const { lastSeq, entries, messages } = await readWholeRoom(client, room);
  expect(entries.at(-1)?.seq ?? 0).toBe(lastSeq);
  return messages;
}

describe('graceful shutdown of the process', () => {
  it('SIGTERM mid-burst: 1001 to every client, exit 0, every acked message stored with its seq', async () => {
    const dataDir = tempDir('chat-sigterm-');
    dirs.push(dataDir);
    const first = await startChild(dataDir, { keepAllOutput: true });

    const senders: TestClient[] = [];
    for (let c = 0; c < SENDERS; c++) {
      const client = await connect(first, `sender${c}`);
      expect((await client.request<JoinedFrame>({ type: 'join', room: ROOM })).type).toBe('joined');
      senders.push(client);
    }
    // A listener that only receives, to show it is closed with 1001 too.
    const listener = await connect(first, 'listener');
    expect((await listener.request<JoinedFrame>({ type: 'join', room: ROOM })).type).toBe('joined');

    // Each sender keeps WINDOW sends in flight (RATE_LIMIT=0) and tops up on every ack, also after
    // the signal (a client cannot know), so frames are still arriving while the server stops.
    let acked = 0;
    let sent = 0;
    let signalled = false;
    let ackedAtSignal = 0;
    let sentAtSignal = 0;
    const pump = (client: TestClient, budget: number) => {
      for (let n = 0; n < budget && sent < TOTAL && client.ws.readyState === client.ws.OPEN; n++) {
        const i = sent++;
        client.send({ type: 'send', room: ROOM, id: `m${i}`, text: `burst message ${i}` });
      }
    };
    const signalSent = new Promise<void>((resolve) => {
      for (const client of senders) {
        client.ws.on('message', (data) => {
          if ((JSON.parse(data.toString()) as ServerFrame).type !== 'ack') return;
          acked++;
          if (!signalled && acked >= SIGTERM_AFTER_ACKS) {
            signalled = true;
            ackedAtSignal = acked;
            sentAtSignal = sent;
            first.child.kill('SIGTERM');
            resolve();
          }
          pump(client, 1);
        });
      }
    });
    for (const client of senders) pump(client, WINDOW);
    await signalSent;

    const closes = await Promise.all([...senders, listener].map((c) => c.closed));
    for (const close of closes) {
      expect(close.code).toBe(1001);
      expect(close.reason).not.toBe('');
    }
    const exit = await exitWithin(first, 15_000);
    expect(exit, first.output()).toEqual({ code: 0, signal: null });
    clients.length = 0;

    // What each sender was told.
    const ackedSeq = new Map<string, number>(); // userId/clientId -> seq
    const errors: ErrorFrame[] = [];
    for (const client of senders) {
      for (const f of client.frames) {
        if (f.type === 'error') errors.push(f);
        if (f.type !== 'ack') continue;
        const key = `${client.welcome.user.id}/${f.id}`;
        expect(ackedSeq.has(key), `acked twice: ${key}`).toBe(false);
        ackedSeq.set(key, (f as AckFrame).seq);
      }
    }
    expect(errors, JSON.stringify(errors.slice(0, 3))).toEqual([]);
    expect(ackedSeq.size).toBeGreaterThanOrEqual(SIGTERM_AFTER_ACKS);
    console.log(`sigterm: SIGTERM sent after ${ackedAtSignal} acks / ${sentAtSignal} sends; in the end ${sent} sent, ${ackedSeq.size} acked`);

    // Restart on the same data dir and read the room back.
    const second = await startChild(dataDir);
    const reader = await connect(second, 'reader');
    const stored = await storedMessages(reader, ROOM);
    const storedSeq = new Map(stored.map((m) => [`${m.from.id}/${m.clientId}`, m.seq]));

    const missing = [...ackedSeq].filter(([key]) => !storedSeq.has(key));
    expect(missing.slice(0, 5), `${missing.length} acked messages are missing`).toEqual([]);
    const moved = [...ackedSeq].filter(([key, seq]) => storedSeq.get(key) !== seq);
    expect(moved.slice(0, 5), 'acked seq differs from the stored one').toEqual([]);
    // seqs are 1..n without gaps or repeats.
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    // Graceful: whatever the server committed, it acked before closing with 1001.
    const unacked = stored.filter((m) => !ackedSeq.has(`${m.from.id}/${m.clientId}`));
    expect(unacked.map((m) => m.seq).slice(0, 5), `${unacked.length} stored messages were never acked`).toEqual([]);
  });

  it('SIGINT: 1001 to clients and exit 0', async () => {
    const dataDir = tempDir('chat-sigint-');
    dirs.push(dataDir);
    const child = await startChild(dataDir, { keepAllOutput: true });
    const a = await connect(child, 'a');
    const b = await connect(child, 'b');
    expect((await a.request<JoinedFrame>({ type: 'join', room: 'int' })).type).toBe('joined');
    const ack = await a.request<AckFrame>({ type: 'send', room: 'int', id: 'x', text: 'before the signal' });
    expect(ack.type).toBe('ack');
    child.child.kill('SIGINT');
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
    expect(await exitWithin(child, 15_000), child.output()).toEqual({ code: 0, signal: null });
    clients.length = 0;

    const again = await startChild(dataDir);
    const reader = await connect(again, 'reader');
    const stored = await storedMessages(reader, 'int');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ seq: ack.seq, clientId: 'x', text: 'before the signal' });
  });
});
