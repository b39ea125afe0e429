// Reactions in the bench's load (--reactions): the option, the schedule that makes a share of each
// sender's requests reactions, the toggling that makes every one store an entry, and the receiving
// side, where a `changed` event (its message holding an old payload) must never count as a delivery.
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ADAPTERS, type BenchClient } from '../src/adapters.js';
import { defaultOptions, parseArgs, UsageError, type BenchOptions } from '../src/options.js';
import { rowsFor } from '../src/report/table.js';
import { encodePayload, parsePayloadBuffer, type Payload } from '../src/payload.js';
import { isChangedFrame, isReaction, messageSeq, RecentMessages } from '../src/reactions.js';

const parsed = (argv: string[]): BenchOptions => parseArgs(argv) as BenchOptions;

describe('--reactions and --server-dir', () => {
  it('default to none and this checkout, quick or full', () => {
    for (const argv of [[], ['--quick']]) {
      expect(parsed(argv).reactions).toBe(0);
      expect(parsed(argv).serverDir).toBeNull();
    }
  });

  it('take a share from 0 to under 1', () => {
    expect(parsed(['--reactions', '0.1']).reactions).toBe(0.1);
    expect(parsed(['--quick', '--reactions', '0']).reactions).toBe(0);
    for (const bad of ['1', '-0.1', 'x', '', '10%']) expect(() => parseArgs(['--reactions', bad]), bad).toThrow(UsageError);
    expect(() => parseArgs(['--reactions'])).toThrow(UsageError);
  });

  it('resolve --server-dir to an absolute directory', () => {
    expect(parsed(['--server-dir', '../before']).serverDir).toBe(resolve('../before'));
    expect(() => parseArgs(['--server-dir'])).toThrow(UsageError);
  });
});

describe('the table', () => {
  it('shows changes delivered beside the deliveries only with reactions in the load', () => {
    const changeRows = (reactions: number): string[] =>
      rowsFor({ ...defaultOptions(false), reactions })
        .filter((r) => r.metric.startsWith('changes'))
        .map((r) => `${r.scenario} ${r.metric}`);
    expect(changeRows(0)).toEqual([]);
    expect(changeRows(0.1)).toEqual(['fanout changesPerSec', 'saturate changesPerSecAtMax', 'rooms changesPerSec', 'rooms changesPerSecAtMax']);
  });
});

