// What a run produces: the scenario names, the shape of each scenario's result (steps, cost points,
// cluster setups, fairness phases) and of the results file. A leaf module: the scenarios fill these
// in, repeat.ts folds them, the report reads them, and options.ts lists the names, without any of
// them importing another.
import type { PeerName } from './adapters.js';
import type { ChangeMix } from './changes.js';
import type { Flood } from './fairness-protocol.js';
import type { Machine } from './proc.js';

export const SCENARIOS = ['fanout', 'saturate', 'rooms', 'rooms-changes', 'idle', 'resume', 'cost', 'cluster', 'fairness', 'search', 'upload', 'myrooms', 'storm'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface StepResult {
  /** Deliveries per second the step aimed at (message rate × receivers per message). */
  targetPerSec: number;
  /** Messages per second per sender. */
  msgRate: number;
  durationS: number;
  sent: number;
  expected: number;
  received: number;
  /** Not received by the end of the drain (at most drainMs after sending stopped). */
  lost: number;
  lossPct: number;
  /** Deliveries whose seq was not above the last one that receiver saw from that sender. */
  outOfOrder: number;
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpuSeconds: number;
  /** Server CPU seconds per 100,000 deliveries. */
  serverCpuPer100k: number;
  /** Each generator worker thread's CPU, % of one core, over the step. */
  workerCpuPct: number[];
  /** The whole generator process (workers, main thread, GC, I/O threads), % of one core. */
  generatorCpuPct: number;
  /** The server process (summed over a cluster's nodes), % of one core (a Node server does its work on one thread). */
  serverCpuPct: number;
  /** A server process used 90 % of a core or more: it was the bottleneck. */
  serverSaturated: boolean;
  /**
   * Cluster scenario only: every postgres and redis-server process on this machine, CPU seconds
   * over the step, per 100,000 deliveries, and % of one core.
   */
  servicesCpuSeconds?: number;
  servicesCpuPer100k?: number;
  servicesCpuPct?: number;
  /**
   * The generator used 90 % or more of the CPU the server left on this machine (or one worker
   * thread a whole core): the step measured the generator as much as the server.
   */
  generatorSaturated: boolean;
  disconnects: Record<string, number>;
  /**
   * With changes in the load (--reactions, --edits; our server): the shares of requests that were
   * reactions and edits, how many of each were made, the `changed` events every member of their
   * rooms was due and got (in all, and the edits' of them), how many of those were lost, and those
   * received per second. `sent`, `expected`, `received`, `lost` and the latencies are the messages'
   * alone.
   */
  changes?: StepChanges;
  pass: boolean;
  why: string;
}

export interface StepChanges {
  reactionShare: number;
  editShare: number;
  reactions: number;
  edits: number;
  expected: number;
  received: number;
  editsExpected: number;
  editsReceived: number;
  lost: number;
  perSec: number;
  editsPerSec: number;
}

export interface CostPoint {
  size: number;
  status: 'ok' | 'error';
  reason?: string;
  maxDeliveriesPerSec: number;
  p99MsAtMax: number;
  serverCpuPer100kAtMax: number;
  /** At the step whose target was nearest costCpuAt deliveries/s: the same load for every peer. */
  serverCpuPer100kAtLoad: number;
  /** That step's target. */
  loadPerSec: number;
  connectSeconds: number;
  serverPeakRssMiB: number;
  steps: StepResult[];
}

/** One setup of the cluster scenario: the fanout step, then a saturation search on the same servers. */
export interface SetupResult {
  setup: ClusterSetup;
  label: string;
  nodes: number;
  status: 'ok' | 'error';
  reason?: string;
  /** The same numbers as the scenario's metrics `…@setup`. */
  metrics: Record<string, number | null>;
  /** This setup's value ÷ the SQLite setup's, for the metrics of the table. */
  vsSqlite: Record<string, number | null>;
  /** The fanout step first, then the search's steps. */
  steps: StepResult[];
}

export interface ScenarioResult {
  scenario: ScenarioName;
  peer: PeerName;
  status: 'ok' | 'n/a' | 'error';
  reason?: string;
  wallSeconds: number;
  /** The scenario's numbers (see docs/benchmarks.md for each); null where not measured. */
  metrics: Record<string, number | null>;
  steps?: StepResult[];
  points?: CostPoint[];
  setups?: SetupResult[];
  /** Fairness scenario: the idle phase, then one per flood. */
  phases?: FairnessPhase[];
  /** rooms-changes: the plain half, then the one with changes (whichever ran first). */
  halves?: RoomsHalfResult[];
  generator: GeneratorSummary;
  /** Lines the server printed (our server logs at warn: each one is a warning or an error). */
  serverLog: string[];
  /** Connections the server ended during measurement, by reason. */
  disconnects: Record<string, number>;
  /** Repeated (--repeat): each run's own metrics; `metrics` then holds their medians (repeat.ts). */
  runs?: Array<Record<string, number | null>>;
}

/** The load generator's CPU (% of one core) over a scenario, so a saturated generator shows. */
export interface GeneratorSummary {
  maxWorkerCpuPct: number;
  /** The whole generator process, highest over the measured steps. */
  maxGeneratorCpuPct: number;
  /** Some measured step had the generator saturated (StepResult.generatorSaturated). */
  saturated: boolean;
  /** At the step the headline number comes from (the fixed-rate step, or the max sustainable one). */
  atResult: { generatorCpuPct: number; serverCpuPct: number; generatorSaturated: boolean } | null;
  /** At the first step that failed in a saturation search: who ran out of CPU. */
  atFirstFailure: {
    generatorCpuPct: number;
    serverCpuPct: number;
    generatorSaturated: boolean;
    serverSaturated: boolean;
    /** server CPU: the server was at ~a full core; generator CPU: the server had room but the generator had none; neither: latency or I/O. */
    limit: 'server CPU' | 'generator CPU' | 'neither';
    why: string;
  } | null;
}

export const CLUSTER_SETUPS = ['sqlite', 'postgres', 'cluster'] as const;
export type ClusterSetup = (typeof CLUSTER_SETUPS)[number];
export const SETUP_LABELS: Record<ClusterSetup, string> = {
  sqlite: '1 node, SQLite',
  postgres: '1 node, PostgreSQL',
  cluster: '2 nodes, PostgreSQL + Redis',
};

export const ROOMS_HALVES = ['plain', 'changes'] as const;
export type RoomsHalf = (typeof ROOMS_HALVES)[number];

/** One half of the rooms-changes scenario: the rooms scenario with sends only, or with the change mix. */
export interface RoomsHalfResult {
  half: RoomsHalf;
  /** `plain`, or the mix (`5 % reactions + 5 % edits`). */
  label: string;
  mix: ChangeMix;
  /** The rooms scenario's metrics (the scenario's own are these, named `…@half`). */
  metrics: Record<string, number | null>;
  /** The fixed-rate step first, then the search's steps. */
  steps: StepResult[];
}

/** The restart storm's setups (scenarios/storm.ts): which servers, and which of them is restarted. */
export const STORM_SETUPS = ['single', 'cluster'] as const;
export type StormSetup = (typeof STORM_SETUPS)[number];
export const STORM_LABELS: Record<StormSetup, string> = {
  single: '1 node, SQLite',
  cluster: '2 nodes, PostgreSQL + Redis, node 2 restarted',
};

/** One phase of the fairness scenario (scenarios/fairness.ts), each on a fresh server. */
export interface FairnessPhase {
  /** `idle` (the abuser silent), or the request type it floods. */
  phase: 'idle' | Flood;
  status: 'ok' | 'error';
  reason?: string;
  /** Ping round trips of the well-behaved guest; unanswered ones count with their wait (lower bounds). */
  ping: { count: number; p50Ms: number; p99Ms: number; maxMs: number; unanswered: number; refused: number };
  /** p99 ÷ the idle phase's p99 (null for idle itself, or without an idle p99). */
  p99VsIdle: number | null;
  /** Newcomers' ms to `welcome` (null without any). */
  connect: { count: number; p50Ms: number | null; maxMs: number | null; failed: number; errors: Record<string, number> };
  /** What became of the abuser's frames (all zero in the idle phase). */
  abuser: { sent: number; answered: number; refused: number; otherErrors: number; errors: Record<string, number>; disconnected: boolean; closed: string | null; closedAfterMs: number | null };
  /** The server closed the well-behaved guest's connection. */
  proberClosed: string | null;
  serverCpuPct: number;
  /** This process (both client threads), % of one core. */
  benchCpuPct: number;
  /** Busiest client thread, % of one core. */
  threadCpuPct: number;
}

/** The JSON results file, from which the table, chart and docs section are written. */
export interface BenchResults {
  tool: '@chat/bench';
  version: 1;
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  machine: Machine;
  /** The git commit measured; dirty: packages/server or packages/protocol had uncommitted changes. */
  source: { commit: string; dirty: boolean };
  /** How this run was started. */
  command: string;
  settings: Record<string, unknown>;
  scenarios: ScenarioName[];
  peers: PeerName[];
  results: ScenarioResult[];
  /** ratios[scenario][metric][peer] = chat's value / the peer's value. */
  ratios: Record<string, Record<string, Partial<Record<PeerName, number | null>>>>;
}
