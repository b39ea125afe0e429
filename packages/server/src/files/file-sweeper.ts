// Removes the bytes of files that are gone (docs/protocol.md, "Files"): a redacted or pruned
// message's, a deleted room's, and uploads never sent within a day. The store marks them gone in
// the transaction that makes them so (404 from then on); this removes their bytes from
// UPLOAD_DIR soon after: at once when nudged (a redaction or a room deletion seen on the bus),
// else every few minutes, and a last time when the server stops, so that a redacted file has left
// the disk at the latest after a clean shutdown. Rows are deleted a day after their upload (the
// daily quota counts them until then). Every node of a cluster runs it; removing twice is harmless.
import type { FileStore } from '../store/file-store.js';
import { UNSENT_FILE_MS } from '../store/file-store.js';
import type { UploadDir } from './upload-dir.js';

export interface FileSweeperOptions {
  store: FileStore;
  dir: UploadDir;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Default: every five minutes. */
  everyMs?: number;
  now?: () => number;
}

/** Gone files removed per store call. */
const BATCH = 100;
/** What an interrupted upload leaves in tmp/ is removed after this long. */
const TEMP_AGE_MS = 60 * 60 * 1000;
/** A nudge sweeps after this pause, so that a burst of redactions is one sweep. */
const NUDGE_DELAY_MS = 100;

export class FileSweeper {
  private timer: NodeJS.Timeout | null = null;
  private nudged: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly options: FileSweeperOptions) {}

  start(): void {
    if (this.timer) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.everyMs ?? 5 * 60 * 1000);
    this.timer.unref();
  }

  /** Something went: sweep shortly. */
  nudge(): void {
    if (!this.timer || this.nudged) return;
    this.nudged = setTimeout(() => {
      this.nudged = null;
      void this.sweep();
    }, NUDGE_DELAY_MS);
    this.nudged.unref();
  }

  /** Stops the timers and sweeps a last time (before the store closes). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.nudged) clearTimeout(this.nudged);
    this.timer = this.nudged = null;
    // A sweep under way may have listed the gone files before the last redaction: wait for it,
    // then sweep once more.
    await this.running;
    await this.sweep();
  }

  /** One sweep; one asked for while another runs follows it. Failures are logged, never thrown. */
  sweep(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.sweep();
      }
    });
    return this.running;
  }

  private async run(): Promise<void> {
    const { store, dir, log } = this.options;
    const now = (this.options.now ?? Date.now)();
    try {
      const expired = await store.expireUnsentFiles(now - UNSENT_FILE_MS);
      let removed = 0;
      for (;;) {
        const ids = await store.goneFiles(BATCH);
        for (const id of ids) await dir.remove(id);
        await store.bytesRemoved(ids);
        removed += ids.length;
        if (ids.length < BATCH) break;
      }
      const purged = await store.purgeFiles(now - UNSENT_FILE_MS);
      const temp = await dir.sweepTemp(TEMP_AGE_MS, now);
      if (expired + removed + purged + temp > 0) log.info({ event: 'file_sweep', expired, removed, purged, temp }, 'gone files removed');
    } catch (err) {
      log.error({ err, event: 'file_sweep' }, 'file sweep failed');
    }
  }
}
