// The scenarios, one file each, and the registry that runs one against one peer. Each runs in a
// fresh server process (a saturation search opens another only if the server dropped clients or
// died) and returns numbers only; the cluster scenario's setups run one or two nodes on SQLite,
// PostgreSQL and Redis. A new scenario: a file here, its name in SCENARIOS (results.ts), its entry
// below.
import { ADAPTERS, type PeerName } from '../adapters.js';
import { round } from '../format.js';
import { generatorSummary } from '../measure/generator-summary.js';
import type { ScenarioName, ScenarioResult } from '../results.js';
import { NotApplicable, type Context, type Scenario } from '../scenario-context.js';
import { cluster } from './cluster.js';
import { cost } from './cost.js';
import { fairness } from './fairness.js';
import { fanout } from './fanout.js';
import { idle } from './idle.js';
import { resume } from './resume.js';
import { rooms } from './rooms.js';
import { roomsChanges } from './rooms-changes.js';
import { saturate } from './saturate.js';
import { myRooms } from './my-rooms.js';
import { search } from './search.js';
import { uploadScenario } from './upload.js';
import { storm } from './storm.js';

const RUNNERS: Record<ScenarioName, Scenario> = { fanout, saturate, rooms, 'rooms-changes': roomsChanges, idle, resume, cost, cluster, fairness, search, upload: uploadScenario, myrooms: myRooms, storm };

/** Why a scenario does not apply to a peer, or null. */
export function notApplicable(scenario: ScenarioName, peer: PeerName): string | null {
  const adapter = ADAPTERS[peer];
  if (scenario === 'rooms-changes' && !adapter.changes) return 'our server only: the others have no reactions or edits';
  if (scenario === 'rooms' && !adapter.rooms) return 'no rooms: the tutorial broadcaster sends every message to every client';
  if (scenario === 'resume' && !adapter.history) return 'no history: a client that reconnects cannot get what it missed';
  if (scenario === 'cluster' && peer !== 'chat') return 'our server only: what running it as a cluster costs and buys';
  if (scenario === 'fairness' && peer !== 'chat') return 'our server only: what its limits leave one abusive connection';
  if (scenario === 'search' && peer !== 'chat') return 'our server only: the others keep no history to search';
  if (scenario === 'upload' && peer !== 'chat') return 'our server only: the others take no files';
  if (scenario === 'myrooms' && peer !== 'chat') return 'our server only: the others keep no room lists or read markers';
  if (scenario === 'storm' && peer !== 'chat') return 'our server only: the others keep no history to resume from';
  return null;
}

export async function runScenario(ctx: Context, scenario: ScenarioName, peer: PeerName): Promise<ScenarioResult> {
  const started = Date.now();
  const base = { scenario, peer, metrics: {}, generator: generatorSummary([], null), serverLog: [], disconnects: {} };
  const na = notApplicable(scenario, peer);
  if (na) return { ...base, status: 'n/a', reason: na, wallSeconds: 0 };
  ctx.log(`${scenario} × ${peer}`);
  try {
    const body = await RUNNERS[scenario](ctx, peer);
    return { scenario, peer, status: 'ok', wallSeconds: round((Date.now() - started) / 1000, 1), ...body };
  } catch (err) {
    if (err instanceof NotApplicable) {
      ctx.log(`  ${peer}: n/a: ${err.message}`);
      return { ...base, status: 'n/a', reason: err.message, wallSeconds: round((Date.now() - started) / 1000, 1) };
    }
    ctx.log(`  ${peer}: ERROR ${(err as Error).message}`);
    return { ...base, status: 'error', reason: (err as Error).message, wallSeconds: round((Date.now() - started) / 1000, 1) };
  }
}
