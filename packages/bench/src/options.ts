// Command-line flags -> BenchOptions. The defaults are those of a full run (docs/benchmarks.md);
// --quick shrinks every size and duration so the whole run proves the harness in well under a minute.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEERS, type PeerName } from './adapters.js';
import { COST_USAGE, costDefaults, parseCostFlag, type MyRoomsOptions, type UploadOptions } from './costs/cost-options.js';
import { DEFAULT_REPEATS } from './repeat.js';
import { SCENARIOS, STORM_SETUPS, type ScenarioName } from './results.js';
import { parseStormFlag, stormDefaults, STORM_USAGE, type StormOptions } from './storm-options.js';

/** How a saturation search climbs: target deliveries/s start, ×factor per step, then bisection. */
export interface SearchOptions {
  startDeliveries: number;
  factor: number;
  /** Steps between the last pass and the first failure, each halving the gap (geometrically). */
  bisect: number;
  maxSteps: number;
  stepMs: number;
  warmupMs: number;
}

export interface FairnessOptions {
  /** How long each phase measures: the idle one, and each flood. */
  phaseMs: number;
  /** The abuser's frames per second during a flood. */
  floodRate: number;
  /** The well-behaved client sends one application ping this often. */
  pingEveryMs: number;
  /** A newcomer connects this often (its time to welcome is measured). */
  connectEveryMs: number;
  /**
   * After a phase, the longest wait for pongs and welcomes still due; one still missing then
   * counts with that wait (a lower bound).
   */
  drainMs: number;
  /** Messages in the room before a phase, so that history has something to read. */
  seedMessages: number;
}

export interface BenchOptions {
  quick: boolean;
  scenarios: ScenarioName[];
  peers: PeerName[];
  /** JSON results; the markdown table and SVG chart are written beside it. */
  out: string;
  /** The docs page to (re)write, or null. */
  doc: string | null;
  workers: number;
  /** Length of each message's text. */
  textBytes: number;
  /** Connection attempts in flight at once. */
  connectConcurrency: number;
  /** A step passes with p99 at most this and at most lossLimit of deliveries lost. */
  p99LimitMs: number;
  lossLimit: number;
  /** Longest wait for late deliveries after a step's sending ends. */
  drainMs: number;
  /** No client may take longer to connect and join than this, nor all of them together. */
  setupDeadlineMs: number;
  fanout: { receivers: number; rate: number; durationMs: number; warmupMs: number };
  saturate: { receivers: number; search: SearchOptions };
  rooms: { clients: number; roomSize: number; rate: number; durationMs: number; warmupMs: number; search: SearchOptions };
  idle: { connections: number; settleMs: number; deadlineMs: number };
  resume: { clients: number; missed: number; timeoutMs: number };
  /** cpuAtPerSec: the load at which CPU per delivery is compared across room sizes. */
  cost: { sizes: number[]; search: SearchOptions; deadlineMs: number; cpuAtPerSec: number };
  /**
   * Our server on SQLite, on PostgreSQL, and as two nodes on PostgreSQL + Redis: the fanout step
   * (receivers × rate) and a saturation search for each. The services are these URLs' (a fresh
   * schema and key prefix per setup).
   */
  cluster: { receivers: number; rate: number; durationMs: number; warmupMs: number; search: SearchOptions; databaseUrl: string; redisUrl: string };
  /**
   * Our server with its shipped limits: a well-behaved client's ping round trips and newcomers'
   * time to welcome, idle and while one abusive connection floods each request type
   * (scenarios/fairness.ts).
   */
  fairness: FairnessOptions;
  /**
   * Search latency (scenarios/search.ts): a fresh store per kind filled with `messages` messages
   * through the Store API, then GET api/search timed per query kind. Not in the default scenarios
   * (a million messages take minutes to store): `--scenario search`.
   */
  search: { messages: number; stores: Array<'sqlite' | 'postgres'>; rooms: number; privateRooms: number; senders: number; batch: number; requests: number; warmup: number; concurrency: number; keep: boolean };
  /** Upload throughput and the server's memory while files stream (scenarios/upload.ts). */
  upload: UploadOptions;
  /**
   * GET api/me/rooms for an account in `rooms` rooms, few messages then a large backlog
   * (scenarios/my-rooms.ts). Not in the default scenarios (millions of rows): `--scenario myrooms`.
   */
  myRooms: MyRoomsOptions;
  /** The restart storm (scenarios/storm.ts, storm-options.ts). */
  storm: StormOptions;
  /** Runs per scenario and peer (peers alternating; the table shows medians); absent: 1. */
  repeats: Partial<Record<ScenarioName, number>>;
  /**
   * 0..<1: the share of each sender's requests that are reactions instead of sends, in the
   * scenarios that measure steps (fanout, saturate, rooms, cost), for our server only: the other
   * peers have no reactions. 0 (the default) is the load every earlier result was measured with.
   */
  reactions: number;
  /**
   * 0..<1, as `reactions` (and with it under 1): the share of each sender's requests that edit one
   * of its own latest messages instead of sending.
   */
  edits: number;
  /**
   * A checkout of this repository, built, whose packages/server/dist/main.js runs as the chat peer
   * (an earlier commit in a git worktree, to compare with); null: this one's.
   */
  serverDir: string | null;
  argv: string[];
}


