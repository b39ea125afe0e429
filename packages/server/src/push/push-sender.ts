// Sends Web Pushes (RFC 8030/8291/8292 through the `web-push` package: aes128gcm, VAPID) off the
// message path: pushes wait in a bounded queue and go out a few at a time, so a slow or dead push
// service never delays a message's delivery. One push per subscription and room is queued at a
// time: a newer message of the room replaces the queued one (what the push service's Topic does
// for pushes it holds). 404/410 mean the browser unsubscribed: the subscription is deleted. 429
// and 5xx, and network failures, are retried after the service's Retry-After, or with backoff.
import webpush, { type Urgency, WebPushError } from 'web-push';
import type { Metrics } from '../metrics/metrics.js';
import type { PushStore, PushSubscriptionKeys, VapidKeyPair } from '../store/store.js';
import { EndpointRefused, type EndpointGuard } from './endpoint-guard.js';

export interface PushJob {
  subscription: PushSubscriptionKeys;
  /** The JSON to encrypt (push-payload.ts). */
  payload: string;
  /** RFC 8030 Topic: one per room. */
  topic: string;
  urgency: Urgency;
}

export interface PushSenderOptions {
  store: Pick<PushStore, 'deletePushSubscription'>;
  guard: EndpointGuard;
  vapid: VapidKeyPair & { subject: string };
  log: { warn(obj: object, msg: string): void };
  metrics?: Metrics;
  /** Pushes in flight at once. */
  concurrency?: number;
  /** Pushes waiting; more are dropped (counted as failed). */
  maxQueued?: number;
}

/** How long a push service keeps a push for an offline browser, in seconds. */
export const PUSH_TTL_SECONDS = 24 * 60 * 60;
/** Tries per push, the first included. */
export const MAX_ATTEMPTS = 4;
const REQUEST_TIMEOUT_MS = 15_000;
/** The longest wait a Retry-After may ask for; a longer one is taken as this. */
const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

interface Queued extends PushJob {
  attempt: number;
}

export class PushSender {
  /** Waiting pushes by subscription and topic, oldest first (Map keeps insertion order). */
  private readonly waiting = new Map<string, Queued>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private stopped = false;
  private droppedLogged = false;

  constructor(private readonly options: PushSenderOptions) {
    this.concurrency = options.concurrency ?? 4;
    this.maxQueued = options.maxQueued ?? 10_000;
  }

  /** Queues a push; returns at once. */
  enqueue(job: PushJob): void {
    this.queue({ ...job, attempt: 1 });
  }

  /** Pushes waiting or in flight (for tests and metrics). */
  get pending(): number {
    return this.waiting.size + this.inFlight.size + this.retries.size;
  }

  /** Stops sending: waiting pushes are dropped, those in flight finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    this.waiting.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private queue(job: Queued): void {
    if (this.stopped) return;
    const key = `${job.subscription.endpoint}\n${job.topic}`;
    // A newer push of the room replaces the waiting one (it keeps its place in the queue).
    if (!this.waiting.has(key) && this.waiting.size >= this.maxQueued) {
      this.options.metrics?.pushFailed.inc();
      if (!this.droppedLogged) this.options.log.warn({ queued: this.waiting.size }, 'push queue full: pushes dropped');
      this.droppedLogged = true;
      return;
    }
    this.waiting.set(key, job);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.inFlight.size < this.concurrency && this.waiting.size > 0) {
      const [key, job] = this.waiting.entries().next().value as [string, Queued];
      this.waiting.delete(key);
      const sending: Promise<void> = this.send(job).finally(() => {
        this.inFlight.delete(sending);
        this.pump();
      });
      this.inFlight.add(sending);
    }
    if (this.waiting.size === 0) this.droppedLogged = false;
  }

  private async send(job: Queued): Promise<void> {
    const { metrics, log } = this.options;
    try {
      this.options.guard.checkLiteral(job.subscription.endpoint);
      await webpush.sendNotification(
        { endpoint: job.subscription.endpoint, keys: { p256dh: job.subscription.p256dh, auth: job.subscription.auth } },
        job.payload,
        {
          vapidDetails: this.options.vapid,
          TTL: PUSH_TTL_SECONDS,
          urgency: job.urgency,
          topic: job.topic,
          contentEncoding: 'aes128gcm',
          agent: this.options.guard.agent,
          timeout: REQUEST_TIMEOUT_MS,
        },
      );
      metrics?.pushSent.inc();
    } catch (err) {
      const host = hostOf(job.subscription.endpoint);
      if (err instanceof EndpointRefused || (err as NodeJS.ErrnoException).code === 'EPUSHPRIVATE') {
        metrics?.pushFailed.inc();
        log.warn({ host }, 'push not sent: the endpoint is on a loopback or private address');
        return;
      }
      const status = err instanceof WebPushError ? err.statusCode : null;
      if (status === 404 || status === 410) {
        await this.options.store.deletePushSubscription(job.subscription.endpoint).catch(() => undefined);
        metrics?.pushRemoved.inc();
        return;
      }
      // Network failures and timeouts, too many requests, the service's own trouble. Anything else
      // (a key web-push cannot encrypt to, a 4xx) will not get better by trying again.
      const transient = status === null ? isNetworkError(err) : status === 429 || status >= 500;
      if (transient && job.attempt < MAX_ATTEMPTS) return this.retryLater(job, err instanceof WebPushError ? retryAfterMs(err.headers) : null);
      metrics?.pushFailed.inc();
      log.warn({ host, status, attempts: job.attempt }, 'push not sent');
    }
  }

  private retryLater(job: Queued, retryAfter: number | null): void {
    // 1 s, 4 s, 16 s… unless the service said when.
    const delay = retryAfter ?? 1000 * 4 ** (job.attempt - 1);
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      const key = `${job.subscription.endpoint}\n${job.topic}`;
      // A newer push of the room queued meanwhile says more than this one.
      if (!this.waiting.has(key)) this.queue({ ...job, attempt: job.attempt + 1 });
    }, delay);
    timer.unref();
    this.retries.add(timer);
  }
}

/** RFC 9110 Retry-After (seconds or an HTTP date) in ms, capped; null when absent or unreadable. */
export function retryAfterMs(headers: Record<string, string | string[] | undefined> | undefined, now = Date.now()): number | null {
  const raw = headers?.['retry-after'] ?? headers?.['Retry-After'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return null;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 0), MAX_RETRY_DELAY_MS);
}

/** A failure of the connection rather than of the push: a system error code, or web-push's own timeout. */
function isNetworkError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return (typeof code === 'string' && /^(E[A-Z_]+|UND_ERR_\w+)$/.test(code)) || (err as Error).message === 'Socket timeout';
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return '?';
  }
}
