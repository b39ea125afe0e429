// Adding up what each worker (or each step) answers into one answer: the counters summed, the
// counts by kind added key by key. The load generator's and the storm's answers differ in their
// fields but are summed the same way; the scenarios add up their steps' disconnects by reason.
import type { ConnectResult } from './worker-protocol.js';

/** The keys of T whose values are numbers. */
type NumberKey<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];

/** Each named number field summed over the parts (0 for none). */
export function sumFields<T, K extends NumberKey<T>>(parts: readonly T[], keys: readonly K[]): Record<K, number> {
  const sums = {} as Record<K, number>;
  for (const k of keys) {
    sums[k] = 0;
    for (const p of parts) sums[k] += p[k] as number;
  }
  return sums;
}

/** Adds each count of `from` into `into`, by key (errors or disconnects by kind). */
export function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** The workers' connect answers as one (null: a worker that had no clients to connect). */
export function mergeConnectResults(results: ReadonlyArray<ConnectResult | null>): ConnectResult {
  const done = results.filter((r): r is ConnectResult => r !== null);
  const merged: ConnectResult = { ...sumFields(done, ['connected', 'failed', 'skipped']), errors: {}, elapsedMs: Math.max(0, ...done.map((r) => r.elapsedMs)) };
  for (const r of done) addCounts(merged.errors, r.errors);
  return merged;
}
