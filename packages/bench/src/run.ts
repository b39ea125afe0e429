#!/usr/bin/env node
// npm run bench [-- options]: every scenario against every peer, each in a fresh server process on
// 127.0.0.1 (the cluster scenario also uses PostgreSQL and Redis); writes JSON results, a markdown
// table and an SVG chart, and docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { ADAPTERS } from './adapters.js';
import { changeShare, describeMix } from './changes.js';
import { LoadGenerator } from './load-generator.js';
import { parseArgs, USAGE, UsageError, type BenchOptions } from './options.js';
import { chatEnv, chatMainIn, PeerProcess, useChatMain } from './peer-process.js';
import { describeMachine } from './proc.js';
import { dropAllScratch, shown } from './services.js';
import { foldRuns } from './repeat.js';
import { svgChart } from './report/chart.js';
import { details, generatorTable } from './report/details.js';
import { generatedSection, updateDoc } from './report/doc.js';
import { computeRatios, markdownTable, rowsFor } from './report/table.js';
import type { BenchResults, ScenarioResult } from './results.js';
import type { Context } from './scenario-context.js';
import { runScenario } from './scenarios/index.js';

/** The commit measured (--server-dir: that checkout's), and whether the server or protocol had uncommitted changes. */
function source(dir: string | null): BenchResults['source'] {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], ...(dir ? { cwd: dir } : {}) }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--', 'packages/server', 'packages/protocol') !== '' };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

function settings(o: BenchOptions): Record<string, unknown> {
  const env = chatEnv(0, '<fresh temp dir>');
  delete (env as Partial<typeof env>).PORT;
  return {
    workers: o.workers,
    textBytes: o.textBytes,
    connectConcurrency: o.connectConcurrency,
    p99LimitMs: o.p99LimitMs,
    lossLimit: o.lossLimit,
    drainMs: o.drainMs,
    setupDeadlineMs: o.setupDeadlineMs,
    fanout: o.fanout,
    saturate: o.saturate,
    rooms: o.rooms,
    idle: o.idle,
    resume: o.resume,
    cost: o.cost,
    cluster: { ...o.cluster, databaseUrl: shown(o.cluster.databaseUrl), redisUrl: shown(o.cluster.redisUrl) },
    fairness: o.fairness,
    search: o.search,
    upload: o.upload,
    myRooms: o.myRooms,
    storm: o.storm,
    repeats: o.repeats,
    reactions: o.reactions,
    edits: o.edits,
    serverDir: o.serverDir,
    argv: o.argv,
    chatEnv: env,
  };
}

async function main(): Promise<number> {
  let opts: BenchOptions | 'help';
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const chatMain = chatMainIn(opts.serverDir);
  if (opts.peers.includes('chat') && !existsSync(chatMain)) {
    process.stderr.write(`${chatMain} is missing: run npm run build ${opts.serverDir ? `in ${opts.serverDir} ` : ''}first\n`);
    return 2;
  }
  useChatMain(chatMain);
  const o = opts;
  const started = new Date();
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  log(`bench: ${o.quick ? 'quick' : 'full'} run, scenarios ${o.scenarios.join(', ')}; peers ${o.peers.join(', ')}`);
  if (o.serverDir) log(`  chat server: ${chatMain}`);
  const mix = { reactions: o.reactions, edits: o.edits };
  if (changeShare(mix) > 0) {
    const without = o.peers.filter((p) => !ADAPTERS[p].changes);
    log(`  changes: ${describeMix(mix)} of each sender's requests, our server only${without.length ? ` (${without.join(', ')}: no reactions or edits, sends only)` : ''}; not in cluster`);
  }
  const gen = LoadGenerator.start(o.workers);
  const ctx: Context = { gen, opts: o, epoch: 0, round: 0, log };
  const results: ScenarioResult[] = [];
  const rows = rowsFor(o);
  const machine = describeMachine();
  const measured = source(o.serverDir);
  const command = `node ${relative(process.cwd(), process.argv[1] ?? 'packages/bench/dist/run.js') || 'run.js'}${o.argv.length ? ` ${o.argv.join(' ')}` : ''}`;
  const snapshot = (): BenchResults => ({
    tool: '@chat/bench',
    version: 1,
    quick: o.quick,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: Math.round((Date.now() - started.getTime()) / 100) / 10,
    machine,
    source: measured,
    command,
    settings: settings(o),
    scenarios: o.scenarios,
    peers: o.peers,
    results,
    ratios: computeRatios(results, rows, o.peers),
  });
  mkdirSync(dirname(o.out), { recursive: true });
  try {
    for (const scenario of o.scenarios) {
      const runs = new Map(o.peers.map((peer) => [peer, [] as ScenarioResult[]]));
      const repeats = o.repeats[scenario] ?? 1;
      for (let round = 0; round < repeats; round++) {
        // Every other round in reverse, so that no peer always runs first while the machine drifts.
        for (const peer of round % 2 ? [...o.peers].reverse() : o.peers) {
          if (repeats > 1) log(`${scenario} × ${peer}: run ${round + 1} of ${repeats}`);
          ctx.round = round;
          runs.get(peer)?.push(await runScenario(ctx, scenario, peer));
        }
      }
      for (const peer of o.peers) results.push(foldRuns(runs.get(peer) ?? []));
      // Written after every scenario, so a run cut short still leaves what it measured.
      writeFileSync(o.out, `${JSON.stringify(snapshot(), null, 2)}\n`);
    }
  } finally {
    await gen.stop();
  }
  const final = snapshot();
  writeFileSync(o.out, `${JSON.stringify(final, null, 2)}\n`);
  const stem = o.out.replace(/\.json$/, '');
  const svgFile = `${stem}.svg`;
  writeFileSync(svgFile, svgChart(final));
  const table = markdownTable(final);
  writeFileSync(`${stem}.md`, `# Benchmark results (${final.startedAt})\n\n${table}\n\n![chart](${basename(svgFile)})\n\n## Load generator CPU\n\n${generatorTable(final)}\n\n## Details\n\n${details(final)}\n`);
  if (o.doc) {
    const chart = join(dirname(o.doc), basename(o.doc).replace(/\.md$/, '.svg'));
    writeFileSync(chart, svgChart(final));
    writeFileSync(o.doc, updateDoc(o.doc, generatedSection(final, basename(chart))));
    log(`wrote ${relative(process.cwd(), o.doc)} and ${relative(process.cwd(), chart)}`);
  }
  log(`\n${table}\n`);
  log(`wrote ${relative(process.cwd(), o.out)}, ${relative(process.cwd(), `${stem}.md`)}, ${relative(process.cwd(), svgFile)} in ${final.wallSeconds} s`);
  return results.some((r) => r.status === 'error') ? 1 : 0;
}

// A signal stops the servers this run started, and drops the cluster scenario's schemas and Redis
// keys, before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    PeerProcess.killAll();
    void dropAllScratch(10_000).finally(() => process.exit(130));
  });
}
process.once('exit', () => PeerProcess.killAll());

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    PeerProcess.killAll();
    void dropAllScratch(10_000);
    process.exitCode = 1;
  },
);
