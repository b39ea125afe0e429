#!/usr/bin/env node
// The command-line entry: the only module that reads the environment, listens and handles signals.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function readConfig(): Config {
  try {
    const result = loadConfig(process.env, process.argv.slice(2));
    if (result.kind === 'help') {
      process.stdout.write(`${result.text}\n`);
      process.exit(0);
    }
    return result.config;
  } catch (err) {
    if (err instanceof ConfigError) fail(`config error: ${err.message}`, 2);
    throw err;
  }
}

function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    fail(`config error: DATA_DIR "${dir}" is not a writable directory (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 2);
  }
}

/** Where people can join: the local URL and, when listening on all interfaces, each LAN address. */
function joinUrls(host: string, port: number): string[] {
  const wildcard = host === '0.0.0.0' || host === '::';
  if (!wildcard) return [`http://${host.includes(':') ? `[${host}]` : host}:${port}`];
  const urls = [`http://localhost:${port}`];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (!a.internal && a.family === 'IPv4') urls.push(`http://${a.address}:${port}`);
    }
  }
  return urls;
}

const config = readConfig();
checkDataDir(config.dataDir);
const app = await buildApp({ config });
try {
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') fail(`error: port ${config.port} is already in use (set PORT or --port)`, 1);
  if (code === 'EADDRNOTAVAIL') fail(`error: cannot listen on HOST ${config.host}`, 1);
  throw err;
}
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
const urls = joinUrls(config.host, port);
app.log.info({ event: 'listening', urls }, 'chat server listening');
process.stdout.write(`\nChat is running. Join at:\n${urls.map((u) => `  ${u}`).join('\n')}\n\n`);

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
