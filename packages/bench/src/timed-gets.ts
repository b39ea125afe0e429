// Times one GET from an HTTP client, over and over, as a user with a bearer token would send it:
// a few warm-up requests, then `requests` more, `concurrency` in flight (default 1, one after the
// other), on keep-alive connections to 127.0.0.1. Latency is the whole request as the client sees
// it, up to the parsed JSON. Shared by the search and myrooms latencies, which differ only in what
// they read from the answers.
import { round } from './format.js';
import { Histogram } from './histogram.js';

export interface GetLatency {
  /** Timed answers (200s after the warm-up). */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers other than 200. */
  failed: number;
}

export interface GetOptions {
  requests: number;
  warmup: number;
  concurrency?: number;
}

/**
 * GETs `path` (after the port's `/`) `o.warmup + o.requests` times; `onAnswer` sees the body of
 * every 200, warm-ups too. Throws when no timed request got a 200.
 */
export async function timeGets<T>(port: number, path: string, token: string, o: GetOptions, onAnswer: (body: T) => void): Promise<GetLatency> {
  const url = `http://127.0.0.1:${port}/${path}`;
  const headers = { authorization: `Bearer ${token}` };
  const hist = Histogram.empty();
  let failed = 0;
  let firstError = '';
  const one = async (record: boolean): Promise<void> => {
    const started = process.hrtime.bigint();
    const res = await fetch(url, { headers });
    const body = (await res.json()) as T;
    const us = Number(process.hrtime.bigint() - started) / 1000;
    if (res.status !== 200) {
      failed++;
      firstError ||= `${res.status} ${JSON.stringify(body).slice(0, 200)}`;
      return;
    }
    onAnswer(body);
    if (record) hist.record(us);
  };
  const run = async (count: number, record: boolean): Promise<void> => {
    let left = count;
    const lane = async (): Promise<void> => {
      while (left > 0) {
        left--;
        await one(record);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 1) }, lane));
  };
  await run(o.warmup, false);
  await run(o.requests, true);
  if (hist.count === 0) throw new Error(`GET ${path}: every request failed (${firstError})`);
  return {
    requests: hist.count,
    p50Ms: round(hist.quantileUs(0.5) / 1000, 2),
    p99Ms: round(hist.quantileUs(0.99) / 1000, 2),
    maxMs: round(hist.maxUs / 1000, 2),
    failed,
  };
}
