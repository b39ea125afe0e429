#!/usr/bin/env node
// The command-line entry: the only module that reads the environment, listens and handles signals.
//   chat-server [serve] [options]     run the server (the default)
//   chat-server backup FILE [options] write a consistent copy of the database while it runs
//   chat-server migrate [options]     bring the database schema up to date and exit
//   chat-server admin create NAME [--reset] [options]
//                                     make an admin account (password from the terminal or stdin)
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { USERNAME } from '@chat/protocol';
import { buildApp, type TlsCredentials } from './app.js';
import { createOperatorAdmin } from './auth/operator-admin.js';
import { passwordProblem } from './auth/password-policy.js';
import { createBackends } from './backends.js';
import { PromptError, readNewPassword } from './cli/password-prompt.js';
import { MIGRATIONS as PG_MIGRATIONS } from './store/pg-schema.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { isMaintainableStore, type Store } from './store/store.js';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function configError(err: unknown): never {
  if (err instanceof ConfigError) fail(`config error: ${err.message}`, 2);
  throw err;
}

function readConfig(argv: string[]): Config {
  try {
    const result = loadConfig(process.env, argv);
    if (result.kind === 'help') {
      process.stdout.write(`${result.text}\n`);
      process.exit(0);
    }
    return result.config;
  } catch (err) {
    configError(err);
  }
}

function checkDataDir(dir: string): void {
  try {
    // 0700: it will hold every message and password hash (the store narrows an existing one).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    fail(`config error: DATA_DIR "${dir}" is not a writable directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 2);
  }
}

/** Reads and checks the certificate and key; a problem is a one-line ConfigError. */
function readTls(config: Config): TlsCredentials | undefined {
  if (config.tlsCert === null || config.tlsKey === null) return undefined;
  const read = (file: string, name: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(`${name} "${file}" cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const credentials = { cert: read(config.tlsCert, 'TLS_CERT'), key: read(config.tlsKey, 'TLS_KEY') };
  try {
    createSecureContext(credentials);
  } catch (err) {
    throw new ConfigError(`TLS_CERT/TLS_KEY are not a matching PEM certificate and key (${(err as Error).message})`);
  }
  return credentials;
}

/** Where people can join: the local URL and, when listening on all interfaces, each LAN address. */
function joinUrls(scheme: string, host: string, port: number): string[] {
  const wildcard = host === '0.0.0.0' || host === '::';
  if (!wildcard) return [`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`];
  const urls = [`${scheme}://localhost:${port}`];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (!a.internal && a.family === 'IPv4') urls.push(`${scheme}://${a.address}:${port}`);
    }
  }
  return urls;
}

/**
 * The password in ADMIN_PASSWORD_FILE (its first line), checked as a registration's would be. A
 * missing or unreadable file, or a password refused, is a one-line ConfigError that never shows it.
 */
