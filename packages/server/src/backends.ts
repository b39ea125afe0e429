// Config -> the concrete store, bus and presence: the only module that names implementations.
import { MemoryBus } from './bus/memory-bus.js';
import type { Bus } from './bus/bus.js';
import type { Config } from './config.js';
import { MemoryPresence } from './presence/memory-presence.js';
import type { Presence } from './presence/presence.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { Store } from './store/store.js';

export interface Backends {
  store: Store;
  bus: Bus;
  presence: Presence;
}

/** Opens the backends the config selects; any given in `overrides` is used as is. */
export async function createBackends(config: Config, overrides: Partial<Backends> = {}): Promise<Backends> {
  // TODO(#7): DATABASE_URL selects a PostgreSQL store, REDIS_URL a Redis bus and presence.
  const store = overrides.store ?? (await new SqliteStore({ dir: config.dataDir }).open());
  return { store, bus: overrides.bus ?? new MemoryBus(), presence: overrides.presence ?? new MemoryPresence() };
}
