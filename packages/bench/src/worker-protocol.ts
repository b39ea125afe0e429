// Messages between the benchmark's main thread and its load-generator workers.
import type { ConnectSpec, PeerName } from './adapters.js';
import type { ChangeMix } from './changes.js';
import type { StormCommand } from './storm-protocol.js';

export interface SenderSpec {
  /** The sending client (it must live on the worker the command goes to). */
  index: number;
  room: string;
  /** Messages per second. */
  rate: number;
  /** 0..1: where in its period the sender starts, so many slow senders do not send in step. */
  phase: number;
}

export type WorkerCommand = { id: number } & (
  | {
      type: 'connect';
      peer: PeerName;
      port: number;
      specs: ConnectSpec[];
      /** Connections in flight at once on this worker. */
      concurrency: number;
      /** For one connection. */
      timeoutMs: number;
      /** For all of them: no new connection starts after it. */
      deadlineMs: number;
      /** Reconnect known clients with their token, joining with `since` = the seq they last saw. */
      resume: boolean;
      /** Catch-up times are measured from this instant (nowUs()); default: the arm. */
      t0Us?: number;
    }
  | { type: 'arm'; epoch: number; perClientTarget: number }
  | {
      type: 'send';
      epoch: number;
      senders: SenderSpec[];
      durationMs: number;
      textBytes: number;
      /** The share of each sender's requests that are reactions and edits instead of sends (our server only). */
      mix: ChangeMix;
    }
  | { type: 'stats'; light: boolean }
  | { type: 'close'; indices: number[] | undefined; graceful: boolean; keep: boolean }
  | { type: 'cpu' }
  | StormCommand
);

export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** What a send command did: messages per sender (in the command's order), and reactions and edits in all. */
export interface SendResult {
  messages: number[];
  reactions: number;
  edits: number;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  /** Not tried before the deadline. */
  skipped: number;
  errors: Record<string, number>;
  elapsedMs: number;
}

export interface HistogramData {
  counts: number[];
  count: number;
  maxUs: number;
}

export interface WorkerStats {
  received: number;
  outOfOrder: number;
  /** Payloads of an earlier epoch (late arrivals from a previous step). */
  stale: number;
  /** Senders' own messages coming back (chat: proof the message was stored). */
  ownEchoes: number;
  /** `changed` events received (chat, with reactions or edits in the load): not deliveries. */
  changes: number;
  /** Of those, the edits' (`"action":"edit"`). */
  editChanges: number;
  lastRecvUs: number;
  /** Clients that received perClientTarget deliveries this epoch. */
  caughtUp: number;
  open: number;
  /** Connections the server ended, by reason, this epoch. */
  disconnects: Record<string, number>;
  /** This worker thread's CPU seconds so far. */
  cpuSeconds: number;
  hist: HistogramData | null;
  catchUp: HistogramData | null;
}
