// Prometheus metrics (prom-client), on a registry of their own so several servers can live in one
// process (tests). Names follow Prometheus conventions: *_total counters, *_seconds durations.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from '@chat/protocol';

export interface Gauges {
  connections: () => number;
  roomsActive: () => number;
  memberships: () => number;
}

export class Metrics {
  readonly registry = new Registry();
  private gauges: Gauges = { connections: () => 0, roomsActive: () => 0, memberships: () => 0 };

  readonly messagesReceived = new Counter({
    name: 'chat_messages_received_total',
    help: 'send requests accepted for storing (after validation, membership and rate limits)',
    registers: [this.registry],
  });
  readonly messagesStored = new Counter({ name: 'chat_messages_stored_total', help: 'messages committed to the store (duplicates excluded)', registers: [this.registry] });
  readonly messagesDelivered = new Counter({
    name: 'chat_messages_delivered_total',
    help: 'message events written to connections (one per recipient)',
    registers: [this.registry],
  });
  readonly errors = new Counter({ name: 'chat_errors_total', help: 'error frames sent to clients, by protocol error code', labelNames: ['code'], registers: [this.registry] });
  readonly commitSeconds = new Histogram({
    name: 'chat_store_commit_seconds',
    help: 'time to durably commit one group of messages',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly commitBatchSize = new Histogram({
    name: 'chat_store_commit_batch_size',
    help: 'messages per group commit',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });
  readonly slowConsumerDisconnects = new Counter({
    name: 'chat_slow_consumer_disconnects_total',
    help: 'connections closed because their unsent data passed the limit',
    registers: [this.registry],
  });
  readonly heartbeatDisconnects = new Counter({
    name: 'chat_heartbeat_disconnects_total',
    help: 'connections dropped after two unanswered pings',
    registers: [this.registry],
  });

  readonly pushSent = new Counter({ name: 'chat_push_sent_total', help: 'Web Pushes a push service accepted', registers: [this.registry] });
  readonly pushFailed = new Counter({
    name: 'chat_push_failed_total',
    help: 'Web Pushes given up on (refused, retries spent, endpoint not allowed, queue full)',
    registers: [this.registry],
  });
  readonly pushRemoved = new Counter({
    name: 'chat_push_removed_total',
    help: 'push subscriptions deleted because the push service answered 404 or 410',
    registers: [this.registry],
  });

  constructor() {
    const gauges = () => this.gauges;
    new Gauge({
      name: 'chat_connections',
      help: 'open WebSocket connections',
      registers: [this.registry],
      collect() {
        this.set(gauges().connections());
      },
    });
    new Gauge({
      name: 'chat_rooms_active',
      help: 'rooms with at least one connection on this node',
      registers: [this.registry],
      collect() {
        this.set(gauges().roomsActive());
      },
    });
    new Gauge({
      name: 'chat_room_memberships',
      help: 'joined (connection, room) pairs on this node',
      registers: [this.registry],
      collect() {
        this.set(gauges().memberships());
      },
    });
    // Process metrics, including nodejs_eventloop_lag_seconds.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the gauges read their values (set once the parts exist). */
  observe(gauges: Gauges): void {
    this.gauges = gauges;
  }

  error(code: ErrorCode): void {
    this.errors.inc({ code });
  }
}