describe('the reaction schedule', () => {
  const count = (share: number, phase: number, n: number): number => Array.from({ length: n }, (_x, i) => isReaction(i + 1, share, phase)).filter(Boolean).length;

  it('makes that share of the requests reactions, evenly, whatever the phase', () => {
    expect(count(0, 0, 1000)).toBe(0);
    for (const phase of [0, 0.25, 0.5, 0.99]) {
      expect(count(0.1, phase, 1000), `phase ${phase}`).toBe(100);
      expect(count(0.25, phase, 1000), `phase ${phase}`).toBe(250);
    }
    expect(Array.from({ length: 20 }, (_x, i) => isReaction(i + 1, 0.1))).toEqual(Array.from({ length: 20 }, (_x, i) => (i + 1) % 10 === 0));
  });

  it('spreads senders of different phases over different requests', () => {
    const firstReaction = (phase: number): number => Array.from({ length: 10 }, (_x, i) => i + 1).find((n) => isReaction(n, 0.1, phase)) as number;
    expect(new Set([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map(firstReaction)).size).toBe(10);
  });
});

describe('RecentMessages', () => {
  it('has nothing to react to before a message', () => {
    expect(new RecentMessages().next()).toBeNull();
  });

  it('toggles its reaction on a message, so that every reaction changes something', () => {
    const recent = new RecentMessages();
    recent.saw(7);
    const seen = new Map<string, boolean>();
    for (let i = 0; i < 12; i++) {
      const r = recent.next();
      expect(r?.seq).toBe(7);
      const key = `${r?.seq} ${r?.emoji}`;
      expect(r?.on, key).toBe(!(seen.get(key) ?? false));
      seen.set(key, r?.on as boolean);
    }
  });

  it('reacts to the messages it saw lately only', () => {
    const recent = new RecentMessages();
    for (let seq = 1; seq <= 40; seq++) recent.saw(seq);
    recent.saw(3); // older than the newest: not a new message
    const targets = new Set(Array.from({ length: 64 }, () => recent.next()?.seq));
    expect(Math.min(...(targets as Set<number>))).toBe(25);
    expect(Math.max(...(targets as Set<number>))).toBe(40);
  });
});

describe("our server's frames", () => {
  const payload = encodePayload(3, 4, 5, 123, 64);
  const message = { type: 'message', room: 'r0', seq: 41, id: '9', clientId: '3-5', from: { id: 'g1', nick: 'b4' }, text: payload, ts: 1 };
  const changed = { type: 'changed', room: 'r0', seq: 42, action: 'react', by: { id: 'g2', nick: 'b5' }, ts: 2, message: { ...message, reactions: [{ emoji: '👍', count: 1, users: ['g2'] }] } };

  it('tells a changed event from a message, and reads a message seq', () => {
    const m = Buffer.from(JSON.stringify(message));
    const c = Buffer.from(JSON.stringify(changed));
    expect(isChangedFrame(c)).toBe(true);
    expect(isChangedFrame(m)).toBe(false);
    expect(messageSeq(m)).toBe(41);
    expect(messageSeq(c)).toBe(0);
    // Why it matters: the changed frame holds the old message's payload, which the scan would find.
    const out: Payload = { epoch: 0, sender: 0, seq: 0, sentAtUs: 0 };
    expect(parsePayloadBuffer(c, out)).toBe(true);
  });

  describe('the chat client', () => {
    let wss: WebSocketServer | null = null;
    let client: BenchClient | null = null;
    afterEach(async () => {
      client?.terminate();
      await new Promise((done) => (wss ? wss.close(done) : done(undefined)));
    });

    it('hands messages to the worker as frames and changed events apart, and reacts to a message it saw', async () => {
      const fromClient: unknown[] = [];
      let server!: WebSocket;
      const listening = new WebSocketServer({ port: 0, host: '127.0.0.1' });
      wss = listening;
      await new Promise((done) => listening.once('listening', done));
      wss.on('connection', (ws) => {
        server = ws;
        ws.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as { type: string };
          fromClient.push(frame);
          if (frame.type === 'join') {
            ws.send(JSON.stringify({ type: 'welcome', token: 't' }));
            ws.send(JSON.stringify({ type: 'joined', room: 'r0', seq: 40, history: [] }));
          }
        });
      });
      const frames: string[] = [];
      let changes = 0;
      const port = (wss.address() as AddressInfo).port;
      client = await ADAPTERS.chat.connect(port, { index: 5, room: 'r0' }, { onFrame: (b) => frames.push(b.toString()), onText: () => {}, onChange: () => changes++, onClose: () => {} }, 5000);
      expect(client.react('r0')).toBe(false); // not watching: nothing to react to
      client.watchMessages();
      expect(client.react('r0')).toBe(false); // watching, but no message yet
      server.send(JSON.stringify(message));
      server.send(JSON.stringify(changed));
      server.send(JSON.stringify({ type: 'updated', room: 'r0', target: 41, seq: 43 }));
      await expect.poll(() => frames.length + changes).toBe(3);
      expect(changes).toBe(1);
      expect(frames.map((f) => (JSON.parse(f) as { type: string }).type)).toEqual(['message', 'updated']);
      expect(client.react('r0')).toBe(true);
      await expect.poll(() => fromClient.length).toBe(2);
      expect(fromClient[1]).toEqual({ type: 'react', room: 'r0', seq: 41, emoji: '👍', on: true });
    });

    it('has no reactions in the other peers', () => {
      expect(Object.entries(ADAPTERS).filter(([, a]) => a.reactions).map(([name]) => name)).toEqual(['chat']);
    });
  });
});
