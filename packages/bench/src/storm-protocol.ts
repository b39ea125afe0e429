// The restart storm's commands between the main thread (scenarios/storm.ts) and the load-generator
// workers (storm-worker.ts), and what they answer. The clients are storm-client.ts's: each one
// reconnects by itself, as the web client does, so the main thread only starts, watches and checks.

export interface StormSpec {
  /** Global client index (client i lives on worker i % workers). */
  index: number;
  room: string;
  /**
   * The servers it may use, its own first: a reconnect that fails moves on to the next one, as a
   * load balancer would (single node: one port).
   */
  ports: number[];
  /** Messages per second this client writes to its room (0: it only reads). */
  rate: number;
  /** 0..1: where in its period the sender starts, so that senders do not write in step. */
  phase: number;
}

export type StormCommand =
  | { type: 'storm-connect'; specs: StormSpec[]; concurrency: number; timeoutMs: number; deadlineMs: number; connectTimeoutMs: number }
  | { type: 'storm-send'; on: boolean; textBytes: number }
  | { type: 'storm-stats' }
  | { type: 'storm-verify'; roomMax: Record<string, number>; t0Us: number }
  /** Reconnect attempts, rejoins and failures by kind, counted per bucketMs from t0Us: where the time went. */
  | { type: 'storm-timeline'; t0Us: number; bucketMs: number }
  | { type: 'storm-close' };

export interface StormStats {
  clients: number;
  /** Joined now (its resume's history in hand). */
  joined: number;
  /** Clients whose connection closed at least once after the first join. */
  dropped: number;
  /** Clients joined again after their last close. */
  rejoined: number;
  /** Connection attempts after the first join, failed or not. */
  attempts: number;
  /** Failed attempts and refusals, by kind. */
  errors: Record<string, number>;
  /** Sends not acknowledged yet (queued while disconnected, or in flight). */
  outbox: number;
  /** Messages acknowledged (each client id once). */
  acked: number;
  /** An ack for a client id that came back with another seq than before: stored twice. */
  storedTwice: number;
  /** Per room: the highest acknowledged seq. */
  ackMax: Record<string, number>;
  /** The latest moment (nowUs) any client finished a join. */
  lastJoinUs: number;
  /** Clients now on another server than their first (cluster: moved off the restarted node). */
  moved: number;
}

export interface StormVerdict {
  clients: number;
  /** Seqs in (the client's first joined.seq, the room's last acked seq] that it never received. */
  lost: number;
  /** Seqs a client received more than once. */
  doubled: number;
  /** Seqs received below one already received (after the resume overlap: none expected). */
  outOfOrder: number;
  /** Seqs above the room's last acked seq (stored but never acknowledged). */
  beyond: number;
  /** Clients not joined at the check. */
  notJoined: number;
  /** Clients that have lost nothing and are joined. */
  caughtUp: number;
  /**
   * Per caught-up client, µs from t0Us until it was joined again and held every message written
   * before that (0 for a client whose connection never closed; scenarios/storm.ts defines it).
   */
  catchUpUs: number[];
  /** Written (by its sender) to received, µs, of every first copy of a message written from t0Us on. */
  delay: { counts: number[]; count: number; maxUs: number };
}
