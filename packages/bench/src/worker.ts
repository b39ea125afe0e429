// One load-generator thread: holds a share of the clients, sends (or reacts, or edits) on behalf
// of its senders, and counts what its receivers get (latency, order, catch-up; changes apart) for the
// current epoch. The restart storm's clients, which reconnect by themselves, are storm-worker.ts's.
import { parentPort } from 'node:worker_threads';
import { ADAPTERS, type BenchClient, type ClientHooks, type ConnectSpec, type PeerName } from './adapters.js';
import { Histogram } from './histogram.js';
import { encodePayload, nowUs, parsePayloadBuffer, parsePayloadString, type Payload } from './payload.js';
import { threadCpuSeconds } from './proc.js';
import { changeShare, editText, requestKind, type ChangeMix } from './changes.js';
import { stormCommand } from './storm-worker.js';
import type { ConnectResult, SendResult, SenderSpec, WorkerCommand, WorkerReply, WorkerStats } from './worker-protocol.js';

interface Slot {
  spec: ConnectSpec;
  client: BenchClient | null;
  /** Highest seq seen per sender in this epoch. */
  lastSeq: Map<number, number>;
  /** Deliveries this epoch (for catch-up). */
  count: number;
  token: string | undefined;
  joinedSeq: number;
  /** Requests made with changes in the load, over every step: changes keep their share across short steps. */
  requests: number;
  /** Edits made, over every step: each one's text is new. */
  edits: number;
  /**
   * A reaction or edit fell due in this step that the client could not make yet (no message seen,
   * none of its own acknowledged): its next request in the step makes it instead.
   */
  owedReaction: boolean;
  owedEdit: boolean;
}

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread');

const slots = new Map<number, Slot>();
let epoch = -1;
let received = 0;
let outOfOrder = 0;
let stale = 0;
let ownEchoes = 0;
let changes = 0;
let editChanges = 0;
let lastRecvUs = 0;
let hist = new Histogram();
let perClientTarget = 0;
let t0Us = 0;
let caughtUp = 0;
let catchUp = new Histogram();
let disconnects: Record<string, number> = {};
const scratch: Payload = { epoch: 0, sender: 0, seq: 0, sentAtUs: 0 };

function deliver(slot: Slot): void {
  const p = scratch;
  if (p.sender === slot.spec.index) {
    if (p.epoch === epoch) ownEchoes++;
    return;
  }
  if (p.epoch !== epoch) {
    stale++;
    return;
  }
  const now = nowUs();
  received++;
  lastRecvUs = now;
  hist.record(now - p.sentAtUs);
  const last = slot.lastSeq.get(p.sender) ?? 0;
  if (p.seq <= last) outOfOrder++;
  else slot.lastSeq.set(p.sender, p.seq);
  if (perClientTarget > 0 && ++slot.count === perClientTarget) {
    caughtUp++;
    catchUp.record(now - t0Us);
  }
}

function hooksFor(slot: Slot): ClientHooks {
  return {
    onFrame: (data) => {
      if (parsePayloadBuffer(data, scratch)) deliver(slot);
    },
    onText: (text) => {
      if (parsePayloadString(text, scratch)) deliver(slot);
    },
    onChange: (edit) => {
      changes++;
      if (edit) editChanges++;
    },
    onClose: (reason) => {
      slot.client = null;
      disconnects[reason] = (disconnects[reason] ?? 0) + 1;
    },
  };
}

async function connect(peer: PeerName, serverPort: number, specs: ConnectSpec[], concurrency: number, timeoutMs: number, deadlineMs: number, resume: boolean): Promise<ConnectResult> {
  const adapter = ADAPTERS[peer];
  const started = Date.now();
  const deadline = started + deadlineMs;
  let next = 0;
  let connected = 0;
  let failed = 0;
  const errors: Record<string, number> = {};
  const lane = async (): Promise<void> => {
    while (next < specs.length && Date.now() < deadline) {
      const given = specs[next++] as ConnectSpec;
      const old = slots.get(given.index);
      const spec: ConnectSpec = resume && old ? { ...given, token: old.token as string, since: old.joinedSeq } : given;
      const slot: Slot = old ?? { spec, client: null, lastSeq: new Map(), count: 0, token: undefined, joinedSeq: 0, requests: 0, edits: 0, owedReaction: false, owedEdit: false };
      slot.spec = spec;
      slots.set(spec.index, slot);
      try {
        const client = await adapter.connect(spec.port ?? serverPort, spec, hooksFor(slot), Math.max(1000, Math.min(timeoutMs, deadline - Date.now())));
        slot.client = client;
        if (!resume) {
          slot.token = client.token;
          slot.joinedSeq = client.joinedSeq;
        }
        connected++;
      } catch (err) {
        failed++;
        const key = (err as Error).message;
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, specs.length)) }, lane));
  return { connected, failed, skipped: specs.length - connected - failed, errors, elapsedMs: Date.now() - started };
}

function arm(newEpoch: number, target: number): void {
  epoch = newEpoch;
  received = 0;
  outOfOrder = 0;
  stale = 0;
  ownEchoes = 0;
  changes = 0;
  editChanges = 0;
  lastRecvUs = 0;
  hist = new Histogram();
  perClientTarget = target;
  t0Us = nowUs();
  caughtUp = 0;
  catchUp = new Histogram();
  disconnects = {};
  for (const slot of slots.values()) {
    slot.lastSeq.clear();
    slot.count = 0;
  }
}