const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));
const DOC = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));
const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';
/** The search scenario's full size: a million messages over 50 rooms, 300 timed requests per query kind. */
/** Scenarios a run without --scenario leaves out: search and myrooms store millions of messages first; rooms-changes is rooms twice; storm restarts the server under 5,000 clients. */
export const NAMED_ONLY: readonly ScenarioName[] = ['search', 'rooms-changes', 'myrooms', 'storm'];
const byDefault = (): ScenarioName[] => SCENARIOS.filter((s) => !NAMED_ONLY.includes(s));
const SEARCH: BenchOptions['search'] = { messages: 1_000_000, stores: ['sqlite', 'postgres'], rooms: 50, privateRooms: 8, senders: 200, batch: 2_000, requests: 300, warmup: 20, concurrency: 1, keep: false };

export function defaultOptions(quick: boolean): BenchOptions {
  if (quick) {
    const search: SearchOptions = { startDeliveries: 2_000, factor: 2, bisect: 0, maxSteps: 2, stepMs: 500, warmupMs: 200 };
    return {
      quick,
      scenarios: byDefault(),
      peers: [...PEERS],
      out: `${RESULTS}quick.json`,
      doc: null,
      workers: 2,
      textBytes: 64,
      connectConcurrency: 64,
      p99LimitMs: 100,
      lossLimit: 0.001,
      drainMs: 1_000,
      setupDeadlineMs: 15_000,
      fanout: { receivers: 50, rate: 20, durationMs: 1_000, warmupMs: 200 },
      saturate: { receivers: 50, search },
      rooms: { clients: 100, roomSize: 10, rate: 1, durationMs: 1_000, warmupMs: 200, search },
      idle: { connections: 200, settleMs: 300, deadlineMs: 15_000 },
      resume: { clients: 100, missed: 20, timeoutMs: 10_000 },
      cost: { sizes: [10, 100], search: { ...search, maxSteps: 1 }, deadlineMs: 15_000, cpuAtPerSec: 2_000 },
      // Three setups, four server processes: shorter still (no warm-up), to keep the whole quick run under a minute.
      cluster: { receivers: 50, rate: 20, durationMs: 500, warmupMs: 0, search: { ...search, maxSteps: 1, warmupMs: 0 }, databaseUrl: DATABASE_URL, redisUrl: REDIS_URL },
      fairness: { phaseMs: 800, floodRate: 500, pingEveryMs: 20, connectEveryMs: 200, drainMs: 1_000, seedMessages: 5 },
      search: { ...SEARCH, stores: [...SEARCH.stores], messages: 100_000, requests: 100, warmup: 5 },
      ...costDefaults(true),
      storm: stormDefaults(true),
      repeats: {},
      reactions: 0,
      edits: 0,
      serverDir: null,
      argv: [],
    };
  }
  const search: SearchOptions = { startDeliveries: 25_000, factor: 2, bisect: 2, maxSteps: 10, stepMs: 2_000, warmupMs: 1_000 };
  return {
    quick,
    scenarios: byDefault(),
    peers: [...PEERS],
    out: `${RESULTS}latest.json`,
    doc: DOC,
    workers: 2,
    textBytes: 64,
    connectConcurrency: 128,
    p99LimitMs: 100,
    lossLimit: 0.001,
    drainMs: 3_000,
    setupDeadlineMs: 120_000,
    fanout: { receivers: 500, rate: 100, durationMs: 5_000, warmupMs: 1_000 },
    saturate: { receivers: 500, search },
    rooms: { clients: 1000, roomSize: 10, rate: 1, durationMs: 5_000, warmupMs: 1_000, search: { ...search, startDeliveries: 20_000 } },
    // The ws broadcaster needs about 110 s here for 5000 joins (the count goes to everyone on each).
    idle: { connections: 5000, settleMs: 2_000, deadlineMs: 150_000 },
    resume: { clients: 1000, missed: 100, timeoutMs: 60_000 },
    // Shorter steps and a 60 s set-up limit keep the 16 searches within a few minutes; the ws
    // broadcaster's 5000 joins take longer than that (see idle), so that one point is not measured.
    cost: { sizes: [10, 100, 1000, 5000], search: { ...search, startDeliveries: 50_000, bisect: 1, stepMs: 1_500 }, deadlineMs: 60_000, cpuAtPerSec: 100_000 },
    // The search follows the fanout step on the same servers: no second warm-up.
    cluster: { receivers: 500, rate: 100, durationMs: 5_000, warmupMs: 1_000, search: { ...search, warmupMs: 0 }, databaseUrl: DATABASE_URL, redisUrl: REDIS_URL },
    // The nick flood ran at about 2,000 frames/s. Seven phases of 3 s, each on a fresh
    // server, with drains of at most 3 s: well under two minutes even against a server that stalls.
    fairness: { phaseMs: 3_000, floodRate: 2_000, pingEveryMs: 10, connectEveryMs: 250, drainMs: 3_000, seedMessages: 20 },
    search: { ...SEARCH, stores: [...SEARCH.stores] },
    ...costDefaults(false),
    storm: stormDefaults(false),
    // The targets that sit near the line on this machine kind: one run of them is a coin toss.
    repeats: { ...DEFAULT_REPEATS },
    reactions: 0,
    edits: 0,
    serverDir: null,
    argv: [],
  };
}

