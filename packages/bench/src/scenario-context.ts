// What every scenario is handed (the load generator, the options, the log) and what it returns or
// throws. The registry (scenarios/index.ts) adds the scenario, peer, status and wall time to the body.
import type { PeerName } from './adapters.js';
import type { LoadGenerator } from './load-generator.js';
import { generatorSummary } from './measure/generator-summary.js';
import type { BenchOptions } from './options.js';
import type { ScenarioResult } from './results.js';

export interface Context {
  gen: LoadGenerator;
  opts: BenchOptions;
  epoch: number;
  /** Which run of the scenario this is (0, 1, … with --repeat): a scenario of two halves alternates their order by it. */
  round: number;
  log(line: string): void;
}

export type Body = Omit<ScenarioResult, 'scenario' | 'peer' | 'status' | 'wallSeconds'> & { status?: 'error' };

/**
 * The body of a scenario measured part by part (stores, setups) without the load generator's
 * steps: an error naming the parts that failed, if any.
 */
export function partsBody(metrics: Record<string, number | null>, serverLog: string[], failures: string[]): Body {
  return {
    ...(failures.length ? { status: 'error' as const, reason: failures.join('; ') } : {}),
    metrics,
    generator: generatorSummary([], null),
    serverLog,
    disconnects: {},
  };
}

/** One scenario, run against one peer. */
export type Scenario = (ctx: Context, peer: PeerName) => Promise<Body>;

/** The clients could not all connect and join in time (Session.open). */
export class SetupError extends Error {}

/** The scenario does not apply here (the cluster scenario without PostgreSQL or Redis). */
export class NotApplicable extends Error {}
