// Environment variables and command-line flags -> one validated Config. main.ts is the only caller
// that passes real process.env / argv. The pieces live in config/: the Config type, the value
// parsers, the settings table (the only place that knows the names of settings) and ConfigError.
import { createECDH } from 'node:crypto';
import { ConfigError } from './config/config-error.js';
import type { Config } from './config/config-types.js';
import { defaultConfig, flagName, SETTINGS, type AnySetting } from './config/settings.js';

export { ConfigError } from './config/config-error.js';
export type { Config, LogLevel, RoomCreation } from './config/config-types.js';
export { parseOrigins } from './config/parsers.js';
export { defaultConfig, flagName, SETTINGS } from './config/settings.js';

export type ConfigResult = { kind: 'config'; config: Config } | { kind: 'help'; text: string };

/**
 * Reads settings from the environment, then from flags (`--port 3000` or `--port=3000`), flags
 * winning. Throws ConfigError with one line naming the bad setting.
 */
export function loadConfig(env: Record<string, string | undefined>, argv: string[]): ConfigResult {
  const raw = new Map<AnySetting, { value: string; name: string }>();
  for (const s of SETTINGS) {
    const v = env[s.env];
    if (v !== undefined && v !== '') raw.set(s, { value: v, name: s.env });
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'help', text: helpText() };
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const setting = SETTINGS.find((s) => flagName(s.env) === flag);
    if (!setting) throw new ConfigError(`unknown option "${flag}" (see --help)`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`${flag} needs a value`);
    raw.set(setting, { value, name: flag });
  }
  const config = defaultConfig() as unknown as Record<keyof Config, unknown>;
  for (const [setting, { value, name }] of raw) config[setting.key] = setting.parse(value, name);
  if (config.metricsPort !== 0 && config.metricsPort === config.port) {
    throw new ConfigError('METRICS_PORT must differ from PORT (or be 0 to serve metrics on PORT)');
  }
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    throw new ConfigError('TLS_CERT and TLS_KEY must be set together');
  }
  if (config.adminPasswordFile !== null && (config.adminUsers as string[]).length === 0) {
    throw new ConfigError('ADMIN_PASSWORD_FILE needs ADMIN_USERS: the file holds the password of the first name listed there');
  }
  if ((config.vapidPublicKey === null) !== (config.vapidPrivateKey === null)) {
    throw new ConfigError('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together');
  }
  if (config.vapidPrivateKey !== null && !vapidPairMatches(config.vapidPublicKey as string, config.vapidPrivateKey as string)) {
    throw new ConfigError('VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY');
  }
  // Several nodes on one SQLite file would each number messages on their own: not a cluster.
  if (config.redisUrl !== null && config.databaseUrl === null) {
    throw new ConfigError('REDIS_URL (cluster mode) needs DATABASE_URL: the nodes must share one PostgreSQL database');
  }
  return { kind: 'config', config: config as unknown as Config };
}

function vapidPairMatches(publicKey: string, privateKey: string): boolean {
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
    return ecdh.getPublicKey().equals(Buffer.from(publicKey, 'base64url'));
  } catch {
    return false; // not a valid private scalar for the curve
  }
}

export function helpText(): string {
  const lines = [
    'Usage: chat-server [command] [options]',
    '',
    'Commands:',
    '  serve                  run the chat server (the default)',
    '  backup FILE            write a consistent copy of the database to FILE, even while serving',
    '  migrate                bring the database schema up to date and exit',
    '  admin create NAME      make the admin account NAME (listed in ADMIN_USERS); asks for its password',
    '                         (one line on standard input when it is no terminal); --reset takes over',
    '                         an existing account: new password, all its sessions and tokens ended',
    '',
    'Options (every option is also an environment variable, shown in capitals):',
    '',
  ];
  for (const s of SETTINGS) {
    const def = s.default === null ? 'none' : Array.isArray(s.default) ? (s.default.length ? s.default.join(',') : 'none') : String(s.default);
    lines.push(`  ${(flagName(s.env) + ' <value>').padEnd(28)} ${s.env.padEnd(18)} ${s.help} (default: ${def})`);
  }
  return lines.join('\n');
}
