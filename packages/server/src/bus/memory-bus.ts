import type { Bus, BusEvent, BusHandler } from './bus.js';

/** The in-process bus: delivers synchronously, in publish order, and never drops. */
export class MemoryBus implements Bus {
  private readonly handlers = new Set<BusHandler>();

  async publish(event: BusEvent): Promise<void> {
    for (const handler of this.handlers) handler(event);
  }

  subscribe(handler: BusHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onResync(): () => void {
    return () => {}; // nothing between nodes, nothing to miss
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
