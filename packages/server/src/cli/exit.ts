// How the command line ends on a problem: one line on stderr and an exit code (2: the operator's
// input, such as a setting, a file name or a password; 1: the database or the network).
import { ConfigError } from '../config.js';

export function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

export function configError(err: unknown): never {
  if (err instanceof ConfigError) fail(`config error: ${err.message}`, 2);
  throw err;
}
