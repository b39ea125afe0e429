// The restart storm's side of a load-generator worker (worker.ts hands it the storm-… commands):
// this thread's StormClients, their first connect, the senders' pace, and the counts and checks
// the main thread asks for (storm-protocol.ts).
import { Histogram } from './histogram.js';
import { nowUs } from './payload.js';
import { StormClient } from './storm-client.js';
import type { StormCommand, StormSpec, StormStats, StormVerdict } from './storm-protocol.js';
import type { ConnectResult } from './worker-protocol.js';

const clients = new Map<number, StormClient>();
let errors: Record<string, number> = {};
let sending: NodeJS.Timeout | null = null;

/** Every reconnect attempt, rejoin and failure: when (nowUs) and what, for the timeline. */
let events: Array<[number, string]> = [];

const noteError = (kind: string): void => {
  errors[kind] = (errors[kind] ?? 0) + 1;
  events.push([nowUs(), kind]);
};
const noteEvent = (kind: string): void => void events.push([nowUs(), kind]);

/** Per kind of event, how many in each bucketMs from t0Us on (events before t0Us in the first). */
function timeline(t0Us: number, bucketMs: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [at, kind] of events) {
    const b = Math.max(0, Math.floor((at - t0Us) / 1000 / bucketMs));
    const row = (out[kind] ??= []);
    while (row.length <= b) row.push(0);
    row[b] = (row[b] as number) + 1;
  }
  return out;
}

/** The first connect and join of every given client, `concurrency` at a time, as worker.ts's connect. */
async function connectAll(cmd: Extract<StormCommand, { type: 'storm-connect' }>): Promise<ConnectResult> {
  const started = Date.now();
  const deadline = started + cmd.deadlineMs;
  const failures: Record<string, number> = {};
  let next = 0;
  let connected = 0;
  let failed = 0;
  const lane = async (): Promise<void> => {
    while (next < cmd.specs.length && Date.now() < deadline) {
      const spec = cmd.specs[next++] as StormSpec;
      const client = new StormClient(spec, { connectTimeoutMs: cmd.connectTimeoutMs, onError: noteError, onEvent: noteEvent });
      clients.set(spec.index, client);
      try {
        await client.start(Math.max(1000, Math.min(cmd.timeoutMs, deadline - Date.now())));
        connected++;
      } catch (err) {
        client.stop();
        clients.delete(spec.index);
        failed++;
        const key = (err as Error).message;
        failures[key] = (failures[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(cmd.concurrency, cmd.specs.length)) }, lane));
  return { connected, failed, skipped: cmd.specs.length - connected - failed, errors: failures, elapsedMs: Date.now() - started };
}

/** Each sender writes `rate` messages a second from now on (queued while it is away) until stopSending. */
function startSending(textBytes: number): void {
  stopSending();
  const start = nowUs();
  const senders = [...clients.values()].filter((c) => c.spec.rate > 0).map((client) => ({ client, from: client.written }));
  sending = setInterval(() => {
    const elapsedS = (nowUs() - start) / 1e6;
    for (const { client, from } of senders) {
      const due = from + Math.floor(elapsedS * client.spec.rate + client.spec.phase);
      while (client.written < due) client.write(textBytes);
    }
  }, 10);
}

function stopSending(): void {
  if (sending) clearInterval(sending);
  sending = null;
}

function stats(): StormStats {
  const s: StormStats = { clients: 0, joined: 0, dropped: 0, rejoined: 0, attempts: 0, errors, outbox: 0, acked: 0, storedTwice: 0, ackMax: {}, lastJoinUs: 0, moved: 0 };
  for (const c of clients.values()) {
    s.clients++;
    if (c.joined) s.joined++;
    if (c.dropped) s.dropped++;
    if (c.dropped && c.joined) s.rejoined++;
    if (c.moved) s.moved++;
    s.attempts += c.attempts;
    s.outbox += c.outbox.size;
    s.acked += c.acked;
    s.storedTwice += c.storedTwice;
    if (c.ackMax > (s.ackMax[c.spec.room] ?? 0)) s.ackMax[c.spec.room] = c.ackMax;
    if (c.lastJoinUs > s.lastJoinUs) s.lastJoinUs = c.lastJoinUs;
  }
  return s;
}

function verify(roomMax: Record<string, number>, t0Us: number): StormVerdict {
  const delays = new Histogram();
  const v: StormVerdict = { clients: 0, lost: 0, doubled: 0, outOfOrder: 0, beyond: 0, notJoined: 0, caughtUp: 0, catchUpUs: [], delay: { counts: [], count: 0, maxUs: 0 } };
  for (const c of clients.values()) {
    const r = c.check(roomMax[c.spec.room] ?? 0, t0Us, delays);
    v.clients++;
    v.lost += r.lost;
    v.beyond += r.beyond;
    v.doubled += c.doubled;
    v.outOfOrder += c.outOfOrder;
    if (!c.joined) v.notJoined++;
    if (r.catchUpUs !== null) {
      v.caughtUp++;
      v.catchUpUs.push(r.catchUpUs);
    }
  }
  v.delay = delays.toJSON();
  return v;
}

export async function stormCommand(cmd: StormCommand): Promise<unknown> {
  switch (cmd.type) {
    case 'storm-connect':
      return connectAll(cmd);
    case 'storm-send':
      if (cmd.on) startSending(cmd.textBytes);
      else stopSending();
      return null;
    case 'storm-stats':
      return stats();
    case 'storm-verify':
      return verify(cmd.roomMax, cmd.t0Us);
    case 'storm-timeline':
      return timeline(cmd.t0Us, cmd.bucketMs);
    case 'storm-close':
      stopSending();
      for (const c of clients.values()) c.stop();
      clients.clear();
      errors = {};
      events = [];
      return null;
  }
}
