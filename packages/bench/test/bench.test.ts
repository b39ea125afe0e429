// Runs the benchmark's quick mode once, as `npm run bench -- --quick` would (the built
// packages/bench/dist/run.js, against the built server), and checks that the harness measured
// every scenario against every peer. No timing is asserted: the machine may be busy with other tests.
// The fairness scenario is left to fairness.test.ts, which checks more of it (one run of it is enough),
// the search scenario (not in the default run) to search.test.ts, with a tiny fill, rooms-changes
// (not in the default run either) to changes-load.test.ts, upload and myrooms to costs.test.ts, and
// the restart storm (named only) to storm.test.ts.
// The cluster scenario needs PostgreSQL and Redis (127.0.0.1:5432 and :6379): without them it must
// report n/a (and CI fails); with them it must deliver everything and leave no schema or key behind.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEERS } from '../src/adapters.js';
import { defaultOptions } from '../src/options.js';
import { CLUSTER_SETUPS, SCENARIOS, type BenchResults, type ScenarioName } from '../src/results.js';
import { notApplicable } from '../src/scenarios/index.js';
import { buildBench, reachable, RUN, runBench } from './run-bench.js';

const SERVER = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url));

/** Run by tests of their own: fairness.test.ts, search.test.ts, changes-load.test.ts, costs.test.ts (upload, myrooms) and storm.test.ts. */
const OWN_TESTS = ['fairness', 'search', 'rooms-changes', 'upload', 'myrooms', 'storm'] as const;
type Checked = Exclude<ScenarioName, (typeof OWN_TESTS)[number]>;
const CHECKED = SCENARIOS.filter((s): s is Checked => !(OWN_TESTS as readonly string[]).includes(s));

/** Numbers each measured (scenario, peer) must carry. */
const REQUIRED: Record<Checked, string[]> = {
  fanout: ['deliveriesPerSec', 'expectedPerSec', 'p50Ms', 'p99Ms', 'maxMs', 'lost', 'outOfOrder', 'serverCpuPer100k', 'serverPeakRssMiB'],
  saturate: ['maxDeliveriesPerSec', 'steps', 'serverPeakRssMiB'],
  rooms: ['deliveriesPerSec', 'p50Ms', 'p99Ms', 'lost', 'outOfOrder', 'serverCpuPer100k', 'maxDeliveriesPerSec', 'serverPeakRssMiB'],
  idle: ['connected', 'connectSeconds', 'connectsPerSec', 'serverCpuSecondsToConnect', 'generatorCpuSecondsToConnect', 'rssPerConnKiB', 'serverPeakRssMiB'],
  resume: ['caughtUp', 'catchUpSeconds', 'catchUpP99Ms', 'deliveries', 'lost', 'outOfOrder'],
  cost: ['maxDeliveriesPerSec@10', 'maxDeliveriesPerSec@100', 'serverCpuPer100kAtLoad@10', 'serverCpuPer100kAtLoad@100'],
  cluster: [
    ...CLUSTER_SETUPS.flatMap((setup) =>
      ['nodes', 'deliveriesPerSec', 'p50Ms', 'p99Ms', 'lost', 'outOfOrder', 'serverCpuPer100k', 'maxDeliveriesPerSec', 'serverPeakRssMiB'].map((m) => `${m}@${setup}`),
    ),
    'servicesCpuPer100k@postgres',
    'servicesCpuPer100k@cluster',
  ],
};

const { databaseUrl: DATABASE_URL, redisUrl: REDIS_URL } = defaultOptions(true).cluster;

/** The schemas and Redis keys a run (by its pid) left behind. */
async function leftovers(pid: number): Promise<string[]> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const schemas = await db.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`chat\\_bench\\_${pid}\\_%`]);
    await redis.connect();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `chat_bench_${pid}_*`, 'COUNT', 500);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    return [...schemas.rows.map((r) => `schema ${r.nspname}`), ...keys.map((k) => `key ${k}`)];
  } finally {
    await db.end();
    redis.disconnect();
  }
}

const STEP_FIELDS = ['targetPerSec', 'deliveriesPerSec', 'p50Ms', 'p99Ms', 'maxMs', 'lost', 'outOfOrder', 'serverCpuPer100k', 'serverCpuPct', 'generatorCpuPct'] as const;

const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The run is the compiled harness: bring it up to date with its source (a no-op when it is).
beforeAll(buildBench, 120_000);

