// The fairness scenario's abuser, in a worker thread of its own: one guest connection, from an
// address of its own as a real attacker's would be, that joins the room and then, on `go`, sends
// one request type at a fixed rate for the phase, counting how the server answers. A `go` without
// a flood (the idle phase) leaves it connected and silent.
import { parentPort, workerData } from 'node:worker_threads';
import type { ServerFrame } from '@chat/protocol';
import WebSocket from 'ws';
import { closeText, openChat } from './chat-socket.js';
import type { AbuserData, AbuserResult, Flood, FromThread, ToThread } from './fairness-protocol.js';
import { threadCpuSeconds } from './proc.js';

const port = parentPort;
if (!port) throw new Error('fairness-abuser.ts runs as a worker thread');
const data = workerData as AbuserData;
const post = (m: FromThread<AbuserResult>): void => port.postMessage(m);

/** The k-th frame of a flood: each one a request the server must do something for. */
function abusiveFrame(flood: Flood, k: number, room: string): string {
  switch (flood) {
    case 'nick':
      // A new nick each time: a real change (a stored update and a presence event), never a no-op.
      return JSON.stringify({ type: 'nick', nick: `flood${k}` });
    case 'join-leave':
      // A new room name each pair: every join creates a room.
      return JSON.stringify({ type: k % 2 === 0 ? 'join' : 'leave', room: `flood-${k >> 1}` });
    case 'history':
      return JSON.stringify({ type: 'history', room });
    case 'typing':
      return JSON.stringify({ type: 'typing', room });
    case 'send':
      return JSON.stringify({ type: 'send', room, text: `flood ${k}`, id: `flood-${k}` });
    case 'bad-json':
      return '{"type":"ping"';
  }
}

interface Kind {
  type: string;
  /** An error's code. */
  code: string | undefined;
}

/**
 * A frame's type and an error's code, read from its first bytes where the server writes them
 * (`{"type":…,"code":…`), so that the abuser keeps up with thousands of history replies a second
 * rather than being dropped as a slow reader for parsing them whole; other frames are parsed.
 */
const HEAD = /^\{"type":"([a-z_]+)"(?:,"code":"([a-z_]+)")?/;

function kindOf(raw: Buffer): Kind {
  const m = HEAD.exec(raw.toString('latin1', 0, 64));
  if (m && (m[1] !== 'error' || m[2])) return { type: m[1] as string, code: m[2] };
  const frame = JSON.parse(raw.toString()) as ServerFrame;
  return { type: frame.type, code: frame.type === 'error' ? frame.code : undefined };
}

/** The reply that answers a flood's frame as it asked (typing asks for none). */
function answers(flood: Flood, frame: Kind): boolean {
  switch (flood) {
    case 'nick':
      return frame.type === 'nick';
    case 'join-leave':
      return frame.type === 'joined' || frame.type === 'left';
    case 'history':
      return frame.type === 'history';
    case 'typing':
      return false;
    case 'send':
      return frame.type === 'ack';
    case 'bad-json':
      return frame.type === 'error' && frame.code === 'bad_request';
  }
}

const TICK_MS = 5;

let ws: WebSocket;
const counts: AbuserResult = { sent: 0, answered: 0, refused: 0, errors: {}, closed: null, closedAfterMs: null, cpuSeconds: 0 };
let flood: Flood | null = null;
let floodStart = 0;
let cpu0 = 0;

async function setUp(): Promise<void> {
  ({ ws } = await openChat(data.port, data.localAddress, 'nick=abuser', data.setupTimeoutMs));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no joined for ${data.room}`)), data.setupTimeoutMs);
    ws.on('message', function joined(raw: Buffer) {
      const frame = JSON.parse(raw.toString()) as ServerFrame;
      if (frame.type !== 'joined') return;
      clearTimeout(timer);
      ws.off('message', joined);
      resolve();
    });
    ws.send(JSON.stringify({ type: 'join', room: data.room }));
  });
  ws.on('message', (raw: Buffer) => {
    if (!flood) return;
    const frame = kindOf(raw);
    if (answers(flood, frame)) counts.answered++;
    else if (frame.type === 'error' && frame.code === 'rate_limited') counts.refused++;
    else if (frame.type === 'error') counts.errors[frame.code ?? '?'] = (counts.errors[frame.code ?? '?'] ?? 0) + 1;
  });
  ws.on('close', (code, reason) => {
    counts.closed = closeText(code, reason);
    counts.closedAfterMs = flood ? Date.now() - floodStart : 0;
  });
}

/** Sends `rate` frames a second for durationMs, evenly (a few every tick), while the socket is open. */
function run(kind: Flood, durationMs: number): void {
  flood = kind;
  floodStart = Date.now();
  const timer = setInterval(() => {
    const elapsed = Math.min(Date.now() - floodStart, durationMs);
    const due = Math.floor((elapsed / 1000) * data.rate);
    while (counts.sent < due && ws.readyState === WebSocket.OPEN) ws.send(abusiveFrame(kind, counts.sent++, data.room));
    if (elapsed >= durationMs || ws.readyState !== WebSocket.OPEN) clearInterval(timer);
  }, TICK_MS);
}

port.on('message', (m: ToThread) => {
  if (m.type === 'go') {
    cpu0 = threadCpuSeconds();
    if (m.flood) run(m.flood, m.durationMs);
    return;
  }
  // stop: replies that came until now count; then the connection goes (its close is ours, not the server's).
  ws.removeAllListeners('close');
  ws.terminate();
  post({ type: 'result', result: { ...counts, cpuSeconds: threadCpuSeconds() - cpu0 } });
});

setUp().then(
  () => post({ type: 'ready' }),
  (err: Error) => post({ type: 'failed', error: `abuser: ${err.message}` }),
);
