// Who hears of a new message by Web Push (docs/protocol.md, Push notifications): the room's
// members by their stored room list whose notify level asks for it (the store's pushTargets), who
// have no open connection anywhere in the cluster (presence), each subscription of theirs once.
// Runs after the message was delivered, off a bounded queue, looking up the waiting messages'
// targets together and then sending one message's pushes at a time: a burst of messages costs the
// push path, never the chat.
import type { ChatMessage } from '@chat/protocol';
import type { MessageNotifier } from '../hub/message-notifier.js';
import type { Presence } from '../presence/presence.js';
import type { PushTarget, Store } from '../store/store.js';
import { pushPayload, pushUrgency, roomTopic } from './push-payload.js';
import type { PushJob } from './push-sender.js';

export interface PushNotifierOptions {
  store: Pick<Store, 'pushTargets' | 'userRooms'>;
  presence: Pick<Presence, 'connected'>;
  send: (job: PushJob) => void;
  log: { warn(obj: object, msg: string): void };
  /** Messages waiting to be looked at; more are skipped (their pushes with them). */
  maxWaiting?: number;
}

/** Messages whose targets are looked up in one store call (in SQLite, one read transaction). */
const LOOKUP_BATCH = 100;

export class PushNotifier implements MessageNotifier {
  private readonly waiting: ChatMessage[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly maxWaiting: number;

  constructor(private readonly options: PushNotifierOptions) {
    this.maxWaiting = options.maxWaiting ?? 1000;
  }

  stored(messages: readonly ChatMessage[]): void {
    if (this.stopped) return;
    for (const message of messages) {
      if (message.deleted || this.waiting.length >= this.maxWaiting) continue;
      this.waiting.push(message);
    }
    // Not before setImmediate: the caller is the commit, whose deliveries and acks are corked
    // until the tick ends, and SQLite answers the lookup synchronously (one per message of a busy
    // room, ahead of every member's write).
    this.running ??= afterThisTick()
      .then(() => this.drain())
      .finally(() => {
        this.running = null;
      });
  }

  /** Waits for the messages already handed in to be looked at (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.length = 0;
    await this.idle();
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0 && !this.stopped) {
      const messages = this.waiting.splice(0, LOOKUP_BATCH);
      let targets: PushTarget[][];
      try {
        targets = await this.options.store.pushTargets(messages.map((m) => ({ room: m.room, senderId: m.from.id, mentioned: m.mentions ?? [] })));
      } catch (err) {
        this.options.log.warn({ err, messages: messages.length }, 'push: could not work out who to notify');
        continue;
      }
      for (let i = 0; i < messages.length && !this.stopped; i++) {
        const message = messages[i] as ChatMessage;
        try {
          await this.notify(message, targets[i] ?? []);
        } catch (err) {
          this.options.log.warn({ err, room: message.room, seq: message.seq }, 'push: could not work out who to notify');
        }
      }
    }
  }

  private async notify(message: ChatMessage, targets: readonly PushTarget[]): Promise<void> {
    const { presence, send } = this.options;
    if (targets.length === 0) return;
    const online = await presence.connected([...new Set(targets.map((t) => t.userId))]);
    const unread = new Map<string, number | null>();
    const topic = roomTopic(message.room);
    for (const target of targets) {
      if (online.has(target.userId)) continue;
      if (!unread.has(target.userId)) unread.set(target.userId, await this.unreadOf(target));
      const payload = pushPayload(message, target, unread.get(target.userId) ?? null);
      send({ subscription: target, payload: JSON.stringify(payload), topic, urgency: pushUrgency(target) });
    }
  }

  /**
   * The user's unread messages over all their rooms, for the app badge (null if it cannot be read
   * now); each room counts at most UNREAD_CAP (store/rows.ts), which also bounds this read per recipient.
   */
  private async unreadOf(target: PushTarget): Promise<number | null> {
    try {
      return (await this.options.store.userRooms(target.userId)).reduce((sum, room) => sum + room.unread, 0);
    } catch {
      return null;
    }
  }
}

/** Resolves once the event loop has gone past this tick's I/O (the sockets corked in it are written). */
function afterThisTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
