// `send`, and the changes of the room log (edit, redact, react: message-changes.ts checks them
// first): membership, mute and the send rates (per user, then per address), then the group
// commit: the entries that arrive while one commit is under way are stored together in the next,
// then published, then answered (`ack`, `updated`, or the store's refusal).
// docs/protocol.md, `send` → `ack`, Send → ack → message, and The room log.
import type { ChatMessage, ClientFrame, LogEntry } from '@chat/protocol';
import type { Metrics } from '../metrics/metrics.js';
import type { RateLimit } from '../rate-limit/rate-limit.js';
import type { EntryResult, NewEntry, Store } from '../store/store.js';
import { isChange, isRefusal, StoreWriteError } from '../store/store.js';
import { CommitQueue } from './commit-queue.js';
import type { HubLogger } from './hub-logger.js';
import { mentionNames } from './mentions.js';
import type { MessageNotifier } from './message-notifier.js';
import type { Publisher } from './publisher.js';
import { ref } from './refusal.js';
import { requireMember } from './room-rules.js';
import type { Session } from './session.js';

type SendFrame = Extract<ClientFrame, { type: 'send' }>;

interface PendingEntry {
  session: Session;
  ref: string | undefined;
  entry: NewEntry;
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
  /** Told of each newly stored message (push notifications), after it is published. */
  notifier?: MessageNotifier;
}

export class MessagePipeline {
  private readonly commits: CommitQueue<PendingEntry>;

  constructor(private readonly options: MessagePipelineOptions) {
    this.commits = new CommitQueue((batch) => this.commitBatch(batch));
  }

  /** Handles `send`: refused at once, or queued for the next commit. */
  send(s: Session, f: SendFrame): void | Promise<void> {
    if (!requireMember(s, f.room, f.ref)) return;
    if (refuseMuted(s, f.room, f.ref)) return;
    const message = { room: f.room, from: { ...s.user }, clientId: f.id, text: f.text };
    const names = mentionNames(f.text);
    return this.submit(s, f.ref, {
      ...message,
      ...(f.replyTo === undefined ? {} : { replyTo: f.replyTo }),
      ...(names === undefined ? {} : { mentionNames: names }),
      ...(f.files === undefined ? {} : { files: f.files }),
    });
  }

  /**
   * Queues a checked entry (a message, or a change message-changes.ts has checked) for the next
   * commit, once the send rates allow it: changes count against them like messages.
   */
  submit(s: Session, frameRef: string | undefined, entry: NewEntry): void | Promise<void> {
    // Per user, then per address: twenty fresh guests from one address share one budget.
    const userWait = this.options.limiter.take(s.userId);
    // A cluster-wide limiter answers asynchronously; the connection holds its next frames until then.
    if (typeof userWait !== 'number') return userWait.then((ms) => this.takeAddressThenQueue(s, frameRef, entry, ms));
    return this.takeAddressThenQueue(s, frameRef, entry, userWait);
  }

  /** Waits for queued messages to be committed and acked. */
  drain(): Promise<void> {
    return this.commits.drain();
  }

  private takeAddressThenQueue(s: Session, frameRef: string | undefined, entry: NewEntry, userWaitMs: number): void | Promise<void> {
    if (userWaitMs > 0) return this.queue(s, frameRef, entry, userWaitMs);
    const waitMs = this.options.addressLimiter.take(s.address);
    if (typeof waitMs !== 'number') return waitMs.then((ms) => this.queue(s, frameRef, entry, ms));
    this.queue(s, frameRef, entry, waitMs);
  }

  private queue(s: Session, frameRef: string | undefined, entry: NewEntry, waitMs: number): void {
    if (waitMs > 0) return s.error('rate_limited', 'too many messages; slow down', frameRef, waitMs);
    this.commits.push({ session: s, ref: frameRef, entry });
    if (isChange(entry)) return;
    // The message ends this user's typing in the room: a `typing` for the next one is news at once.
    s.entry.typingAt?.delete(entry.room);
    this.options.metrics?.messagesReceived.inc();
  }

  /** One group commit: store the batch durably, then publish the new entries, then answer each. */
  private async commitBatch(batch: PendingEntry[]): Promise<void> {
    let results: EntryResult[];
    const metrics = this.options.metrics;
    const stopTimer = metrics?.commitSeconds.startTimer();
    try {
      results = await this.options.store.appendEntries(batch.map((p) => p.entry));
      stopTimer?.();
      metrics?.commitBatchSize.observe(batch.length);
    } catch (err) {
      // A StoreWriteError (disk full…) is logged by the store, once for the whole outage.
      if (!(err instanceof StoreWriteError)) this.options.log.error({ err, count: batch.length }, 'storing messages failed');
      for (const p of batch) {
        p.session.error('internal', isChange(p.entry) ? 'change not stored; retry it' : 'message not stored; retry with the same id', p.ref);
      }
      return;
    }
    // A duplicate is published again: the node that stored it may have died (or lost its database
    // connection) between the commit and the publish, so no node may have delivered it, and with
    // no later message no node would notice the gap. Channels drop a seq they already delivered,
    // so nobody gets it twice.
    const stored: LogEntry[] = [];
    const fresh: ChatMessage[] = [];
    for (const result of results) {
      if (isRefusal(result)) continue;
      if ('message' in result) {
        stored.push(result.message);
        if (!result.duplicate) fresh.push(result.message);
        if (!result.duplicate) metrics?.messagesStored.inc();
      } else if ('change' in result) {
        stored.push(result.change);
      }
    }
    this.options.publisher.publishCommit(stored);
    if (fresh.length > 0) this.options.notifier?.stored(fresh);
    batch.forEach((p, i) => answer(p, results[i] as EntryResult));
  }
}

/** True, after answering `forbidden`, when the user is muted in the room: they neither send nor react. */
export function refuseMuted(s: Session, room: string, frameRef: string | undefined): boolean {
  const mutedUntil = s.mutedUntil(room);
  if (mutedUntil <= Date.now()) return false;
  s.error('forbidden', `you are muted in this room until ${new Date(mutedUntil).toISOString()}`, frameRef);
  return true;
}

/** The reply to one committed entry: `ack` for a message, `updated` for a change, or the refusal. */
function answer(p: PendingEntry, result: EntryResult): void {
  const { session, entry } = p;
  if (isRefusal(result)) return session.error(result.refused, result.reason, p.ref);
  if ('message' in result) {
    const { message } = result;
    return session.send({ type: 'ack', room: message.room, id: message.clientId, seq: message.seq, msgId: message.id, ts: message.ts, ...ref(p.ref) });
  }
  const seq = 'change' in result ? { seq: result.change.seq } : {};
  session.send({ type: 'updated', room: entry.room, target: isChange(entry) ? entry.seq : 0, ...seq, ...ref(p.ref) });
}