describe('npm run bench -- --quick', () => {
  it('measures every scenario against every peer and writes JSON, a table and a chart', async () => {
    expect(existsSync(RUN), `${RUN} is missing: build first (npm run build)`).toBe(true);
    expect(existsSync(SERVER), `${SERVER} is missing: build first (npm run build)`).toBe(true);
    const services = (await reachable(DATABASE_URL)) && (await reachable(REDIS_URL));
    if (!services && process.env.CI === 'true') throw new Error(`CI needs PostgreSQL at ${DATABASE_URL} and Redis at ${REDIS_URL}`);
    if (!services) console.log(`skipped: the cluster scenario (PostgreSQL at ${DATABASE_URL} or Redis at ${REDIS_URL} not reachable)`);
    const out = join(dir, 'quick.json');
    const { code, output, pid } = await runBench(['--quick', '--scenario', CHECKED.join(','), '--out', out, '--no-doc'], 150_000);
    expect(code, output).toBe(0);

    const results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    expect(results.quick).toBe(true);
    expect(results.machine.nproc).toBeGreaterThan(0);
    for (const scenario of CHECKED) {
      for (const peer of PEERS) {
        const r = results.results.find((x) => x.scenario === scenario && x.peer === peer);
        expect(r, `${scenario} × ${peer} missing`).toBeDefined();
        if (!r) continue;
        if (notApplicable(scenario, peer) || (scenario === 'cluster' && !services)) {
          expect(r.status, `${scenario} × ${peer}`).toBe('n/a');
          continue;
        }
        expect(r.status, `${scenario} × ${peer}: ${r.reason ?? ''}\n${output}`).toBe('ok');
        for (const field of REQUIRED[scenario]) {
          const v = r.metrics[field];
          expect(typeof v === 'number' && Number.isFinite(v), `${scenario} × ${peer}: ${field} = ${String(v)}`).toBe(true);
        }
        for (const step of [...(r.steps ?? []), ...(r.setups ?? []).flatMap((x) => x.steps)]) {
          for (const field of STEP_FIELDS) expect(Number.isFinite(step[field]), `${scenario} × ${peer} step ${field}`).toBe(true);
        }
        expect(Number.isFinite(r.generator.maxGeneratorCpuPct)).toBe(true);
      }
    }

    // At a low rate our server must deliver everything, in order.
    const fanout = results.results.find((x) => x.scenario === 'fanout' && x.peer === 'chat');
    expect(fanout?.metrics.deliveriesPerSec).toBeGreaterThan(0);
    expect(fanout?.metrics.lost).toBe(0);
    expect(fanout?.metrics.outOfOrder).toBe(0);
    const resume = results.results.find((x) => x.scenario === 'resume' && x.peer === 'chat');
    expect(resume?.metrics.caughtUp).toBe(resume?.metrics.clients);

    // On PostgreSQL, and as two nodes whose receivers are split over both (so half the deliveries
    // cross Redis), our server must deliver everything at a low rate, in order; and the run must
    // have removed its schemas and Redis keys.
    if (services) {
      const cluster = results.results.find((x) => x.scenario === 'cluster' && x.peer === 'chat');
      expect(cluster?.setups?.map((x) => `${x.setup}: ${x.status} ${x.reason ?? ''}`.trim())).toEqual(CLUSTER_SETUPS.map((x) => `${x}: ok`));
      expect(cluster?.metrics['nodes@cluster']).toBe(2);
      for (const setup of ['postgres', 'cluster']) {
        expect(cluster?.metrics[`deliveriesPerSec@${setup}`], setup).toBeGreaterThan(0);
        expect(cluster?.metrics[`lost@${setup}`], setup).toBe(0);
        expect(cluster?.metrics[`outOfOrder@${setup}`], setup).toBe(0);
      }
      expect(await leftovers(pid)).toEqual([]);
    }

    // Every peer comes with a ratio for chat against it.
    expect(Object.keys(results.ratios.saturate?.maxDeliveriesPerSec ?? {}).sort()).toEqual(PEERS.filter((p) => p !== 'chat').sort());

    const table = readFileSync(join(dir, 'quick.md'), 'utf8');
    expect(table).toContain('| scenario | metric | better | chat |');
    const svg = readFileSync(join(dir, 'quick.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  }, 180_000);
});
