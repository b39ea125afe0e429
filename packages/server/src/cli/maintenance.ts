// `chat-server backup FILE` and `chat-server migrate`: open the configured store without serving,
// do the one job, close it.
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { createBackends } from '../backends.js';
import type { Config } from '../config.js';
import { MIGRATIONS as PG_MIGRATIONS } from '../store/pg/pg-schema.js';
import { isMaintainableStore, type Store } from '../store/store.js';
import { checkDataDir } from './data-dir.js';
import { fail } from './exit.js';

export const silentLog = { error: () => {}, warn: () => {}, info: () => {} };

/** Opens the configured store for a maintenance command (migrations run on open). */
async function maintainableStore(config: Config) {
  checkDataDir(config.dataDir);
  let store: Store;
  try {
    ({ store } = await createBackends({ ...config, redisUrl: null }, silentLog));
  } catch (err) {
    // An empty or damaged chat.db (store/sqlite/sqlite-files.ts), as `serve` reports it.
    fail(`error: cannot open the database: ${(err as Error).message}`, 1);
  }
  if (!isMaintainableStore(store)) fail('error: this store does not support backup/migrate here', 2);
  return store;
}

function pathTaken(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false; // missing; or unreachable, which the backup itself then reports
  }
}

export async function backup(config: Config, file: string): Promise<void> {
  if (config.databaseUrl !== null) fail('error: with DATABASE_URL, back up PostgreSQL with pg_dump, and UPLOAD_DIR with a file copy (see docs/scaling.md)', 2);
  // lstat, not exists: a symbolic link at FILE (even one pointing nowhere) is refused, never followed.
  if (pathTaken(file)) fail(`error: ${file} already exists; choose a new file name`, 2);
  // A typo in DATA_DIR must not produce an empty "backup" of a database created on the spot.
  const database = join(config.dataDir, 'chat.db');
  if (!existsSync(database)) fail(`error: no database at ${database} (check DATA_DIR)`, 2);
  const store = await maintainableStore(config);
  try {
    await store.backup(file);
  } catch (err) {
    fail(`error: backup failed: ${(err as Error).message}`, 1);
  } finally {
    await store.close();
  }
  process.stdout.write(`backup of ${config.dataDir} written to ${file}\n`);
  // The database holds the files' metadata, not their bytes (docs/deployment.md, Backups).
  const uploads = config.uploadDir ?? join(config.dataDir, 'files');
  process.stdout.write(`uploaded files are not in it: copy ${uploads} too (after the backup, so that it holds every file the backup names)\n`);
}

export async function migrate(config: Config): Promise<void> {
  if (config.databaseUrl !== null) {
    // Opening the store migrates it (under an advisory lock, so running nodes are safe).
    const { store } = await createBackends({ ...config, redisUrl: null }, silentLog);
    await store.close();
    process.stdout.write(`PostgreSQL database is at schema version ${PG_MIGRATIONS.length}\n`);
    return;
  }
  const store = await maintainableStore(config);
  const version = store.schemaVersion();
  await store.close();
  process.stdout.write(`database in ${config.dataDir} is at schema version ${version}\n`);
}
