// UPLOAD_DIR (default DATA_DIR/files): the bytes of uploaded files, under their random ids, and
// the key that signs their URLs (file-links.ts). In a cluster every node must see the same
// directory (a shared volume: docs/scaling.md); /healthz fails while it is not writable.
//
//   url-signing.key     32 random bytes, made by the first node that starts (0600)
//   tmp/                uploads being received; moved into place once checked
//   ab/<id>             a file's bytes (ab: the id's first two characters)
//   ab/<id>.thumb.webp  its thumbnail (images)
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const KEY_FILE = 'url-signing.key';
const KEY_BYTES = 32;

export class UploadDir {
  private signingKey: Buffer | null = null;

  /** Absolute: a relative DATA_DIR or UPLOAD_DIR (the default ./data) is taken from the working directory once, here, and the file routes need an absolute root. */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Creates the directory (0700) and its tmp/, and reads or makes the signing key. */
  async open(): Promise<this> {
    await mkdir(join(this.dir, 'tmp'), { recursive: true, mode: 0o700 });
    this.signingKey = await this.readOrMakeKey();
    return this;
  }

  get key(): Buffer {
    if (!this.signingKey) throw new Error('UploadDir.open() first');
    return this.signingKey;
  }

  filePath(id: string): string {
    return join(this.dir, id.slice(0, 2), id);
  }

  thumbPath(id: string): string {
    return `${this.filePath(id)}.thumb.webp`;
  }

  /** A new path in tmp/ for an upload being received. */
  tempPath(): string {
    return join(this.dir, 'tmp', randomBytes(12).toString('base64url'));
  }

  /** Moves a received file (and its thumbnail) from tmp/ to their place under `id`. */
  async place(id: string, file: string, thumb?: string): Promise<void> {
    await mkdir(join(this.dir, id.slice(0, 2)), { recursive: true, mode: 0o700 });
    if (thumb !== undefined) await rename(thumb, this.thumbPath(id));
    await rename(file, this.filePath(id));
  }

  /** Removes a file's bytes and thumbnail; one already gone is fine. */
  async remove(id: string): Promise<void> {
    await Promise.all([rm(this.filePath(id), { force: true }), rm(this.thumbPath(id), { force: true })]);
  }

  /** Resolves when a file can be written here (the /healthz check). */
  async ping(): Promise<void> {
    const probe = join(this.dir, 'tmp', `.probe-${process.pid}`);
    await writeFile(probe, '');
    await unlink(probe);
  }

  /** Removes what an interrupted upload left in tmp/ (older than `olderThanMs`). */
  async sweepTemp(olderThanMs: number, now = Date.now()): Promise<number> {
    const tmp = join(this.dir, 'tmp');
    let removed = 0;
    for (const name of await readdir(tmp)) {
      const path = join(tmp, name);
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs < now - olderThanMs) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** The key, made once with O_EXCL so that two nodes starting together agree on it. */
  private async readOrMakeKey(): Promise<Buffer> {
    const path = join(this.dir, KEY_FILE);
    try {
      await writeFile(path, randomBytes(KEY_BYTES), { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const key = await readFile(path);
    // A node that read the file while another was still writing it sees fewer bytes: read again.
    if (key.length < KEY_BYTES) {
      await new Promise((r) => setTimeout(r, 50));
      return readFile(path);
    }
    return key;
  }
}
