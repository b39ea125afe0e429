#!/usr/bin/env node
// The command-line entry: the only module that reads the environment, listens and handles signals.
//   chat-server [serve] [options]     run the server (the default)
//   chat-server backup FILE [options] write a consistent copy of the database while it runs
//   chat-server migrate [options]     bring the database schema up to date and exit
//   chat-server admin create NAME [--reset] [options]
//                                     make an admin account (password from the terminal or stdin)
import type { Server as HttpsServer } from 'node:https';
import { buildApp, type TlsCredentials } from './app.js';
import { createBackends, type BackendLogger } from './backends.js';
import { adminCreate } from './cli/admin-create.js';
import { checkDataDir } from './cli/data-dir.js';
import { configError, fail } from './cli/exit.js';
import { joinUrls } from './cli/join-urls.js';
import { backup, migrate } from './cli/maintenance.js';
import { readAdminPassword, readTls } from './cli/startup-files.js';
import { loadConfig, type Config } from './config.js';

/**
 * Connections the kernel may hold for accept() (it caps this at net.core.somaxconn, 4096 on current
 * Linux). Node's default of 511 overflowed when a restarted server's clients all came back at once:
 * the kernel dropped the rest of the handshakes, and each of those clients waited out TCP's 1 s, then
 * 3 s, SYN retransmission before it was even seen (docs/benchmarks.md, restart storm).
 */
const LISTEN_BACKLOG = 4096;

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
    // The composition root: the backends the config selects, handed to the app with its logger.
    const backends = (log: BackendLogger) => createBackends(config, log);
    app = await buildApp({ config, tls, backends, ...(adminPassword === undefined ? {} : { adminPassword }) });
  } catch (err) {
    // PostgreSQL or Redis unreachable at start-up, a wrong password, a missing database: one line
    // (their messages name host and port, never the URL's password), and a supervisor retries.
    fail(`error: cannot open the ${config.databaseUrl ? 'database or Redis' : 'database'}: ${(err as Error).message}`, 1);
  }
  try {
    await app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
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
    await adminCreate(rest, readConfig);
    break;
  default:
    fail(`config error: unknown command "${command}" (commands: serve, backup FILE, migrate, admin create NAME; see --help)`, 2);
}
