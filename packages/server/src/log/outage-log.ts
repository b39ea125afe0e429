// One line when something starts failing and one when it works again, instead of one per failure
// (without it, during a Redis outage every failed publish logged its stack: about 6,000 lines and
// 5 MB per node in 10 s). The first failure of an outage is logged with its error; the
// later ones are only counted; the first success after them logs the count and how long it
// lasted. Both lines are errors: the second one is the report of the failures not logged singly.

export interface OutageLogger {
  error(obj: object, msg: string): void;
}

export interface OutageLogOptions {
  log: OutageLogger;
  /** What fails, as the lines name it (`bus publish`, `redis connection (presence)`); also their `component` field. */
  component: string;
  /** What the failures mean for users, appended to the first line (e.g. "other nodes miss these events"). */
  effect?: string;
  /** Milliseconds now; Date.now by default. */
  now?: () => number;
}

export class OutageLog {
  private readonly log: OutageLogger;
  private readonly component: string;
  private readonly effect: string;
  private readonly now: () => number;
  /** When the current outage began; null while things work. */
  private since: number | null = null;
  private failures = 0;

  constructor(options: OutageLogOptions) {
    this.log = options.log;
    this.component = options.component;
    this.effect = options.effect === undefined ? '' : ` (${options.effect})`;
    this.now = options.now ?? Date.now;
  }

  get failing(): boolean {
    return this.since !== null;
  }

  /** A failure: the first of an outage is logged with its error, later ones are counted. */
  failed(err: unknown): void {
    this.failures++;
    if (this.since !== null) return;
    this.since = this.now();
    this.log.error(
      { event: 'outage', component: this.component, err },
      `${this.component} failing${this.effect}; further failures are counted, not logged, until it works again`,
    );
  }

  /** A success: ends the outage under way, if any, with one line naming its count and duration. */
  recovered(): void {
    if (this.since === null) return;
    const ms = this.now() - this.since;
    const failures = this.failures;
    this.since = null;
    this.failures = 0;
    this.log.error(
      { event: 'outage_end', component: this.component, failures, ms },
      `${this.component} works again after ${failures} ${failures === 1 ? 'failure' : 'failures'} in ${(ms / 1000).toFixed(1)} s`,
    );
  }
}
