// The SQLite store's files on disk, checked before they are served: a chat.db that is there but
// empty is refused (SQLite would silently start a new, empty database over it: history gone, seqs
// starting again at 1), and so is one whose pages do not hold together (PRAGMA quick_check), which
// would otherwise give a server that fails every join while /healthz says 200.
import { closeSync, constants, openSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';

/** The data directory or database must not be opened; the message is one line saying what to do. */
export class DatabaseFileError extends Error {
  override name = 'DatabaseFileError';
}

/**
 * Readies the database file before SQLite opens it. A missing one is created empty (SQLite writes
 * its header as soon as the store sets WAL mode, so no chat.db of ours stays empty); an empty one
 * that was already there is refused: only a data directory without chat.db is a new one.
 */
export function prepareDatabaseFile(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    try {
      closeSync(openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
    }
    return;
  }
  if (size === 0) {
    throw new DatabaseFileError(
      `${path} is empty (0 bytes) where a database was: restore it from a backup (docs/deployment.md); ` +
        'only if this data directory is meant to start afresh, delete the file',
    );
  }
}

/**
 * PRAGMA quick_check: every page of every table and index is well formed and in its tree (not
 * whether indexes match their tables, which would read it all again). It reads the whole file:
 * about a quarter of a second per 100 MB here, from the page cache.
 */
export function checkIntegrity(db: Database.Database, path: string): void {
  let result: string;
  try {
    result = String(db.pragma('quick_check', { simple: true }));
  } catch (err) {
    result = (err as Error).message; // e.g. "database disk image is malformed"
  }
  if (result === 'ok') return;
  // The first problem, on one line: "*** in database main ***\nTree 8 page 13: …" -> "Tree 8 page 13: …".
  const problem = result.replace(/\*\*\* in database \w+ \*\*\*/, '').replace(/\s+/g, ' ').trim().slice(0, 200);
  throw new DatabaseFileError(`${path} is damaged (quick_check: ${problem}); restore it from a backup (docs/deployment.md)`);
}
