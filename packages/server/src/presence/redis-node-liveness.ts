// A node's liveness in cluster presence: the heartbeat that keeps this node's alive key from
// expiring, and the sweep that removes the nodes whose alive key is gone (SREM, the subtraction
// of their counts and the report of who left, in one script, so exactly one sweeper reports each
// dead node's users). The per-room counting is RedisPresence's (redis-presence.ts); this part
// only tells it when the node finds it was swept and who the sweep expired.
import type { Redis } from 'ioredis';
import { OutageLog } from '../log/outage-log.js';
import type { RedisLogger } from '../redis/redis-connection.js';
import type { ExpiredMember } from './presence.js';
import { parseExpired, presenceScripts, type PresenceKeys } from './redis-presence-scripts.js';

export interface RedisNodeLivenessOptions {
  redis: Redis;
  keys: Pick<PresenceKeys, 'nodes' | 'alive'>;
  prefix: string;
  nodeId: string;
  /** The alive key's expiry; the heartbeat runs every expiryMs / 3. */
  expiryMs: number;
  /** How often this node looks for dead nodes; expiryMs / 3 by default. */
  sweepIntervalMs?: number;
  logger?: RedisLogger;
  /** After each heartbeat: `registered` is false once another node has swept this one. */
  beat(registered: boolean): Promise<void>;
  /** The users this node's sweep took out of rooms, the dead nodes' (possibly none). */
  expired(members: ExpiredMember[]): void;
}

export class RedisNodeLiveness {
  private readonly options: RedisNodeLivenessOptions;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;
  private beating = false;
  private sweeping = false;
  /** Heartbeat and sweep failures: one line when they start, one with the count when they stop. */
  private readonly refreshOutage: OutageLog;
  private stopped = false;

  constructor(options: RedisNodeLivenessOptions) {
    this.options = options;
    this.refreshOutage = new OutageLog({
      log: options.logger ?? { error: () => {} },
      component: 'presence refresh',
      effect: 'this node is not kept alive in Redis; its users expire for the others after PRESENCE_EXPIRY_MS',
    });
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(1, Math.floor(options.expiryMs / 3)));
    this.heartbeatTimer.unref();
    this.sweepTimer = setInterval(() => void this.sweep(), Math.max(1, options.sweepIntervalMs ?? Math.floor(options.expiryMs / 3)));
    this.sweepTimer.unref();
  }

  /** No more heartbeats or sweeps; one already running finishes without logging its failure. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.sweepTimer);
  }

  private async heartbeat(): Promise<void> {
    if (this.beating || this.stopped) return;
    this.beating = true;
    const { redis, keys, nodeId, expiryMs } = this.options;
    try {
      const registered = await presenceScripts.heartbeat.run(redis, [keys.nodes, keys.alive], [nodeId, expiryMs]);
      await this.options.beat(Number(registered) !== 0);
      this.refreshOutage.recovered();
    } catch (err) {
      this.timerFailed(err);
    } finally {
      this.beating = false;
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    const { redis, keys, prefix, nodeId } = this.options;
    try {
      const reply = await presenceScripts.sweep.run(redis, [keys.nodes], [prefix, nodeId]);
      this.options.expired(parseExpired(reply));
      this.refreshOutage.recovered();
    } catch (err) {
      this.timerFailed(err);
    } finally {
      this.sweeping = false;
    }
  }

  private timerFailed(err: unknown): void {
    if (!this.stopped) this.refreshOutage.failed(err);
  }
}
