// Changes in the bench's load (--reactions, --edits): the options, the schedule that makes a share
// of each sender's requests reactions and edits, the toggling that makes every reaction store an
// entry, the own messages an edit goes to and its always-new text, and the receiving side, where a
// `changed` event (its message holding an old payload) must never count as a delivery.
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ADAPTERS, type BenchClient } from '../src/adapters.js';
import { defaultOptions, parseArgs, UsageError, type BenchOptions } from '../src/options.js';
import { rowsFor } from '../src/report/table.js';
import { encodePayload, parsePayloadBuffer, type Payload } from '../src/payload.js';
import { ackSeq, changePhase, editText, isChangedFrame, isDue, isEditChange, messageSeq, OwnMessages, RecentMessages, requestKind, roomsChangesMix } from '../src/changes.js';

const parsed = (argv: string[]): BenchOptions => parseArgs(argv) as BenchOptions;

describe('--reactions, --edits and --server-dir', () => {
  it('default to none and this checkout, quick or full', () => {
    for (const argv of [[], ['--quick']]) {
      expect(parsed(argv).reactions).toBe(0);
      expect(parsed(argv).edits).toBe(0);
      expect(parsed(argv).serverDir).toBeNull();
    }
  });

  it('take a share from 0 to under 1, together under 1', () => {
    for (const flag of ['--reactions', '--edits'] as const) {
      const key = flag === '--reactions' ? 'reactions' : 'edits';
      expect(parsed([flag, '0.1'])[key]).toBe(0.1);
      expect(parsed(['--quick', flag, '0'])[key]).toBe(0);
      for (const bad of ['1', '-0.1', 'x', '', '10%']) expect(() => parseArgs([flag, bad]), `${flag} ${bad}`).toThrow(UsageError);
      expect(() => parseArgs([flag])).toThrow(UsageError);
    }
    expect(parsed(['--reactions', '0.05', '--edits', '0.05'])).toMatchObject({ reactions: 0.05, edits: 0.05 });
    expect(() => parseArgs(['--reactions', '0.5', '--edits', '0.5'])).toThrow(/together must be under 1/);
  });

  it('give rooms-changes its mix, 5 % reactions + 5 % edits unless given', () => {
    expect(roomsChangesMix({ reactions: 0, edits: 0 })).toEqual({ reactions: 0.05, edits: 0.05 });
    expect(roomsChangesMix({ reactions: 0, edits: 0.2 })).toEqual({ reactions: 0, edits: 0.2 });
  });

  it('leave rooms-changes and search out of the default scenarios', () => {
    expect(parsed([]).scenarios).not.toContain('rooms-changes');
    expect(parsed(['--scenario', 'rooms-changes']).scenarios).toEqual(['rooms-changes']);
  });

  it('resolve --server-dir to an absolute directory', () => {
    expect(parsed(['--server-dir', '../before']).serverDir).toBe(resolve('../before'));
    expect(() => parseArgs(['--server-dir'])).toThrow(UsageError);
  });
});

describe('the table', () => {
  it('shows changes delivered beside the deliveries only with changes in the load', () => {
    const changeRows = (reactions: number, edits: number): string[] =>
      rowsFor({ ...defaultOptions(false), reactions, edits })
        .filter((r) => r.metric.startsWith('changes') && r.scenario !== 'rooms-changes')
        .map((r) => `${r.scenario} ${r.metric}`);
    expect(changeRows(0, 0)).toEqual([]);
    const rows = ['fanout changesPerSec', 'saturate changesPerSecAtMax', 'rooms changesPerSec', 'rooms changesPerSecAtMax'];
    expect(changeRows(0.1, 0)).toEqual(rows);
    expect(changeRows(0, 0.1)).toEqual(rows);
  });

  it('shows rooms-changes plain and with its mix, the latter against the former', () => {
    const rows = rowsFor({ ...defaultOptions(false), reactions: 0, edits: 0 }).filter((r) => r.scenario === 'rooms-changes');
    const max = rows.filter((r) => r.metric.startsWith('maxDeliveriesPerSec@'));
    expect(max.map((r) => [r.metric, r.label, r.base ?? null, r.ratio ?? null])).toEqual([
      ['maxDeliveriesPerSec@plain', 'max sustainable deliveries/s, plain', null, null],
      ['maxDeliveriesPerSec@changes', 'max sustainable deliveries/s, 5 % reactions + 5 % edits', 'maxDeliveriesPerSec@plain', 'maxDeliveriesPerSec@ratio'],
    ]);
    for (const m of ['serverCpuPer100k', 'p99Ms']) expect(rows.map((r) => r.metric)).toEqual(expect.arrayContaining([`${m}@plain`, `${m}@changes`]));
  });
});

