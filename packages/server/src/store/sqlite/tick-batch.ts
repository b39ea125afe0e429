// Rows that many callers write in the same moment, committed together: the first call waits
// BATCH_WINDOW_MS, and everything that arrived by then is one write transaction. A connect storm's
// new guests (5,000 clients, 128 upgrades in flight) then share their transactions' B-tree pages
// and WAL writes instead of each paying for its own (the guest's insert was a third of the server's
// CPU in a join storm). The group commit of messages (hub/commit-queue.ts) does the same for
// messages, with durability the other way round.

/**
 * How long the first row of a batch waits for others. Upgrades arrive a few per event-loop turn,
 * so waiting for the turn's end (setImmediate) gathered 1.6 rows a transaction; 5 ms gathers 16-20
 * in a join storm (the server's CPU for 5,000 connects and joins: 4.1 s -> 2.5-2.8 s), and a single
 * newcomer's connect takes 5 ms longer.
 */
const BATCH_WINDOW_MS = 5;
export class TickBatch<T, R> {
  private pending: Array<{ item: T; resolve: (result: R) => void; reject: (err: unknown) => void }> = [];

  /**
   * @param writeAll writes every item in one transaction, returning each item's result in order
   * @param writeOne writes one item in a transaction of its own: when a batch fails, each item is
   *   tried alone, so that one bad row fails its own caller only
   */
  constructor(
    private readonly writeAll: (items: T[]) => R[],
    private readonly writeOne: (item: T) => R,
  ) {}

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ item, resolve, reject }) === 1) setTimeout(this.flush, BATCH_WINDOW_MS);
    });
  }

  private readonly flush = (): void => {
    const batch = this.pending;
    this.pending = [];
    let results: R[];
    try {
      results = this.writeAll(batch.map((entry) => entry.item));
    } catch {
      for (const entry of batch) {
        try {
          entry.resolve(this.writeOne(entry.item));
        } catch (err) {
          entry.reject(err);
        }
      }
      return;
    }
    batch.forEach((entry, i) => entry.resolve(results[i] as R));
  };
}
