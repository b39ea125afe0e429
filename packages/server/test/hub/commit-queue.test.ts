import { describe, expect, it } from 'vitest';
import { CommitQueue } from '../../src/hub/commit-queue.js';

describe('CommitQueue', () => {
  it('batches items pushed in the same turn into one commit', async () => {
    const batches: number[][] = [];
    const queue = new CommitQueue<number>(async (batch) => void batches.push(batch));
    for (let i = 0; i < 5; i++) queue.push(i);
    await queue.drain();
    expect(batches).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('queues items that arrive during a commit for the next one, in order, one commit at a time', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let release!: () => void;
    const queue = new CommitQueue<number>(async (batch) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      batches.push(batch);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      inFlight--;
    });
    queue.push(1);
    await new Promise((r) => setImmediate(r));
    queue.push(2);
    queue.push(3);
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    release();
    await queue.drain();
    expect(batches).toEqual([[1], [2, 3]]);
    expect(maxInFlight).toBe(1);
  });

  it('caps a batch at maxBatch', async () => {
    const sizes: number[] = [];
    const queue = new CommitQueue<number>(async (batch) => void sizes.push(batch.length), 3);
    for (let i = 0; i < 7; i++) queue.push(i);
    await queue.drain();
    expect(sizes).toEqual([3, 3, 1]);
  });
});
