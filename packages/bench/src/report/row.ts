// One row of the summary table (table.ts): a scenario's metric, how it is shown, which way is better.
import type { ScenarioName } from '../results.js';

export interface Row {
  scenario: ScenarioName;
  metric: string;
  label: string;
  better: 'higher' | 'lower' | '';
  unit?: (v: number) => string;
  /** Cluster, rooms-changes, fairness, upload, myrooms and storm rows: chat's value is also shown ÷ this metric's, named baseLabel. */
  base?: string;
  baseLabel?: string;
  /** A `lost` row: the metric shown after the slash (default: out of order). */
  pair?: string;
  /** rooms-changes: the ratio to show instead of value ÷ base (the median of each run's ratio). */
  ratio?: string;
}
