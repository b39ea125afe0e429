// The load generator as the main thread sees it: a few worker threads, each holding a share of
// the clients (client i lives on worker i % workers), driven by commands.
import { Worker } from 'node:worker_threads';
import type { ConnectSpec, PeerName } from './adapters.js';
import { NO_CHANGES, type ChangeMix } from './changes.js';
import { Histogram } from './histogram.js';
import { addCounts, mergeConnectResults, sumFields } from './sums.js';
import type { ConnectResult, SendResult, SenderSpec, WorkerCommand, WorkerReply, WorkerStats } from './worker-protocol.js';

export type Command = WorkerCommand extends infer C ? (C extends WorkerCommand ? Omit<C, 'id'> : never) : never;

/** All workers' stats summed: the same counters, with each worker's CPU and merged histograms. */
export type GeneratorStats = Omit<WorkerStats, 'cpuSeconds' | 'hist' | 'catchUp'> & {
  /** CPU seconds of each worker thread so far. */
  workerCpuSeconds: number[];
  hist: Histogram;
  catchUp: Histogram;
};

export interface ConnectOptions {
  /** Connections in flight at once, over all workers. */
  concurrency: number;
  timeoutMs: number;
  deadlineMs: number;
  resume?: boolean;
  t0Us?: number;
}

export class LoadGenerator {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (reply: WorkerReply) => {
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if (reply.ok) p.resolve(reply.result);
        else p.reject(new Error(`worker: ${reply.error}`));
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    }
  }

  static start(count: number): LoadGenerator {
    const url = new URL('./worker.js', import.meta.url);
    return new LoadGenerator(Array.from({ length: count }, () => new Worker(url)));
  }

  get size(): number {
    return this.workers.length;
  }

  workerOf(index: number): number {
    return index % this.workers.length;
  }

  private call<T>(worker: number, cmd: Command): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      (this.workers[worker] as Worker).postMessage({ ...cmd, id });
    });
  }

  /** One command per worker (none where `cmd` gives null), their answers in worker order. */
  all<T>(cmd: (worker: number) => Command | null): Promise<T[]> {
    return Promise.all(
      this.workers.map((_w, i) => {
        const c = cmd(i);
        return c ? this.call<T>(i, c) : Promise.resolve(null as T);
      }),
    );
  }

  /** The items by the worker their client lives on. */
  split<T extends { index: number }>(items: T[]): T[][] {
    const parts: T[][] = this.workers.map(() => []);
    for (const item of items) (parts[this.workerOf(item.index)] as T[]).push(item);
    return parts;
  }

  async connect(peer: PeerName, port: number, specs: ConnectSpec[], options: ConnectOptions): Promise<ConnectResult> {
    const parts = this.split(specs);
    const per = Math.max(1, Math.ceil(options.concurrency / this.workers.length));
    const results = await this.all<ConnectResult | null>((i) =>
      (parts[i] as ConnectSpec[]).length === 0
        ? null
        : {
            type: 'connect',
            peer,
            port,
            specs: parts[i] as ConnectSpec[],
            concurrency: per,
            timeoutMs: options.timeoutMs,
            deadlineMs: options.deadlineMs,
            resume: options.resume ?? false,
            ...(options.t0Us !== undefined ? { t0Us: options.t0Us } : {}),
          },
    );
    return mergeConnectResults(results);
  }

  async arm(epoch: number, perClientTarget = 0): Promise<void> {
    await this.all(() => ({ type: 'arm', epoch, perClientTarget }));
  }

  /**
   * Sends for durationMs, the mix's shares of the requests being reactions and edits (default
   * none); resolves with the messages each sender sent, by client index, and the reactions and
   * edits of all of them.
   */
  async send(epoch: number, senders: SenderSpec[], durationMs: number, textBytes: number, mix: ChangeMix = NO_CHANGES): Promise<{ messages: Map<number, number>; reactions: number; edits: number }> {
    const parts = this.split(senders);
    const results = await this.all<SendResult | null>((i) =>
      (parts[i] as SenderSpec[]).length === 0 ? null : { type: 'send', epoch, senders: parts[i] as SenderSpec[], durationMs, textBytes, mix },
    );
    const messages = new Map<number, number>();
    let reactions = 0;
    let edits = 0;
    results.forEach((r, w) => {
      r?.messages.forEach((n, k) => messages.set((parts[w] as SenderSpec[])[k]?.index as number, n));
      reactions += r?.reactions ?? 0;
      edits += r?.edits ?? 0;
    });
    return { messages, reactions, edits };
  }

  async stats(light = false): Promise<GeneratorStats> {
    const parts = await this.all<WorkerStats>(() => ({ type: 'stats', light }));
    const total: GeneratorStats = {
      ...sumFields(parts, ['received', 'outOfOrder', 'stale', 'ownEchoes', 'changes', 'editChanges', 'caughtUp', 'open']),
      lastRecvUs: Math.max(0, ...parts.map((s) => s.lastRecvUs)),
      disconnects: {},
      workerCpuSeconds: parts.map((s) => s.cpuSeconds),
      hist: new Histogram(),
      catchUp: new Histogram(),
    };
    for (const s of parts) {
      addCounts(total.disconnects, s.disconnects);
      if (s.hist) total.hist.merge(s.hist);
      if (s.catchUp) total.catchUp.merge(s.catchUp);
    }
    return total;
  }

  async workerCpuSeconds(): Promise<number[]> {
    return this.all<number>(() => ({ type: 'cpu' }));
  }

  /** Closes the given clients (all by default); `keep` remembers them for a resume. */
  async close(options: { indices?: number[]; graceful?: boolean; keep?: boolean } = {}): Promise<void> {
    const parts = options.indices ? this.split(options.indices.map((index) => ({ index }))) : null;
    await this.all((i) => ({
      type: 'close',
      indices: parts ? (parts[i] as { index: number }[]).map((p) => p.index) : undefined,
      graceful: options.graceful ?? false,
      keep: options.keep ?? false,
    }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
