// The cluster bus (docs/scaling.md): events travel between nodes over one Redis pub/sub channel,
// `${keyPrefix}bus`, as JSON envelopes `{ node, event }` carrying the publishing node's id.
//
// - A node's own subscribers get its events synchronously, before anything touches Redis, so
//   they never wait on Redis and still get them while Redis is down; the node ignores its own
//   envelopes when Redis echoes them back.
// - Pub/sub is at-most-once. After the subscriber connection comes back from an outage and is
//   subscribed again, the onResync handlers run (hubs re-read each room's tail from the store).
//   A node whose publish failed announces, once its publisher is back, `{ node, resync: true }`,
//   so that nodes whose own connections never dropped resync too.
// - Envelopes from other nodes are checked for shape; anything malformed is dropped.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closeRedis, firstReady, openRedis, whenReady, withTimeout, type RedisLogger } from '../redis/redis-connection.js';
import type { Bus, BusEvent, BusHandler } from './bus.js';

export interface RedisBusOptions {
  url: string;
  /** Prefix of every key and channel of this deployment (the channel is `${keyPrefix}bus`). */
  keyPrefix: string;
  /** This node's id, unique in the cluster; random by default. */
  nodeId?: string;
  logger?: RedisLogger;
}

const PING_TIMEOUT_MS = 2000;
const PUBLISH_TIMEOUT_MS = 2000;

export class RedisBus implements Bus {
  readonly nodeId: string;
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Set<BusHandler>();
  private readonly resyncHandlers = new Set<() => void>();
  private readonly logger: RedisLogger | undefined;
  /** The subscription is active (set once SUBSCRIBE is acknowledged, cleared when the connection drops). */
  private subscribed = false;
  private subscribedBefore = false;
  /** A publish failed: other nodes may have missed it; tell them when the publisher is back. */
  private missedPublish = false;
  private closed = false;
  private readonly subscribedWaiters = new Set<() => void>();
  private readonly started: () => Promise<void> | null;

  constructor(options: RedisBusOptions) {
    this.nodeId = options.nodeId ?? randomUUID();
    this.channel = `${options.keyPrefix}bus`;
    this.logger = options.logger;
    this.publisher = openRedis(options.url, { name: 'bus publisher', logger: options.logger, commandTimeoutMs: PUBLISH_TIMEOUT_MS });
    this.subscriber = openRedis(options.url, { name: 'bus subscriber', logger: options.logger });
    this.subscriber.on('ready', () => this.subscribeChannel());
    this.subscriber.on('close', () => {
      this.subscribed = false;
    });
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) this.receive(payload);
    });
    this.publisher.on('ready', () => this.announceIfMissed());
    this.started = firstReady(this.publisher, PUBLISH_TIMEOUT_MS);
  }

  /**
   * Resolves once the publisher is connected and the subscription is active, so that events
   * published from now on reach this node. Rejects after `timeoutMs`; the bus keeps trying.
   */
  async open(timeoutMs = 10_000): Promise<this> {
    const subscribed = new Promise<void>((resolve) => {
      if (this.subscribed) resolve();
      else this.subscribedWaiters.add(resolve);
    });
    await withTimeout(Promise.all([whenReady(this.publisher, timeoutMs), subscribed]), timeoutMs, 'redis bus (connected and subscribed)');
    return this;
  }

  async publish(event: BusEvent): Promise<void> {
    const payload = JSON.stringify({ node: this.nodeId, event });
    this.deliver(event);
    if (this.closed) throw new Error('bus closed');
    try {
      const starting = this.started();
      if (starting) await starting;
      await this.publisher.publish(this.channel, payload);
    } catch (err) {
      this.missedPublish = true;
      throw err;
    }
  }

  subscribe(handler: BusHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onResync(handler: () => void): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('bus closed');
    await withTimeout(this.publisher.ping(), PING_TIMEOUT_MS, 'redis ping');
    if (!this.subscribed) throw new Error('bus subscription not active');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.resyncHandlers.clear();
    this.subscribedWaiters.clear();
    await Promise.all([closeRedis(this.publisher), closeRedis(this.subscriber)]);
  }

  /** On every (re)connection of the subscriber: subscribe, then resync unless it is the first. */
  private subscribeChannel(): void {
    if (this.closed) return;
    this.subscriber.subscribe(this.channel).then(
      () => {
        if (this.closed || this.subscriber.status !== 'ready') return;
        this.subscribed = true;
        for (const resolve of this.subscribedWaiters) resolve();
        this.subscribedWaiters.clear();
        if (this.subscribedBefore) this.resync();
        this.subscribedBefore = true;
      },
      // The connection dropped again before the subscription took: the next 'ready' retries.
      () => {},
    );
  }

  private announceIfMissed(): void {
    if (!this.missedPublish || this.closed) return;
    this.missedPublish = false;
    this.publisher.publish(this.channel, JSON.stringify({ node: this.nodeId, resync: true })).catch(() => {
      this.missedPublish = true; // the next reconnection tries again
    });
  }

  private receive(payload: string): void {
    let envelope: unknown;
    try {
      envelope = JSON.parse(payload);
    } catch {
      return;
    }
    if (!isRecord(envelope) || typeof envelope.node !== 'string' || envelope.node === this.nodeId) return;
    if (envelope.resync === true) {
      this.resync();
      return;
    }
    if (isBusEvent(envelope.event)) this.deliver(envelope.event);
  }

  private deliver(event: BusEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (err) {
        this.logger?.error({ err, type: event.type }, 'bus handler failed');
      }
    }
  }

  private resync(): void {
    for (const handler of this.resyncHandlers) {
      try {
        handler();
      } catch (err) {
        this.logger?.error({ err }, 'bus resync handler failed');
      }
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isUser = (value: unknown): boolean => isRecord(value) && isString(value.id) && isString(value.nick);

/**
 * The fields a hub reads of each event type, checked so that a foreign or corrupt payload cannot
 * throw inside a handler. Not a full protocol validation: other nodes run the same code.
 */
function isBusEvent(value: unknown): value is BusEvent {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'message': {
      const m = value.message;
      return isRecord(m) && isString(m.room) && isNumber(m.seq);
    }
    case 'presence':
      return (
        isString(value.room) &&
        isNumber(value.online) &&
        (value.joined === undefined || isUser(value.joined)) &&
        (value.left === undefined || isUser(value.left)) &&
        (value.renamed === undefined || isUser(value.renamed))
      );
    case 'typing':
      return isString(value.room) && isUser(value.user);
    case 'kick':
      return isString(value.room) && isString(value.userId) && (value.reason === 'kick' || value.reason === 'ban');
    case 'mute':
      return isString(value.room) && isString(value.userId) && isNumber(value.until);
    case 'roomDeleted':
      return isString(value.room);
    case 'invited':
      return isString(value.room) && isString(value.userId) && isUser(value.by) && (value.kind === undefined || value.kind === 'dm' || value.kind === 'private');
    case 'read':
      return isString(value.room) && isString(value.userId) && isNumber(value.seq);
    case 'opped':
      return isString(value.room) && isUser(value.user);
    case 'topic':
      return isString(value.room) && isString(value.topic) && isUser(value.by);
    case 'tokenRevoked':
      return isString(value.tokenId);
    case 'catchUp':
      return true;
    default:
      return false;
  }
}