export const USAGE = `usage: node packages/bench/dist/run.js [options]
  --quick                  small sizes, short steps: proves the harness in under a minute
  --scenario NAME[,NAME]   ${SCENARIOS.join(', ')} (default: all but search, rooms-changes, myrooms and storm; repeatable)
  --peer NAME[,NAME]       ${PEERS.join(', ')} (default: all; repeatable)
  --out FILE               JSON results (default packages/bench/results/latest.json, quick.json with --quick);
                           the table (.md) and chart (.svg) are written beside it
  --doc FILE | --no-doc    the docs page to write (default docs/benchmarks.md; none with --quick)
  --workers N              load-generator threads (default 2)
  --receivers N            fanout, saturate and cluster receivers (default 500)
  --rate N                 fanout and cluster messages per second (default 100)
  --duration S             fanout, rooms and cluster measuring time in seconds (default 5)
  --step S                 saturation step length in seconds (default 2, cost 1.5)
  --idle-connections N     idle connections (default 5000)
  --resume-clients N       resume clients (default 1000)
  --repeat N               runs of every scenario against every peer, peers alternating; the table
                           shows medians (default: fanout and rooms 3, the rest 1; --quick 1)
  --sizes N[,N]            cost-curve room sizes (default 10,100,1000,5000)
  --cost-deadline S        longest connect phase per cost-curve room (default 60)
  --flood-rate N           fairness: the abuser's frames per second (default 2000)
  --flood-duration S       fairness: seconds each phase measures, idle and each flood (default 3)
  --database-url URL       cluster, storm: the PostgreSQL database to make scratch schemas in
                           (default ${DATABASE_URL})
  --redis-url URL          cluster, storm: the Redis to use, under a scratch key prefix (default ${REDIS_URL})
                           cluster (storm's cluster setup) reports n/a when either does not answer
  --reactions SHARE        0 to under 1: that share of each sender's requests are reactions to a
                           recent message instead of sends (default 0); our server only (the
                           tutorial broadcasters and Socket.IO have none), not in cluster
  --edits SHARE            0 to under 1: that share of each sender's requests edit one of its own
                           latest messages instead of sending (default 0); as --reactions, and
                           with it under 1 (--reactions 0.05 --edits 0.05: 10 % changes)
                           rooms-changes: rooms plain, then with this mix (default 5 % + 5 %)
  --search-messages N      search: messages stored before searching (default 1000000; --quick 100000)
  --search-stores S[,S]    search: sqlite, postgres (default both; postgres at --database-url)
  --search-requests N      search: timed requests per query kind (default 300; --quick 100)
  --search-keep            search: leave the filled data directory and schema behind (for EXPLAIN)
${COST_USAGE}
${STORM_USAGE}
  --server-dir DIR         run the chat server of another checkout, built (DIR/packages/server/dist/main.js),
                           e.g. an earlier commit in a git worktree (default: this one's)`;

export class UsageError extends Error {}

function positive(raw: string | undefined, flag: string): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number`);
  return n;
}

function share(raw: string | undefined, flag: string): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new UsageError(`${flag} needs a share from 0 to under 1 (0.1: one request in ten)`);
  return n;
}

function list<T extends string>(raw: string | undefined, flag: string, allowed: readonly T[]): T[] {
  if (!raw) throw new UsageError(`${flag} needs a value`);
  return raw.split(',').map((v) => {
    if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${flag}: unknown "${v}" (one of ${allowed.join(', ')})`);
    return v as T;
  });
}

function url(raw: string | undefined, flag: string, schemes: string[]): string {
  let parsed: URL | null = null;
  try {
    parsed = new URL(raw ?? '');
  } catch {
    // reported below
  }
  if (!parsed || !schemes.includes(parsed.protocol)) throw new UsageError(`${flag} needs a ${schemes[0]}// URL`);
  return raw as string;
}

