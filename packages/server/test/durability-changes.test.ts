// Durability of the room log's changes: the built server as a child process, two clients firing a
// pipelined mix of sends, edits, reactions and redactions into one room, kill -9 mid-burst, restart
// on the same data dir. Every acknowledged entry (an `ack`, or an `updated` with a seq) must be in
// the log at its seq, with its action, target and author; the log stays gap-free.
import { describe, expect, it } from 'vitest';
import type { ServerFrame } from '@chat/protocol';
import { startChild } from './child-server.js';
import { readWholeRoom, TestClient } from './helpers.js';
import { trackOps } from './ops/ops-helpers.js';

const ROOM = 'log';
const CLIENTS = 2;
const WINDOW = 60;
const KILL_AFTER = 700;

const { clients, dir } = trackOps();

/** What an acknowledged request put at a seq. */
interface Acked {
  kind: 'message' | 'edit' | 'react' | 'redact';
  target?: number;
  by: string;
  text?: string;
}

describe('durability of changes across kill -9', () => {
  it('keeps every acknowledged edit, reaction and redaction at its seq among the messages, gap-free', async () => {
    const dataDir = dir('chat-durability-log-');
    const first = await startChild(dataDir);
    const burst: TestClient[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const client = await TestClient.connect(first.wsUrl({ nick: `writer${c}` }));
      clients.push(client);
      burst.push(client);
      await client.request({ type: 'join', room: ROOM });
    }

    const acked = new Map<number, Acked>();
    /** Requests in flight per ref. */
    const pending = new Map<string, Acked>();
    /** Each client's own acknowledged messages, which its edits and redactions target. */
    const own: number[][] = burst.map(() => []);
    const all: number[] = [];
    let killed = false;
    let n = 0;
    const errors: ServerFrame[] = [];

    await new Promise<void>((done) => {
      const inFlight = new Array<number>(CLIENTS).fill(0);
      const pump = (c: number) => {
        const client = burst[c]!;
        const me = client.welcome.user.id;
        while (!killed && inFlight[c]! < WINDOW) {
          const i = n++;
          const ref = `q${c}-${i}`;
          const mine = own[c]!;
          let frame: Record<string, unknown>;
          let what: Acked;
          // Mostly sends at first; then a mix: a quarter each edits, reactions, redactions, sends.
          const pick = mine.length < 5 || all.length < 10 ? 0 : i % 4;
          if (pick === 1) {
            const target = mine[(i * 7) % mine.length]!;
            what = { kind: 'edit', target, by: me, text: `edit ${c}-${i}` };
            frame = { type: 'edit', room: ROOM, seq: target, text: what.text };
          } else if (pick === 2) {
            const target = all[(i * 13) % all.length]!;
            what = { kind: 'react', target, by: me };
            frame = { type: 'react', room: ROOM, seq: target, emoji: `:r${i % 7}:`, on: i % 3 !== 0 };
          } else if (pick === 3 && i % 8 === 3) {
            const target = mine.splice((i * 5) % mine.length, 1)[0]!;
            what = { kind: 'redact', target, by: me };
            frame = { type: 'redact', room: ROOM, seq: target };
          } else {
            what = { kind: 'message', by: me, text: `message ${c}-${i}` };
            frame = { type: 'send', room: ROOM, id: `m${c}-${i}`, text: what.text };
          }
          pending.set(ref, what);
          inFlight[c]!++;
          client.send({ ...frame, ref });
        }
      };
      burst.forEach((client, c) => {
        client.ws.on('message', (data) => {
          const f = JSON.parse(data.toString()) as ServerFrame;
          if (!('ref' in f) || typeof f.ref !== 'string' || !pending.has(f.ref)) return;
          const what = pending.get(f.ref)!;
          pending.delete(f.ref);
          inFlight[c]!--;
          if (f.type === 'ack') {
            acked.set(f.seq, what);
            own[c]!.push(f.seq);
            all.push(f.seq);
          } else if (f.type === 'updated') {
            if (f.seq !== undefined) acked.set(f.seq, what);
          } else if (f.type === 'error' && !(f.code === 'forbidden' || f.code === 'not_found')) {
            // A reaction to a message the other client redacted meanwhile is refused: fine.
            errors.push(f);
          }
          if (!killed && acked.size >= KILL_AFTER) {
            killed = true;
            first.child.kill('SIGKILL');
            done();
          }
          pump(c);
        });
      });
      for (let c = 0; c < CLIENTS; c++) pump(c);
    });
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    await Promise.all(burst.map((c) => c.closed));
    clients.length = 0;
    expect(errors, JSON.stringify(errors.slice(0, 3))).toEqual([]);
    const kinds = [...acked.values()].map((a) => a.kind);
    for (const kind of ['message', 'edit', 'react', 'redact'] as const) expect(kinds, `some ${kind} acknowledged`).toContain(kind);

    const second = await startChild(dataDir);
    const reader = await TestClient.connect(second.wsUrl({ nick: 'reader' }));
    clients.push(reader);
    const { lastSeq, entries } = await readWholeRoom(reader, ROOM);
    // Gap-free: every seq from 1 to the last is an entry (a change whose target was pruned would
    // be missing; nothing is pruned here).
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    const bySeq = new Map(entries.map((e) => [e.seq, e]));
    let checked = 0;
    for (const [seq, what] of acked) {
      const entry = bySeq.get(seq);
      expect(entry, `acknowledged ${what.kind} at seq ${seq} is missing after the crash`).toBeDefined();
      if (what.kind === 'message') {
        expect(entry).toMatchObject({ type: 'message', from: { id: what.by } });
        // Its text is the sent one, an edit of it, or "" once redacted.
        const text = (entry as { text: string }).text;
        expect(text === what.text || text.startsWith('edit ') || text === '', `text at ${seq}: ${text}`).toBe(true);
      } else {
        expect(entry, `entry at ${seq}`).toMatchObject({ type: 'changed', action: what.kind, by: { id: what.by }, message: { seq: what.target } });
      }
      checked++;
    }
    console.log(`durability of changes: ${checked} acknowledged entries (${kinds.filter((k) => k !== 'message').length} changes) found after kill -9; log of ${lastSeq}`);
  }, 60_000);
});
