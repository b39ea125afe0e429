// `send`: membership, mute and the send rates (per user, then per address), then the group commit:
// the messages that arrive while one commit is under way are stored together in the next, then
// published, then acked. docs/protocol.md, `send` → `ack` and Send → ack → message.
import type { ClientFrame } from '@chat/protocol';
import type { Metrics } from '../metrics/metrics.js';
import type { RateLimit } from '../rate-limit/rate-limit.js';
import type { AppendResult, NewMessage, Store } from '../store/store.js';
import { StoreWriteError } from '../store/store.js';
import { CommitQueue } from './commit-queue.js';
import type { HubLogger } from './hub-logger.js';
import type { Publisher } from './publisher.js';
import { ref } from './refusal.js';
import { requireMember } from './room-rules.js';
import type { Session } from './session.js';

type SendFrame = Extract<ClientFrame, { type: 'send' }>;

interface PendingSend {
  session: Session;
  ref: string | undefined;
  message: NewMessage;
}

export interface MessagePipelineOptions {
  store: Store;
  publisher: Publisher;
  /** Sends per user. */
  limiter: RateLimit;
  /** Sends per address: twenty fresh guests from one address share one budget. */
  addressLimiter: RateLimit;
  log: HubLogger;
  metrics?: Metrics;
}

export class MessagePipeline {
  private readonly commits: CommitQueue<PendingSend>;

  constructor(private readonly options: MessagePipelineOptions) {
    this.commits = new CommitQueue((batch) => this.commitBatch(batch));
  }

  /** Handles `send`: refused at once, or queued for the next commit. */
  send(s: Session, f: SendFrame): void | Promise<void> {
    if (!requireMember(s, f.room, f.ref)) return;
    const mutedUntil = s.mutedUntil(f.room);
    if (mutedUntil > Date.now()) return s.error('forbidden', `you are muted in this room until ${new Date(mutedUntil).toISOString()}`, f.ref);
    // Per user, then per address: twenty fresh guests from one address share one budget.
    const userWait = this.options.limiter.take(s.userId);
    // A cluster-wide limiter answers asynchronously; the connection holds its next frames until then.
    if (typeof userWait !== 'number') return userWait.then((ms) => this.takeAddressThenQueue(s, f, ms));
    return this.takeAddressThenQueue(s, f, userWait);
  }

  /** Waits for queued messages to be committed and acked. */
  drain(): Promise<void> {
    return this.commits.drain();
  }

  private takeAddressThenQueue(s: Session, f: SendFrame, userWaitMs: number): void | Promise<void> {
    if (userWaitMs > 0) return this.queueSend(s, f, userWaitMs);
    const waitMs = this.options.addressLimiter.take(s.address);
    if (typeof waitMs !== 'number') return waitMs.then((ms) => this.queueSend(s, f, ms));
    this.queueSend(s, f, waitMs);
  }

  private queueSend(s: Session, f: SendFrame, waitMs: number): void {
    if (waitMs > 0) return s.error('rate_limited', 'too many messages; slow down', f.ref, waitMs);
    this.commits.push({ session: s, ref: f.ref, message: { room: f.room, from: { ...s.user }, clientId: f.id, text: f.text } });
    // The message ends this user's typing in the room: a `typing` for the next one is news at once.
    s.entry.typingAt?.delete(f.room);
    this.options.metrics?.messagesReceived.inc();
  }

  /** One group commit: store the batch durably, then publish the new messages, then ack. */
  private async commitBatch(batch: PendingSend[]): Promise<void> {
    let results: AppendResult[];
    const metrics = this.options.metrics;
    const stopTimer = metrics?.commitSeconds.startTimer();
    try {
      results = await this.options.store.appendMessages(batch.map((p) => p.message));
      stopTimer?.();
      metrics?.commitBatchSize.observe(batch.length);
    } catch (err) {
      // A StoreWriteError (disk full…) is logged by the store, once for the whole outage.
      if (!(err instanceof StoreWriteError)) this.options.log.error({ err, count: batch.length }, 'storing messages failed');
      for (const p of batch) p.session.error('internal', 'message not stored; retry with the same id', p.ref);
      return;
    }
    for (const { duplicate } of results) if (!duplicate) metrics?.messagesStored.inc();
    // A duplicate is published again: the node that stored it may have died (or lost its database
    // connection) between the commit and the publish, so no node may have delivered it, and with
    // no later message no node would notice the gap. Channels drop a seq they already delivered,
    // so nobody gets it twice.
    this.options.publisher.publishCommit(results.map((r) => r.message));
    batch.forEach((p, i) => {
      const { message } = results[i] as AppendResult;
      p.session.send({
        type: 'ack',
        room: message.room,
        id: message.clientId,
        seq: message.seq,
        msgId: message.id,
        ts: message.ts,
        ...ref(p.ref),
      });
    });
  }
}