export function parseArgs(argv: string[]): BenchOptions | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const o = defaultOptions(argv.includes('--quick'));
  o.argv = argv;
  let scenarios: ScenarioName[] | null = null;
  let peers: PeerName[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = (): string | undefined => argv[++i];
    switch (flag) {
      case '--quick':
        break;
      case '--scenario':
        scenarios = [...(scenarios ?? []), ...list(value(), flag, SCENARIOS)];
        break;
      case '--peer':
        peers = [...(peers ?? []), ...list(value(), flag, PEERS)];
        break;
      case '--out':
        o.out = value() ?? '';
        if (!o.out) throw new UsageError('--out needs a file');
        break;
      case '--doc':
        o.doc = value() ?? null;
        if (!o.doc) throw new UsageError('--doc needs a file');
        break;
      case '--no-doc':
        o.doc = null;
        break;
      case '--workers':
        o.workers = Math.round(positive(value(), flag));
        break;
      case '--receivers':
        o.fanout.receivers = o.saturate.receivers = o.cluster.receivers = Math.round(positive(value(), flag));
        break;
      case '--rate':
        o.fanout.rate = o.cluster.rate = positive(value(), flag);
        break;
      case '--duration':
        o.fanout.durationMs = o.rooms.durationMs = o.cluster.durationMs = positive(value(), flag) * 1000;
        break;
      case '--step':
        o.saturate.search.stepMs = o.rooms.search.stepMs = o.cost.search.stepMs = o.cluster.search.stepMs = positive(value(), flag) * 1000;
        break;
      case '--idle-connections':
        o.idle.connections = Math.round(positive(value(), flag));
        break;
      case '--resume-clients':
        o.resume.clients = Math.round(positive(value(), flag));
        break;
      case '--cost-deadline':
        o.cost.deadlineMs = positive(value(), flag) * 1000;
        break;
      case '--flood-rate':
        o.fairness.floodRate = positive(value(), flag);
        if (o.fairness.floodRate > 100_000) throw new UsageError(`${flag}: at most 100000`);
        break;
      case '--flood-duration':
        o.fairness.phaseMs = positive(value(), flag) * 1000;
        if (o.fairness.phaseMs > 60_000) throw new UsageError(`${flag}: at most 60`);
        break;
      case '--database-url':
        o.cluster.databaseUrl = url(value(), flag, ['postgres:', 'postgresql:']);
        break;
      case '--redis-url':
        o.cluster.redisUrl = url(value(), flag, ['redis:', 'rediss:']);
        break;
      case '--repeat': {
        const n = Math.round(positive(value(), flag));
        if (n > 9) throw new UsageError('--repeat: at most 9');
        o.repeats = Object.fromEntries(SCENARIOS.map((s) => [s, n]));
        break;
      }
      case '--reactions':
        o.reactions = share(value(), flag);
        break;
      case '--edits':
        o.edits = share(value(), flag);
        break;
      case '--server-dir':
        o.serverDir = value() ?? null;
        if (!o.serverDir) throw new UsageError(`${flag} needs a directory`);
        o.serverDir = resolve(o.serverDir);
        break;
      case '--search-messages':
        o.search.messages = Math.round(positive(value(), flag));
        if (o.search.messages > 50_000_000) throw new UsageError(`${flag}: at most 50000000`);
        break;
      case '--search-stores':
        o.search.stores = list(value(), flag, ['sqlite', 'postgres'] as const);
        break;
      case '--search-requests':
        o.search.requests = Math.round(positive(value(), flag));
        if (o.search.requests > 100_000) throw new UsageError(`${flag}: at most 100000`);
        break;
      case '--search-keep':
        o.search.keep = true;
        break;
      case '--sizes':
        o.cost.sizes = (value() ?? '').split(',').map((v) => Math.round(positive(v, flag)));
        break;
      default:
        try {
          if (parseCostFlag(o, flag, value, positive, (raw, f) => list(raw, f, ['sqlite', 'postgres'] as const))) break;
          if (parseStormFlag(o.storm, flag, value, positive, (raw, f) => list(raw, f, STORM_SETUPS))) break;
        } catch (err) {
          throw err instanceof RangeError ? new UsageError(err.message) : err;
        }
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (o.reactions + o.edits >= 1) throw new UsageError('--reactions and --edits together must be under 1 (some requests must be sends)');
  if (o.storm.rooms > o.storm.clients) throw new UsageError('--storm-rooms: at most one room per client');
  if (scenarios) o.scenarios = SCENARIOS.filter((s) => scenarios.includes(s));
  if (peers) o.peers = PEERS.filter((p) => peers.includes(p));
  return o;
}
