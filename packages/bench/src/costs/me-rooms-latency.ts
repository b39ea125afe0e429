// Times GET api/me/rooms from an HTTP client, one request at a time on a keep-alive connection to
// 127.0.0.1, with the account's bearer token: a few warm-up requests, then `requests` more. Latency
// is the whole request as a client sees it (the token's check, the store's query, the JSON). The
// last answer is summed up, so the caller can check it was the list it meant to measure.
import { round } from '../format.js';
import { Histogram } from '../histogram.js';

export interface MeRoomsLatency {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Rooms in the last answer. */
  rooms: number;
  /** Its `unread` and `mentions`, summed over the rooms. */
  unread: number;
  mentions: number;
  /** Answers other than 200. */
  failed: number;
}

interface Answer {
  rooms?: Array<{ unread: number; mentions: number }>;
}

export async function timeMeRooms(port: number, token: string, o: { requests: number; warmup: number }): Promise<MeRoomsLatency> {
  const url = `http://127.0.0.1:${port}/api/me/rooms`;
  const headers = { authorization: `Bearer ${token}` };
  const hist = Histogram.empty();
  let last: Answer = {};
  let failed = 0;
  let firstError = '';
  for (let i = 0; i < o.warmup + o.requests; i++) {
    const started = process.hrtime.bigint();
    const res = await fetch(url, { headers });
    const body = (await res.json()) as Answer;
    const us = Number(process.hrtime.bigint() - started) / 1000;
    if (res.status !== 200) {
      failed++;
      firstError ||= `${res.status} ${JSON.stringify(body).slice(0, 200)}`;
      continue;
    }
    last = body;
    if (i >= o.warmup) hist.record(us);
  }
  if (hist.count === 0) throw new Error(`GET api/me/rooms: every request failed (${firstError})`);
  const rooms = last.rooms ?? [];
  return {
    requests: hist.count,
    p50Ms: round(hist.quantileUs(0.5) / 1000, 2),
    p99Ms: round(hist.quantileUs(0.99) / 1000, 2),
    maxMs: round(hist.maxUs / 1000, 2),
    rooms: rooms.length,
    unread: rooms.reduce((a, r) => a + r.unread, 0),
    mentions: rooms.reduce((a, r) => a + r.mentions, 0),
    failed,
  };
}
