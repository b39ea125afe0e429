// Durability: the built server as a child process, a burst of messages from several clients over
// several rooms, kill -9 mid-burst, restart on the same data dir. Every acked message must be there
// with its acked seq, msgId, ts and text; each room's seqs are gap-free from 1 with no duplicates;
// seqs continue after the restart (never reused); idempotency keys survive the restart.
import { describe, expect, it } from 'vitest';
import type { AckFrame, ChatMessage, ErrorFrame, JoinedFrame, ServerFrame } from '@chat/protocol';
import { startChild } from './child-server.js';
import { readWholeRoom, sleep, TestClient } from './helpers.js';
import { trackOps } from './ops/ops-helpers.js';

const ROOMS = ['dur-0', 'dur-1', 'dur-2', 'dur-3'];
const CLIENTS = 4;
const PER_CLIENT = 1000; // 4000 messages in all
const WINDOW = 200; // sends in flight per client
const KILL_AFTER_ACKS = 1500;

const { clients, dir } = trackOps();

interface Sent {
  room: string;
  clientId: string;
  text: string;
  sender: number;
}

const textFor = (c: number, i: number) => `burst ${c}-${i} ü 🎉 "quoted" \\ back\nline ${'x'.repeat(i % 40)}|`; // no trailing space: send trims

