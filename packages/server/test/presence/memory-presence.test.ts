import { MemoryPresence } from '../../src/presence/memory-presence.js';
import type { Presence } from '../../src/presence/presence.js';
import { describePresence } from './presence-conformance.js';

describePresence('memory', () => {
  const open: Presence[] = [];
  return {
    multiNode: false, // one process: separate instances count separately
    open: async () => {
      const presence = new MemoryPresence();
      open.push(presence);
      return presence;
    },
    cleanup: async () => {
      await Promise.all(open.map((p) => p.close()));
    },
  };
});
