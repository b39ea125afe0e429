// The fairness scenario's well-behaved side, in a worker thread of its own (never the abuser's, so
// that the abuser's work cannot delay its clocks): one guest in the room sends an application ping
// at a steady pace and times each `pong`, while a newcomer connects at a steady pace and is timed
// to `welcome`. Before `ready` it joins the room and sends a few messages (something for history
// to read), and warms up with a few pings.
import { parentPort, workerData } from 'node:worker_threads';
import type { ServerFrame } from '@chat/protocol';
import type WebSocket from 'ws';
import { closeText, openChat } from './chat-socket.js';
import type { FromThread, ProberData, ProberResult, ToThread } from './fairness-protocol.js';
import { sleep } from './format.js';
import { Histogram } from './histogram.js';
import { nowUs } from './payload.js';
import { threadCpuSeconds } from './proc.js';

const port = parentPort;
if (!port) throw new Error('fairness-prober.ts runs as a worker thread');
const data = workerData as ProberData;
const post = (m: FromThread<ProberResult>): void => port.postMessage(m);

const WARMUP_PINGS = 20;

let ws: WebSocket;
let closed: string | null = null;
/** Replies awaited, by ref: pings (timed) and the seed messages (counted). */
const awaiting = new Map<string, (frame: ServerFrame) => void>();

function request(frame: Record<string, unknown>, ref: string, onReply: (frame: ServerFrame) => void): void {
  awaiting.set(ref, onReply);
  ws.send(JSON.stringify({ ...frame, ref }));
}

/** Resolves with the reply to `frame`, or null after timeoutMs. */
function ask(frame: Record<string, unknown>, ref: string, timeoutMs: number): Promise<ServerFrame | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      awaiting.delete(ref);
      resolve(null);
    }, timeoutMs);
    request(frame, ref, (reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

async function setUp(): Promise<void> {
  ({ ws } = await openChat(data.port, data.localAddress, 'nick=wellbehaved', data.setupTimeoutMs));
  ws.on('message', (raw: Buffer) => {
    const frame = JSON.parse(raw.toString()) as ServerFrame;
    const ref = 'ref' in frame ? frame.ref : undefined;
    if (ref === undefined) return; // events: presence, typing, messages
    const reply = awaiting.get(ref);
    awaiting.delete(ref);
    reply?.(frame);
  });
  ws.on('close', (code, reason) => (closed = closeText(code, reason)));
  const joined = await ask({ type: 'join', room: data.room }, 'join', data.setupTimeoutMs);
  if (joined?.type !== 'joined') throw new Error(`join ${data.room}: ${joined ? JSON.stringify(joined) : 'no reply'}`);
  // Within the shipped send burst; a refusal is no reason to stop (history then reads fewer).
  const seeds = Array.from({ length: data.seedMessages }, (_v, i) =>
    ask({ type: 'send', room: data.room, text: `seed ${i}`, id: `seed-${i}` }, `seed-${i}`, data.setupTimeoutMs),
  );
  await Promise.all(seeds);
  for (let i = 0; i < WARMUP_PINGS; i++) await ask({ type: 'ping' }, `warm-${i}`, data.setupTimeoutMs);
}

/** One newcomer: ms to `welcome`, then it leaves at once. */
interface Newcomer {
  startedUs: number;
  settled: boolean;
}

async function measure(durationMs: number): Promise<ProberResult> {
  const cpu0 = threadCpuSeconds();
  const rtt = new Histogram();
  const pingsSent = new Map<string, number>();
  let pings = 0;
  let pingsRefused = 0;
  const connectMs: number[] = [];
  const connectErrors: Record<string, number> = {};
  let connectsFailed = 0;
  const newcomers = new Set<Newcomer>();
  let newcomerCount = 0;

  const ping = (): void => {
    if (closed) return;
    const ref = `p${++pings}`;
    pingsSent.set(ref, nowUs());
    request({ type: 'ping' }, ref, (reply) => {
      const sentUs = pingsSent.get(ref) as number;
      pingsSent.delete(ref);
      if (reply.type === 'pong') rtt.record(nowUs() - sentUs);
      else pingsRefused++;
    });
  };
  const connect = (): void => {
    const n: Newcomer = { startedUs: nowUs(), settled: false };
    newcomers.add(n);
    openChat(data.port, data.localAddress, `nick=newcomer${++newcomerCount}`, durationMs + data.drainMs).then(
      ({ ws: socket }) => {
        if (n.settled) return socket.terminate();
        n.settled = true;
        newcomers.delete(n);
        connectMs.push((nowUs() - n.startedUs) / 1000);
        socket.terminate();
      },
      (err: Error) => {
        if (n.settled) return;
        n.settled = true;
        newcomers.delete(n);
        connectsFailed++;
        connectErrors[err.message] = (connectErrors[err.message] ?? 0) + 1;
      },
    );
  };

  const pinger = setInterval(ping, data.pingEveryMs);
  const connector = setInterval(connect, data.connectEveryMs);
  ping();
  connect();
  await sleep(durationMs);
  clearInterval(pinger);
  clearInterval(connector);
  const drainEnd = Date.now() + data.drainMs;
  while ((pingsSent.size > 0 || newcomers.size > 0) && Date.now() < drainEnd && !closed) await sleep(10);

  // What is still missing counts with its wait so far: a frozen server must not look fast.
  const now = nowUs();
  const pingsUnanswered = pingsSent.size;
  for (const [ref, sentUs] of pingsSent) {
    awaiting.delete(ref);
    rtt.record(now - sentUs);
  }
  for (const n of newcomers) {
    n.settled = true;
    connectMs.push((now - n.startedUs) / 1000);
    connectsFailed++;
    connectErrors['no welcome by the end of the drain'] = (connectErrors['no welcome by the end of the drain'] ?? 0) + 1;
  }
  return {
    rtt: rtt.toJSON(),
    pings,
    pingsUnanswered,
    pingsRefused,
    connects: newcomerCount,
    connectMs,
    connectsFailed,
    connectErrors,
    closed,
    cpuSeconds: threadCpuSeconds() - cpu0,
  };
}

port.on('message', (m: ToThread) => {
  if (m.type !== 'go') return;
  measure(m.durationMs).then(
    (result) => post({ type: 'result', result }),
    (err: Error) => post({ type: 'failed', error: err.message }),
  );
});

setUp().then(
  () => post({ type: 'ready' }),
  (err: Error) => post({ type: 'failed', error: `prober: ${err.message}` }),
);
