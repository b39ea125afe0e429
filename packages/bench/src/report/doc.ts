// The generated part of docs/benchmarks.md, and the page with it replaced.
import { existsSync, readFileSync } from 'node:fs';
import type { BenchOptions } from '../options.js';
import type { BenchResults } from '../results.js';
import { details, generatorTable } from './details.js';
import { markdownTable } from './table.js';

export const BEGIN = '<!-- bench:begin: written by `npm run bench`; edit outside these markers -->';
export const END = '<!-- bench:end -->';

export function generatedSection(results: BenchResults, chartFile: string): string {
  const m = results.machine;
  const o = results.settings as unknown as BenchOptions;
  const chatEnv = (results.settings as { chatEnv?: Record<string, string> }).chatEnv ?? {};
  const c = (results.settings as { cluster?: BenchOptions['cluster'] }).cluster;
  const clusterNote =
    c && results.scenarios.includes('cluster')
      ? `\nThe \`cluster\` scenario also runs it with \`DATABASE_URL\` = a fresh schema in \`${c.databaseUrl}\` (one node),
and as two nodes with \`REDIS_URL=${c.redisUrl}\` and a fresh \`REDIS_PREFIX\` as well; schemas and keys are removed afterwards.`
      : '';
  const fairnessNote = results.scenarios.includes('fairness')
    ? '\nThe `fairness` scenario runs it with its shipped limits instead: only `PORT`, `HOST`, `DATA_DIR` and `LOG_LEVEL=warn` are set.'
    : '';
  return `${BEGIN}

## Latest run

${results.startedAt}, ${Math.round(results.wallSeconds)} s, commit \`${results.source?.commit ?? 'unknown'}\`${results.source?.dirty ? ' with uncommitted changes in the server' : ''}${results.quick ? ', **quick mode** (toy sizes: proves the harness, measures nothing)' : ''}.

**Machine:** \`nproc\` = ${m.nproc}, ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. The servers and
the load generator share these cores, all on 127.0.0.1.

**Commands:**

\`\`\`sh
npm ci
npm run bench${o.argv?.length ? ` -- ${o.argv.join(' ')}` : ''}
# which runs: npm run build && tsc -b packages/bench && ${results.command}
\`\`\`

Our server ran as \`node packages/server/dist/main.js\` with
${Object.entries(chatEnv).map(([k, v]) => `\`${k}=${v}\``).join(', ')}: it **stores every message in SQLite and
fsyncs it** (WAL, \`synchronous=FULL\`, group commit) before delivering it. The peers keep nothing.${clusterNote}${fairnessNote}
Load generator: ${o.workers} worker threads, ${o.textBytes}-character texts; a step passes with p99 ≤ ${o.p99LimitMs} ms,
at most ${(o.lossLimit * 100).toFixed(1)} % lost (not delivered within ${o.drainMs / 1000} s of the end of sending), no client
dropped by the server, and the generator sending at least 97 % of its target.

### Results

Each peer cell reads "the peer's value (chat ÷ peer)". For "better: higher" a ratio above 1 is chat
ahead; for "better: lower" a ratio below 1 is chat ahead.${results.scenarios.includes('cluster') ? ' The `cluster` rows compare our server with\nitself: PostgreSQL and two nodes against SQLite (the setup ÷ SQLite).' : ''}${results.scenarios.includes('fairness') ? ' The `fairness` rows too: each flood against\nthe idle phase (the flood ÷ idle).' : ''}

${markdownTable(results)}

![saturate and cost-curve runs](${chartFile})

### Load generator CPU

CPU as % of one core (this machine has ${m.nproc}), measured from /proc for the server and with
\`process.cpuUsage()\` for the generator (all its threads). The generator counts as saturated in a
step when it used 90 % or more of the CPU the server left over, or one of its threads a whole core:
that step then measured the generator as much as the server. A Node server runs on one thread,
so a server near 100 % was the bottleneck.

${generatorTable(results)}

### Details

${details(results)}

${END}`;
}

const DOC_HEAD = `# Benchmarks

How our server compares with what users would otherwise run: the tutorial's two broadcasters
(\`ws\` and \`nodejs-websocket\`) and Socket.IO 4 with rooms, under the scenarios below. The
harness lives in \`packages/bench\` (\`npm run bench\`; \`npm run bench -- --quick\` for a smoke run).
Everything between the markers below is rewritten by each full run.
`;

/** The page with its generated section replaced (or appended), keeping everything outside it. */
export function updateDoc(path: string, section: string): string {
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const begin = old.indexOf('<!-- bench:begin');
  const end = old.indexOf(END);
  if (begin >= 0 && end > begin) return old.slice(0, begin) + section + old.slice(end + END.length);
  return `${old.trim() ? old.trimEnd() : DOC_HEAD}\n\n${section}\n`;
}
