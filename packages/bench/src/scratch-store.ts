// A fresh store for one measurement (the search and myrooms scenarios): a temporary data directory
// for SQLite, a scratch schema (services.ts Scratch) in the database at --database-url for
// PostgreSQL. The scenario removes it afterwards, or keeps it when asked to.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreKind } from './search/fill.js';
import { Scratch, shown } from './services.js';

export class ScratchStore {
  private constructor(
    readonly kind: StoreKind,
    /** The data directory, or the DATABASE_URL that selects the schema. */
    readonly where: string,
    private readonly scratch: Scratch | null,
  ) {}

  /** `dirPrefix` names a SQLite data directory (`chat-bench-<scenario>-`). */
  static async create(kind: StoreKind, databaseUrl: string, dirPrefix: string): Promise<ScratchStore> {
    if (kind === 'sqlite') return new ScratchStore(kind, mkdtempSync(join(tmpdir(), dirPrefix)), null);
    const scratch = await Scratch.create(databaseUrl, null);
    return new ScratchStore(kind, scratch.databaseUrl, scratch);
  }

  /** The server's environment for this store. */
  get env(): Record<string, string> {
    return this.kind === 'postgres' ? { DATABASE_URL: this.where } : { DATA_DIR: this.where };
  }

  /** `where` for a log line: a URL without its password. */
  get shown(): string {
    return this.kind === 'postgres' ? shown(this.where) : this.where;
  }

  async remove(): Promise<void> {
    if (this.scratch) await this.scratch.drop();
    else rmSync(this.where, { recursive: true, force: true });
  }
}
