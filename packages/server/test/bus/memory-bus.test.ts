import { MemoryBus } from '../../src/bus/memory-bus.js';
import type { Bus } from '../../src/bus/bus.js';
import { describeBus } from './bus-conformance.js';

describeBus('memory', () => {
  const open: Bus[] = [];
  return {
    multiNode: false, // one process: separate MemoryBus instances share nothing
    open: async () => {
      const bus = new MemoryBus();
      open.push(bus);
      return bus;
    },
    cleanup: async () => {
      await Promise.all(open.map((bus) => bus.close()));
    },
  };
});