/**
 * Each sender makes `rate` requests a second: with changes in the mix, that share of them are
 * reactions and edits (a change the sender cannot make yet, having seen no message, or had none of
 * its own acknowledged for an edit, is owed: it sends, and makes the change at its next request
 * in this step that can). Payload seqs count messages only, so receivers see 1, 2, 3… from each
 * sender as without changes.
 */
function send(sendEpoch: number, senders: SenderSpec[], durationMs: number, textBytes: number, mix: ChangeMix): Promise<SendResult> {
  return new Promise((resolve) => {
    const start = nowUs();
    const end = start + durationMs * 1000;
    const requests = senders.map(() => 0);
    const messages = senders.map(() => 0);
    let reactions = 0;
    let edits = 0;
    const changing = changeShare(mix) > 0;
    for (const s of senders) {
      const slot = slots.get(s.index);
      if (!slot) continue;
      // What an earlier step owed stays there: a step's changes are its own share, no more.
      slot.owedReaction = slot.owedEdit = false;
      if (changing) slot.client?.watchMessages();
    }
    // A few senders: tick often for an even pace; many slow senders: tick less, each has a phase.
    const tickMs = senders.length <= 10 ? 2 : 10;
    const tick = (): void => {
      const now = nowUs();
      const t = Math.min(now, end);
      for (let i = 0; i < senders.length; i++) {
        const s = senders[i] as SenderSpec;
        const due = Math.floor(((t - start) / 1e6) * s.rate + s.phase);
        const slot = slots.get(s.index);
        const client = slot?.client;
        if (!slot || !client) continue; // its requests fall due again once it is back
        let n = requests[i] as number;
        while (n < due) {
          n++;
          if (changing) {
            const kind = requestKind(++slot.requests, mix, s.index);
            if (kind === 'react') slot.owedReaction = true;
            if (kind === 'edit') slot.owedEdit = true;
            if (slot.owedEdit && client.edit(s.room, editText(s.index, slot.edits + 1, textBytes))) {
              slot.owedEdit = false;
              slot.edits++;
              edits++;
              continue;
            }
            if (slot.owedReaction && client.react(s.room)) {
              slot.owedReaction = false;
              reactions++;
              continue;
            }
          }
          const m = (messages[i] as number) + 1;
          messages[i] = m;
          client.send(s.room, encodePayload(sendEpoch, s.index, m, nowUs(), textBytes), `${sendEpoch}-${m}`);
        }
        requests[i] = n;
      }
      if (now >= end) {
        clearInterval(timer);
        resolve({ messages, reactions, edits });
      }
    };
    const timer = setInterval(tick, tickMs);
  });
}

function stats(light: boolean): WorkerStats {
  let open = 0;
  for (const slot of slots.values()) if (slot.client) open++;
  return {
    received,
    outOfOrder,
    stale,
    ownEchoes,
    changes,
    editChanges,
    lastRecvUs,
    caughtUp,
    open,
    disconnects,
    cpuSeconds: threadCpuSeconds(),
    hist: light ? null : hist.toJSON(),
    catchUp: light ? null : catchUp.toJSON(),
  };
}

async function close(indices: number[] | undefined, graceful: boolean, keep: boolean): Promise<void> {
  const chosen = indices ? indices.map((i) => slots.get(i)).filter((s): s is Slot => s !== undefined) : [...slots.values()];
  await Promise.all(
    chosen.map(async (slot) => {
      const client = slot.client;
      slot.client = null;
      if (client) {
        if (graceful) await client.close(5000);
        else client.terminate();
      }
      if (!keep) slots.delete(slot.spec.index);
    }),
  );
}

async function handle(cmd: WorkerCommand): Promise<unknown> {
  switch (cmd.type) {
    case 'connect':
      if (cmd.t0Us !== undefined) t0Us = cmd.t0Us;
      return connect(cmd.peer, cmd.port, cmd.specs, cmd.concurrency, cmd.timeoutMs, cmd.deadlineMs, cmd.resume);
    case 'arm':
      arm(cmd.epoch, cmd.perClientTarget);
      return null;
    case 'send':
      return send(cmd.epoch, cmd.senders, cmd.durationMs, cmd.textBytes, cmd.mix);
    case 'stats':
      return stats(cmd.light);
    case 'close':
      await close(cmd.indices, cmd.graceful, cmd.keep);
      return null;
    case 'cpu':
      return threadCpuSeconds();
    case 'storm-connect':
    case 'storm-send':
    case 'storm-stats':
    case 'storm-verify':
    case 'storm-timeline':
    case 'storm-close':
      return stormCommand(cmd);
  }
}

port.on('message', (cmd: WorkerCommand) => {
  handle(cmd).then(
    (result) => port.postMessage({ id: cmd.id, ok: true, result } satisfies WorkerReply),
    (err: unknown) => port.postMessage({ id: cmd.id, ok: false, error: String((err as Error)?.stack ?? err) } satisfies WorkerReply),
  );
});
