// The files `serve` reads before it starts (and the certificate again on SIGHUP): each problem is a
// one-line ConfigError naming the setting, never the file's contents.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { TlsCredentials } from '../app.js';
import { passwordProblem } from '../auth/password-policy.js';
import { ConfigError, type Config } from '../config.js';

/** Reads and checks the certificate and key; a problem is a one-line ConfigError. */
export function readTls(config: Config): TlsCredentials | undefined {
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

/**
 * The password in ADMIN_PASSWORD_FILE (its first line), checked as a registration's would be. A
 * missing or unreadable file, or a password refused, is a one-line ConfigError that never shows it.
 */
export function readAdminPassword(config: Config): string | undefined {
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
