// The restart storm's options (scenarios/storm.ts): its sizes for a full run and for --quick, and
// its flags (options.ts hands them on).
import { STORM_SETUPS, type StormSetup } from './results.js';

/**
 * The restart storm (scenarios/storm.ts): `clients` in `rooms` rooms while `rate` messages a
 * second (all rooms together) keep coming, the server restarted `warmupMs` after the first
 * message; the senders write for `sendMs` after the SIGTERM; the clients then have until
 * `timeoutMs` after it to be back and `drainMs` more to have everything. `connectTimeoutMs`:
 * how long one reconnect attempt may take before the client gives it up and waits its backoff.
 * `single`: one node on SQLite; `cluster`: two on PostgreSQL + Redis (cluster's URLs), the
 * second restarted.
 */
export interface StormOptions {
  clients: number;
  rooms: number;
  rate: number;
  warmupMs: number;
  sendMs: number;
  timeoutMs: number;
  drainMs: number;
  connectTimeoutMs: number;
  setups: StormSetup[];
}

// connectTimeoutMs: the web client gives a socket the browser's connect (no limit of its own),
// then its keepalive (25 s without a frame) and pong wait (10 s) before abandoning it: 35 s.
const STORM: StormOptions = { clients: 5000, rooms: 50, rate: 20, warmupMs: 2_000, sendMs: 15_000, timeoutMs: 90_000, drainMs: 5_000, connectTimeoutMs: 35_000, setups: [...STORM_SETUPS] };

export function stormDefaults(quick: boolean): StormOptions {
  return quick
    ? { ...STORM, clients: 200, rooms: 10, warmupMs: 500, sendMs: 5_000, timeoutMs: 30_000, drainMs: 3_000, setups: [...STORM.setups] }
    : { ...STORM, setups: [...STORM.setups] };
}

export const STORM_USAGE = `  --storm-clients N        storm: clients (default 5000; --quick 200)
  --storm-rooms N          storm: rooms they are spread over (default 50; --quick 10)
  --storm-rate N           storm: messages per second over all rooms, through the restart (default 20)
  --storm-duration S       storm: seconds the senders keep writing after the SIGTERM (default 15; --quick 5)
  --storm-setups S[,S]     storm: single (one node, SQLite), cluster (two nodes on PostgreSQL + Redis,
                           the second restarted; n/a without them) (default both)`;

/**
 * Applies one of these flags; false when `flag` is none of them. `value` takes the flag's value,
 * `positive` and `setups` check it (options.ts's helpers, so the errors read the same).
 */
export function parseStormFlag(
  o: StormOptions,
  flag: string,
  value: () => string | undefined,
  positive: (raw: string | undefined, flag: string) => number,
  setups: (raw: string | undefined, flag: string) => StormSetup[],
): boolean {
  switch (flag) {
    case '--storm-clients':
      o.clients = Math.round(positive(value(), flag));
      if (o.clients > 50_000) throw new RangeError(`${flag}: at most 50000`);
      return true;
    case '--storm-rooms':
      o.rooms = Math.round(positive(value(), flag));
      return true;
    case '--storm-rate':
      o.rate = positive(value(), flag);
      if (o.rate > 10_000) throw new RangeError(`${flag}: at most 10000`);
      return true;
    case '--storm-duration':
      o.sendMs = positive(value(), flag) * 1000;
      if (o.sendMs > 600_000) throw new RangeError(`${flag}: at most 600`);
      return true;
    case '--storm-setups':
      o.setups = setups(value(), flag);
      return true;
    default:
      return false;
  }
}
