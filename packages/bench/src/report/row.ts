// One row of the summary table (table.ts): a scenario's metric, how it is shown, which way is better.
import type { ScenarioName } from '../results.js';

export interface Row {
  scenario: ScenarioName;
  metric: string;
  label: string;
  better: 'higher' | 'lower' | '';
  unit?: (v: number) => string;
  /** Cluster, rooms-changes, fairness, upload and myrooms rows: chat's value is also shown ÷ this metric's, named baseLabel. */
  base?: string;
  baseLabel?: string;
  /** rooms-changes: the ratio to show instead of value ÷ base (the median of each run's ratio). */
  ratio?: string;
}
