import { accessSync, constants, mkdirSync } from 'node:fs';
import { fail } from './exit.js';

/** Makes DATA_DIR if needed (0700) and checks that it is writable; else exits 2 naming it. */
export function checkDataDir(dir: string): void {
  try {
    // 0700: it will hold every message and password hash (the store narrows an existing one).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    fail(`config error: DATA_DIR "${dir}" is not a writable directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 2);
  }
}
