// A really full disk under a running server (a small tmpfs: test/ops/small-disk.ts): sends get
// `internal`, /healthz answers 503 while writes fail, the log says so once (not once per message),
// acknowledged messages stay readable, and once space is freed the server checkpoints the WAL (its
// space comes back instead of being eaten again), says so once with a count, and stores again
// with the next seq.
import { isMessage } from '@chat/protocol';
import { closeSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AckFrame, ErrorFrame, HistoryReplyFrame, ServerFrame } from '@chat/protocol';
import { startChild } from '../child-server.js';
import { tempDir, TestClient } from '../helpers.js';
import { waitFor, trackOps } from './ops-helpers.js';
import { onSmallDisk, onSmallDiskPath, smallDiskAvailable } from './small-disk.js';

const { dirs, clients } = trackOps();

/** Writes zeros into `file` until the disk refuses (ENOSPC); the disk is then full to the page. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (const size of [1 << 16, 1 << 12]) {
      const chunk = Buffer.alloc(size);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

const lines = (output: string, pattern: RegExp): string[] => output.split('\n').filter((l) => pattern.test(l));

describe('a full disk', () => {
  it('503 and one log line while writes fail; after space is freed the WAL is checkpointed, one line, and writes resume', async () => {
    if (!smallDiskAvailable()) return;
    const disk = tempDir('chat-disk-full-');
    dirs.push(disk);
    const dataDir = join(disk, 'data');
    const child = await startChild(dataDir, { command: onSmallDisk(disk, 8 << 20), keepAllOutput: true });
    const seen = onSmallDiskPath(child.child.pid as number, disk);
    const wal = join(seen, 'data', 'chat.db-wal');
    const health = async () => {
      const res = await fetch(`${child.baseUrl}/healthz`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    const client = await TestClient.connect(child.wsUrl({ nick: 'writer' }));
    clients.push(client);
    await client.request({ type: 'join', room: 'r' });
    const text = (id: string) => `${id} ${'y'.repeat(3000)}`;
    const send = (id: string) => client.request<AckFrame | ErrorFrame>({ type: 'send', room: 'r', id, text: text(id) });
    const acked: AckFrame[] = [];
    for (let i = 0; i < 30; i++) acked.push((await send(`before${i}`)) as AckFrame);
    expect(acked.map((a) => a.type)).toEqual(acked.map(() => 'ack'));

    fillDisk(join(seen, 'filler'));
    // What still fits is acked; from the first refusal on, every send is refused.
    let first: ServerFrame | undefined;
    for (let i = 0; i < 50 && first === undefined; i++) {
      const r = await send(`filling${i}`);
      if (r.type === 'ack') acked.push(r);
      else first = r;
    }
    expect(first).toMatchObject({ type: 'error', code: 'internal' });
    const refused: ErrorFrame[] = [];
    for (let i = 0; i < 20; i++) refused.push((await send(`full${i}`)) as ErrorFrame);
    expect(refused.map((r) => r.type === 'error' && r.code)).toEqual(refused.map(() => 'internal'));

    // /healthz says so, with a reason.
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unavailable' });
    expect(String(down.body.reason)).toMatch(/store.*writ/);
    for (let i = 0; i < 3; i++) expect((await health()).status).toBe(503);

    // One line for the whole outage, not one per refused message (the log arrives through a pipe).
    await waitFor('the health check line in the log', () => /health check failing/.test(child.output()));
    const output = child.output();
    expect(lines(output, /"msg":"store writes failing/), output).toHaveLength(1);
    expect(lines(output, /storing messages failed/)).toHaveLength(0);
    expect(lines(output, /health check failing/)).toHaveLength(1);
    expect(lines(output, /^\{/), output).toHaveLength(2); // and no other log line at all

    // Acknowledged messages are intact and readable.
    const history = await client.request<HistoryReplyFrame>({ type: 'history', room: 'r', limit: 100 });
    expect(history.messages.filter(isMessage).map((m) => [m.clientId, m.seq, m.text])).toEqual(acked.map((a) => [a.id, a.seq, text(a.id)]));

    // Space comes back: the server notices by itself (no message needed), checkpoints the WAL
    // so that its space is free again, and says so once, with how many writes failed.
    const walWhileFull = statSync(wal).size;
    expect(walWhileFull).toBeGreaterThan(100_000);
    unlinkSync(join(seen, 'filler'));
    await waitFor('/healthz 200 again', async () => (await health()).status === 200, 15_000);
    expect(statSync(wal).size).toBeLessThan(32_768);
    await waitFor('the recovery line in the log', () => /store writes work again/.test(child.output()));
    const recovered = lines(child.output(), /store writes work again/);
    expect(recovered).toHaveLength(1);
    expect(Number(/"failed":(\d+)/.exec(recovered[0] as string)?.[1])).toBeGreaterThanOrEqual(21);

    // Writes resume where the numbering stopped: refused messages took no seq.
    const after = await send('after');
    expect(after).toMatchObject({ type: 'ack', seq: (acked.at(-1) as AckFrame).seq + 1 });
  }, 60_000);
});
