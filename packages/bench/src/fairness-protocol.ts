// What the fairness scenario's main thread (scenarios/fairness.ts) and its two client threads say
// to each other: the well-behaved prober (fairness-prober.ts) and the abuser (fairness-abuser.ts).
// Each thread connects, says `ready`, acts on `go` for the phase, and answers with its `result`.
import type { HistogramData } from './worker-protocol.js';

/** The request types the abuser floods, one phase each, in this order. */
export const FLOODS = ['nick', 'join-leave', 'history', 'typing', 'send', 'bad-json'] as const;
export type Flood = (typeof FLOODS)[number];

interface ThreadData {
  /** Our server's port on 127.0.0.1. */
  port: number;
  /** The address this thread's connections come from (a 127.0.0.0/8 address of its own). */
  localAddress: string;
  /** The public room both clients join (the abuser's history, typing and send go there). */
  room: string;
  /** Longest wait for the connection and join before `ready`. */
  setupTimeoutMs: number;
}

export interface ProberData extends ThreadData {
  pingEveryMs: number;
  connectEveryMs: number;
  drainMs: number;
  seedMessages: number;
}

export interface AbuserData extends ThreadData {
  /** Frames per second while flooding. */
  rate: number;
}

export type ToThread = { type: 'go'; durationMs: number; flood: Flood | null } | { type: 'stop' };

export type FromThread<R> = { type: 'ready' } | { type: 'failed'; error: string } | { type: 'result'; result: R };

export interface ProberResult {
  /** Ping round trips in µs; a ping still unanswered after the drain counts with its wait so far. */
  rtt: HistogramData;
  pings: number;
  /** Still unanswered after the drain. */
  pingsUnanswered: number;
  /** Answered with an error (e.g. `rate_limited`) instead of `pong`. */
  pingsRefused: number;
  /** Newcomers started. */
  connects: number;
  /** Each newcomer's ms from opening its socket to `welcome`; one without it by the drain's end counts with its wait so far. */
  connectMs: number[];
  /** Newcomers refused (HTTP status, socket error) or without `welcome` by the drain's end. */
  connectsFailed: number;
  connectErrors: Record<string, number>;
  /** The server closed the prober's own connection ("close CODE reason"), or null. */
  closed: string | null;
  cpuSeconds: number;
}

export interface AbuserResult {
  sent: number;
  /** Frames answered as they ask (nick → nick, join → joined, …; bad JSON → `bad_request`). */
  answered: number;
  /** Frames answered with `rate_limited`. */
  refused: number;
  /** Other errors, by code. */
  errors: Record<string, number>;
  /** The server closed the abuser's connection ("close CODE reason"), or null. */
  closed: string | null;
  /** Ms from the start of the flood to that close. */
  closedAfterMs: number | null;
  cpuSeconds: number;
}