describe('the change schedule', () => {
  const count = (share: number, phase: number, n: number): number => Array.from({ length: n }, (_x, i) => isDue(i + 1, share, phase)).filter(Boolean).length;

  it('makes that share of the requests due, evenly, whatever the phase', () => {
    expect(count(0, 0, 1000)).toBe(0);
    for (const phase of [0, 0.25, 0.5, 0.99]) {
      expect(count(0.1, phase, 1000), `phase ${phase}`).toBe(100);
      expect(count(0.25, phase, 1000), `phase ${phase}`).toBe(250);
    }
    expect(Array.from({ length: 20 }, (_x, i) => isDue(i + 1, 0.1))).toEqual(Array.from({ length: 20 }, (_x, i) => (i + 1) % 10 === 0));
  });

  it('spreads senders of different phases over different requests', () => {
    const firstDue = (phase: number): number => Array.from({ length: 10 }, (_x, i) => i + 1).find((n) => isDue(n, 0.1, phase)) as number;
    expect(new Set([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map(firstDue)).size).toBe(10);
  });

  const kinds = (mix: { reactions: number; edits: number }, index: number, n: number): Record<string, number> => {
    const out: Record<string, number> = { send: 0, react: 0, edit: 0 };
    for (let k = 1; k <= n; k++) (out[requestKind(k, mix, index)] as number)++;
    return out;
  };

  it('makes each kind its share of a sender\'s requests, reactions and edits together at most theirs', () => {
    for (const index of [0, 1, 7, 500]) {
      expect(kinds({ reactions: 0.1, edits: 0 }, index, 1000), `sender ${index}`).toEqual({ send: 900, react: 100, edit: 0 });
      expect(kinds({ reactions: 0, edits: 0.1 }, index, 1000), `sender ${index}`).toEqual({ send: 900, react: 0, edit: 100 });
      expect(kinds({ reactions: 0.05, edits: 0.05 }, index, 1000), `sender ${index}`).toEqual({ send: 900, react: 50, edit: 50 });
      expect(kinds({ reactions: 0.15, edits: 0.05 }, index, 1000), `sender ${index}`).toEqual({ send: 800, react: 150, edit: 50 });
    }
  });

  it('spreads both kinds over the senders: at each request about as many edit as react', () => {
    const mix = { reactions: 0.05, edits: 0.05 };
    for (let n = 10; n <= 40; n += 10) {
      const at = Array.from({ length: 1000 }, (_x, index) => requestKind(n, mix, index));
      const changes = at.filter((k) => k !== 'send').length;
      const edits = at.filter((k) => k === 'edit').length;
      expect(changes, `request ${n}`).toBe(100);
      expect(Math.abs(edits - 50), `request ${n}: ${edits} edits`).toBeLessThanOrEqual(10);
    }
    expect(changePhase(0)).toBe(0);
  });
});

describe('edits', () => {
  it('go to the client\'s own acknowledged messages, newest first, the last 8 in turn', () => {
    const own = new OwnMessages();
    expect(own.next()).toBeNull();
    for (let seq = 1; seq <= 20; seq += 2) own.acked(seq);
    own.acked(5); // an older ack: nothing new
    const targets = Array.from({ length: 9 }, () => own.next());
    expect(targets).toEqual([19, 17, 15, 13, 11, 9, 7, 5, 19]);
  });

  it('have a text as long as a message\'s, new each time, with no payload marker or mention', () => {
    const texts = Array.from({ length: 100 }, (_x, k) => editText(12, k + 1, 64));
    expect(new Set(texts).size).toBe(100);
    for (const t of texts) {
      expect(t).toHaveLength(64);
      expect(t).not.toMatch(/~B~|@|^\s|\s$/);
    }
    expect(editText(3, 1, 64)).not.toBe(editText(4, 1, 64));
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

  const edited = { ...changed, seq: 44, action: 'edit', message: { ...message, text: editText(4, 1, 64), edited: 3 } };
  const ack = { type: 'ack', room: 'r0', id: '3-5', seq: 41, msgId: '9', ts: 1 };

  it('tells a changed event from a message, an edit from a reaction, and reads a message or ack seq', () => {
    const m = Buffer.from(JSON.stringify(message));
    const c = Buffer.from(JSON.stringify(changed));
    const e = Buffer.from(JSON.stringify(edited));
    expect(isChangedFrame(c)).toBe(true);
    expect(isChangedFrame(e)).toBe(true);
    expect(isChangedFrame(m)).toBe(false);
    expect(isEditChange(e)).toBe(true);
    expect(isEditChange(c)).toBe(false);
    expect(isEditChange(Buffer.from('{"type":"changed","room":"r0","action":"ed'))).toBe(false);
    expect(messageSeq(m)).toBe(41);
    expect(messageSeq(c)).toBe(0);
    expect(ackSeq(Buffer.from(JSON.stringify(ack)))).toBe(41);
    expect(ackSeq(m)).toBe(0);
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

    it('hands messages to the worker as frames and changed events apart, reacts to a message it saw and edits one of its own', async () => {
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
      const changes: boolean[] = [];
      const port = (wss.address() as AddressInfo).port;
      client = await ADAPTERS.chat.connect(port, { index: 5, room: 'r0' }, { onFrame: (b) => frames.push(b.toString()), onText: () => {}, onChange: (edit) => changes.push(edit), onClose: () => {} }, 5000);
      expect(client.react('r0')).toBe(false); // not watching: nothing to react to
      client.watchMessages();
      expect(client.react('r0')).toBe(false); // watching, but no message yet
      expect(client.edit('r0', 'x')).toBe(false); // and none of its own acknowledged
      server.send(JSON.stringify(message));
      server.send(JSON.stringify(changed));
      server.send(JSON.stringify(edited));
      server.send(JSON.stringify({ type: 'updated', room: 'r0', target: 41, seq: 43 }));
      await expect.poll(() => frames.length + changes.length).toBe(4);
      expect(changes).toEqual([false, true]);
      expect(frames.map((f) => (JSON.parse(f) as { type: string }).type)).toEqual(['message', 'updated']);
      expect(client.edit('r0', 'x')).toBe(false); // a message it received is not its own
      expect(client.react('r0')).toBe(true);
      server.send(JSON.stringify({ ...ack, seq: 45 }));
      await expect.poll(() => frames.length).toBe(3);
      expect(client.edit('r0', editText(5, 1, 64))).toBe(true);
      await expect.poll(() => fromClient.length).toBe(3);
      expect(fromClient.slice(1)).toEqual([
        { type: 'react', room: 'r0', seq: 41, emoji: '👍', on: true },
        { type: 'edit', room: 'r0', seq: 45, text: editText(5, 1, 64) },
      ]);
    });

    it('has no reactions or edits in the other peers', () => {
      expect(Object.entries(ADAPTERS).filter(([, a]) => a.changes).map(([name]) => name)).toEqual(['chat']);
    });
  });
});