function readAdminPassword(config: Config): string | undefined {
  const file = config.adminPasswordFile;
  if (file === null) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`ADMIN_PASSWORD_FILE "${file}" cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const password = (text.split('\n')[0] ?? '').replace(/\r$/, '');
  const problem = passwordProblem(password);
  if (problem !== null) throw new ConfigError(`ADMIN_PASSWORD_FILE: ${problem}`);
  return password;
}

async function serve(config: Config): Promise<void> {
  let tls: TlsCredentials | undefined;
  let adminPassword: string | undefined;
  try {
    tls = readTls(config);
    adminPassword = readAdminPassword(config);
  } catch (err) {
    configError(err);
  }
  if (config.databaseUrl === null) checkDataDir(config.dataDir); // PostgreSQL: DATA_DIR is unused
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp({ config, tls, ...(adminPassword === undefined ? {} : { adminPassword }) });
  } catch (err) {
    // PostgreSQL or Redis unreachable at start-up, a wrong password, a missing database: one line
    // (their messages name host and port, never the URL's password), and a supervisor retries.
    fail(`error: cannot open the ${config.databaseUrl ? 'database or Redis' : 'database'}: ${(err as Error).message}`, 1);
  }
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`error: port ${config.port} is already in use (set PORT or --port)`, 1);
    if (code === 'EADDRNOTAVAIL') fail(`error: cannot listen on HOST ${config.host}`, 1);
    throw err;
  }
  try {
    await app.listenMetrics();
  } catch (err) {
    await app.close();
    fail(`error: cannot serve metrics on ${config.metricsHost}:${config.metricsPort} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 1);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const urls = joinUrls(tls ? 'https' : 'http', config.host, port);
  app.log.info({ event: 'listening', urls }, 'chat server listening');
  process.stdout.write(`\nChat is running. Join at:\n${urls.map((u) => `  ${u}`).join('\n')}\n\n`);

  // SIGHUP: re-read the certificate (renewals without a restart). Without TLS there is nothing to
  // reload, but the signal must not kill the server either.
  process.on('SIGHUP', () => {
    if (!tls) return app.log.info({ signal: 'SIGHUP' }, 'no TLS certificate to reload');
    try {
      const fresh = readTls(config) as TlsCredentials;
      (app.server as unknown as HttpsServer).setSecureContext(fresh);
      app.log.info({ signal: 'SIGHUP' }, 'TLS certificate reloaded');
    } catch (err) {
      app.log.error({ err: (err as Error).message }, 'TLS certificate reload failed; keeping the current one');
    }
  });

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      app.log.info({ signal }, 'shutting down');
      setTimeout(() => fail('shutdown took longer than 10 s; forcing exit', 1), 10_000).unref();
      app.close().then(
        () => process.exit(0),
        (err: unknown) => {
          app.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

const silentLog = { error: () => {}, warn: () => {}, info: () => {} };

/** Opens the configured store for a maintenance command (migrations run on open). */
async function maintainableStore(config: Config) {
  checkDataDir(config.dataDir);
  let store: Store;
  try {
    ({ store } = await createBackends({ ...config, redisUrl: null }, silentLog));
  } catch (err) {
    // An empty or damaged chat.db (store/sqlite-files.ts), as `serve` reports it.
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

async function backup(config: Config, file: string): Promise<void> {
  if (config.databaseUrl !== null) fail('error: with DATABASE_URL, back up PostgreSQL with pg_dump (see docs/scaling.md)', 2);
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
}

async function migrate(config: Config): Promise<void> {
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

const ADMIN_USAGE = 'usage: chat-server admin create NAME [--reset] [options]';

/**
 * `admin create NAME [--reset]`: the operator makes an admin account (issue 13). The password comes
 * from the terminal (twice, no echo) or from the first line of standard input, never from argv.
 */
async function adminCreate(args: string[]): Promise<void> {
  const [sub, name, ...more] = args;
  if (sub !== 'create' || name === undefined || name.startsWith('-')) fail(ADMIN_USAGE, 2);
  const reset = more.includes('--reset');
  const config = readConfig(more.filter((a) => a !== '--reset'));
  if (!USERNAME.test(name)) fail(`error: "${name}" is not a username (3-32 of a-z, 0-9, _ and -)`, 2);
  let password: string;
  try {
    password = await readNewPassword(`Password for ${name}`);
  } catch (err) {
    if (err instanceof PromptError) fail(`error: ${err.message}`, 2);
    throw err;
  }
  if (password === '') fail('error: no password given (type it on the terminal, or give it as one line on standard input)', 2);
  const problem = passwordProblem(password);
  if (problem !== null) fail(`error: ${problem}`, 2);
  if (config.databaseUrl === null) checkDataDir(config.dataDir);
  let store: Awaited<ReturnType<typeof createBackends>>['store'];
  try {
    ({ store } = await createBackends({ ...config, redisUrl: null }, silentLog));
  } catch (err) {
    fail(`error: cannot open the database: ${(err as Error).message}`, 1);
  }
  let outcome: Awaited<ReturnType<typeof createOperatorAdmin>>;
  try {
    outcome = await createOperatorAdmin(store, name, password, { reset });
  } catch (err) {
    await store.close().catch(() => undefined);
    fail(`error: ${(err as Error).message}`, 1);
  }
  await store.close();
  switch (outcome.kind) {
    case 'exists':
      fail(
        `error: an account named ${name} exists (${outcome.operatorAdmin ? 'made by the operator' : 'registered by someone'}); ` +
          `\`chat-server admin create ${name} --reset\` gives it this password, makes it admin and ends all its sessions and tokens`,
        2,
      );
    case 'created':
      process.stdout.write(`admin account ${name} created\n`);
      break;
    case 'reset':
      process.stdout.write(`admin account ${name}: new password set, made admin; ${outcome.revoked} sessions and tokens ended\n`);
      break;
  }
  if (!config.adminUsers.includes(name)) {
    process.stderr.write(`warning: ${name} is not in ADMIN_USERS here: the account has admin rights only while it is listed there\n`);
  }
}

const argv = process.argv.slice(2);
const first = argv[0];
const command = first !== undefined && !first.startsWith('-') ? first : 'serve';
const rest = command === 'serve' && first !== 'serve' ? argv : argv.slice(1);
switch (command) {
  case 'serve':
    await serve(readConfig(rest));
    break;
  case 'backup': {
    const file = rest[0];
    if (file === undefined || file.startsWith('-')) fail('usage: chat-server backup FILE [options]', 2);
    await backup(readConfig(rest.slice(1)), file);
    break;
  }
  case 'migrate':
    await migrate(readConfig(rest));
    break;
  case 'admin':
    await adminCreate(rest);
    break;
  default:
    fail(`config error: unknown command "${command}" (commands: serve, backup FILE, migrate, admin create NAME; see --help)`, 2);
}