describe('durability across kill -9', () => {
  it('keeps every acked message with its seq, never reuses a seq, and honours idempotency keys after restart', async () => {
    const dataDir = dir('chat-durability-');
    const first = await startChild(dataDir);

    // ---- connect, join, burst ----------------------------------------------------------------
    const roomsOf = (c: number) => [ROOMS[c % ROOMS.length]!, ROOMS[(c + 1) % ROOMS.length]!];
    const burstClients: TestClient[] = [];
    const tokens: string[] = [];
    const userIds: string[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const client = await TestClient.connect(first.wsUrl({ nick: `sender${c}` }));
      clients.push(client);
      burstClients.push(client);
      expect(client.welcome.token, 'a guest welcome carries a token').toEqual(expect.any(String));
      tokens.push(client.welcome.token!);
      userIds.push(client.welcome.user.id);
      for (const room of roomsOf(c)) {
        const joined = await client.request<JoinedFrame>({ type: 'join', room });
        expect(joined.type).toBe('joined');
      }
    }

    const sent = new Map<string, Sent>(); // key: room/clientId
    const acks = new Map<string, AckFrame>();
    const errors: ErrorFrame[] = [];
    const duplicateAcks: string[] = [];
    let killed = false;
    let sentAtKill = 0;
    let ackedAtKill = 0;
    const key = (room: string, clientId: string) => `${room}/${clientId}`;

    const burstDone = new Promise<void>((resolveBurst) => {
      const next = new Array<number>(CLIENTS).fill(0);
      const inFlight = new Array<number>(CLIENTS).fill(0);
      const pump = (c: number) => {
        const client = burstClients[c]!;
        while (!killed && next[c]! < PER_CLIENT && inFlight[c]! < WINDOW) {
          const i = next[c]!++;
          const room = roomsOf(c)[i % 2]!;
          const msg: Sent = { room, clientId: `c${c}-m${i}`, text: textFor(c, i), sender: c };
          sent.set(key(room, msg.clientId), msg);
          inFlight[c]!++;
          client.send({ type: 'send', room, id: msg.clientId, text: msg.text });
        }
      };
      burstClients.forEach((client, c) => {
        client.ws.on('message', (data) => {
          const f = JSON.parse(data.toString()) as ServerFrame;
          if (f.type === 'error') errors.push(f);
          if (f.type !== 'ack') return;
          const k = key(f.room, f.id);
          if (acks.has(k)) duplicateAcks.push(k);
          acks.set(k, f);
          inFlight[c]!--;
          if (!killed && acks.size >= KILL_AFTER_ACKS) {
            killed = true;
            sentAtKill = sent.size;
            ackedAtKill = acks.size;
            first.child.kill('SIGKILL');
            resolveBurst();
          }
          pump(c);
        });
      });
      for (let c = 0; c < CLIENTS; c++) pump(c);
    });
    await burstDone;

    // Acks already on the wire when the process died are still acks: keep recording until each
    // connection is gone.
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    await Promise.all(burstClients.map((c) => c.closed));
    clients.length = 0;
    expect(errors, `errors during the burst: ${JSON.stringify(errors.slice(0, 5))}`).toEqual([]);
    expect(duplicateAcks, 'a send was acked twice').toEqual([]);
    console.log(
      `durability: sent ${sentAtKill} (in flight at kill: ${sentAtKill - ackedAtKill}), ${acks.size} acked when the process was killed`,
    );
    expect(acks.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    for (const [k, ack] of acks) {
      const s = sent.get(k);
      expect(s, `ack for something never sent: ${k}`).toBeDefined();
      expect(ack.room).toBe(s!.room);
    }

    // ---- restart on the same data dir --------------------------------------------------------
    const second = await startChild(dataDir);
    const reader = await TestClient.connect(second.wsUrl({ nick: 'reader' }));
    clients.push(reader);

    const lastSeq = new Map<string, number>();
    const storedByClientId = new Map<string, ChatMessage>(); // key: room/clientId
    for (const room of ROOMS) {
      const { lastSeq: last, messages } = await readWholeRoom(reader, room);
      const seqs = messages.map((m) => m.seq);
      // Gap-free 1..N, ascending, no repeats, and N is the room's last seq.
      expect(seqs, `room ${room} seqs`).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(last, `room ${room}: joined.seq vs stored messages`).toBe(seqs.length);
      lastSeq.set(room, last);
      for (const m of messages) {
        expect(m.room).toBe(room);
        const k = key(room, m.clientId);
        expect(storedByClientId.has(k), `duplicate message for ${k}`).toBe(false);
        storedByClientId.set(k, m);
        const s = sent.get(k);
        expect(s, `stored message ${k} was never sent`).toBeDefined();
        expect(m.text).toBe(s!.text);
        expect(m.from.id).toBe(userIds[s!.sender]);
      }
    }

    const ackedPerRoom = new Map<string, number>();
    for (const [k, ack] of acks) {
      const m = storedByClientId.get(k);
      expect(m, `acked message ${k} (seq ${ack.seq}) is missing after the crash`).toBeDefined();
      expect({ seq: m!.seq, id: m!.id, ts: m!.ts, text: m!.text }).toEqual({
        seq: ack.seq,
        id: ack.msgId,
        ts: ack.ts,
        text: sent.get(k)!.text,
      });
      ackedPerRoom.set(ack.room, (ackedPerRoom.get(ack.room) ?? 0) + 1);
    }
    console.log(
      `durability: after restart ${[...lastSeq].map(([r, n]) => `${r}=${n} (acked ${ackedPerRoom.get(r) ?? 0})`).join(', ')}`,
    );

    // ---- the same users come back with their tokens -------------------------------------------
    const again: TestClient[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const client = await TestClient.connect(second.wsUrl({ token: tokens[c]! }));
      clients.push(client);
      again.push(client);
      expect(client.welcome.user.id, 'guest token restores the same user after a crash').toBe(userIds[c]);
      for (const room of roomsOf(c)) {
        const joined = await client.request<JoinedFrame>({ type: 'join', room });
        expect(joined.type).toBe('joined');
        expect(joined.seq).toBe(lastSeq.get(room));
      }
    }

    // Resending acked ids returns the very same ack and stores nothing new.
    const ackList = [...acks.values()];
    const samples = [ackList[0]!, ackList[Math.floor(ackList.length / 2)]!, ackList[ackList.length - 1]!];
    for (const room of ROOMS) {
      const inRoom = ackList.filter((a) => a.room === room);
      if (inRoom.length) samples.push(inRoom[inRoom.length - 1]!);
    }
    for (const ack of samples) {
      const s = sent.get(key(ack.room, ack.id))!;
      const again2 = await again[s.sender]!.request<AckFrame>({ type: 'send', room: s.room, id: s.clientId, text: s.text });
      expect(again2.type, JSON.stringify(again2)).toBe('ack');
      expect({ room: again2.room, id: again2.id, seq: again2.seq, msgId: again2.msgId, ts: again2.ts }).toEqual({
        room: ack.room,
        id: ack.id,
        seq: ack.seq,
        msgId: ack.msgId,
        ts: ack.ts,
      });
    }

    // New messages continue at N+1: no seq is reused, and the resends above added nothing.
    for (const room of ROOMS) {
      const c = [...Array(CLIENTS).keys()].find((i) => roomsOf(i).includes(room))!;
      const fresh = await again[c]!.request<AckFrame>({ type: 'send', room, id: `after-${room}`, text: `after restart ${room}` });
      expect(fresh.type, JSON.stringify(fresh)).toBe('ack');
      expect(fresh.seq, `room ${room}`).toBe(lastSeq.get(room)! + 1);
      expect(acks.has(key(room, fresh.id))).toBe(false);
      for (const a of ackList.filter((x) => x.room === room)) expect(a.msgId).not.toBe(fresh.msgId);
      lastSeq.set(room, fresh.seq);
    }

    // A client resending what was in flight at the crash (as a real client does) gets each message
    // exactly once: what was stored keeps its seq, the rest gets new seqs after N+1.
    const unacked = [...sent.entries()].filter(([k]) => !acks.has(k)).map(([, s]) => s);
    const resendAcks = await Promise.all(
      unacked.map((s) => again[s.sender]!.request<AckFrame>({ type: 'send', room: s.room, id: s.clientId, text: s.text }, 15_000)),
    );
    const newSeqs = new Map<string, number[]>();
    resendAcks.forEach((ack, i) => {
      const s = unacked[i]!;
      expect(ack.type, JSON.stringify(ack)).toBe('ack');
      const stored = storedByClientId.get(key(s.room, s.clientId));
      if (stored) {
        expect({ seq: ack.seq, msgId: ack.msgId }).toEqual({ seq: stored.seq, msgId: stored.id });
      } else {
        expect(ack.seq).toBeGreaterThan(lastSeq.get(s.room)!);
        newSeqs.set(s.room, [...(newSeqs.get(s.room) ?? []), ack.seq]);
      }
    });
    for (const room of ROOMS) {
      const base = lastSeq.get(room)!;
      const got = (newSeqs.get(room) ?? []).sort((a, b) => a - b);
      expect(got, `room ${room}: seqs of resent in-flight messages`).toEqual(Array.from({ length: got.length }, (_, i) => base + 1 + i));
    }

    // Final state of every room: gap-free, no duplicate idempotency keys.
    for (const room of ROOMS) {
      const { messages } = await readWholeRoom(reader, room);
      expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: messages.length }, (_, i) => i + 1));
      const ids = messages.map((m) => `${m.from.id}/${m.clientId}`);
      expect(new Set(ids).size).toBe(ids.length);
    }

    for (const c of clients.splice(0)) await c.close();
    second.child.kill('SIGTERM');
    const stopped = await Promise.race([second.exited, sleep(10_000).then(() => null)]);
    expect(stopped, 'server did not stop on SIGTERM').not.toBeNull();
  }, 90_000);
});
