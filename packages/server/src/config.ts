// Environment variables and command-line flags -> one validated Config. The only module that knows
// the names of settings; main.ts is the only caller that passes real process.env / argv.
import { DEFAULT_LIMITS } from '@chat/protocol';
import { parseHost } from './net/host-policy.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Sends per second per user (burst twice this); 0 turns the limit off. */
  rateLimit: number;
  maxMessageChars: number;
  maxFrameBytes: number;
  heartbeatMs: number;
  historyWindow: number;
  /** Exact origins (scheme://host[:port]) allowed besides the server's own. */
  allowedOrigins: string[];
  trustProxy: boolean;
  logLevel: LogLevel;
  /** PEM certificate chain and key files; both set turns the port into HTTPS + wss. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** Serve Prometheus metrics at /metrics. */
  metrics: boolean;
  /** 0: metrics on the main port; otherwise their own listener on metricsHost:metricsPort. */
  metricsPort: number;
  metricsHost: string;
  /** Delete messages older than this many days (0 keeps everything). Seq numbers are never reused. */
  retentionDays: number;
  /** Anonymous users may chat as guests; when false an upgrade needs a session or token. */
  allowGuests: boolean;
  /** Usernames with owner rights in every room (and room deletion). */
  adminUsers: string[];
  /** Open WebSocket connections per client IP (0 = unlimited). */
  maxConnectionsPerIp: number;
  /** Rooms one connection may have joined at once (0 = unlimited). */
  maxRoomsPerConnection: number;
  /** Account registrations per client IP per hour (0 = unlimited). */
  maxRegistrationsPerIp: number;
  /** PostgreSQL connection string: selects the PostgreSQL store instead of SQLite (cluster mode). */
  databaseUrl: string | null;
  /** Most PostgreSQL connections this node holds. */
  databasePoolMax: number;
  /** Redis URL: selects the Redis bus and presence, so several nodes form one cluster. */
  redisUrl: string | null;
  /** Prefix of this deployment's Redis keys and channel (several deployments may share a Redis). */
  redisPrefix: string;
  /** A node silent this long is dead: its users are removed from presence (cluster mode). */
  presenceExpiryMs: number;
  /** Sends per second per client address (IPv6: per /64), burst twice this; 0 = unlimited. */
  rateLimitPerIp: number;
  /** Who may create rooms: everyone (guests too), accounts, or admins only. */
  roomCreation: RoomCreation;
  /** Rooms one user may create per hour (0 = unlimited; admins are not counted). */
  maxRoomsCreatedPerHour: number;
  /** Rooms created per client address per hour (0 = unlimited). */
  maxRoomsCreatedPerIpPerHour: number;
  /** Requests that touch the store (join, history, nick, …) per second per client address, burst 10×; 0 = unlimited. */
  requestRatePerIp: number;
  /** The URL people open (e.g. https://chat.example.org/wsline/): its host is answered, its origin is ours. */
  publicUrl: string | null;
  /** Host names answered besides loopback (`name` on any port, `name:port`); with PUBLIC_URL unset too, the machine's own. */
  allowedHosts: string[];
  /** New guests per client address (IPv4, or IPv6 /64) per hour (0 = unlimited). */
  maxGuestsPerIpPerHour: number;
  /** Sign-in attempts per client address per 10 minutes, successes included; half may fail (0 = unlimited). */
  maxLoginsPerIp: number;
  /** "Username taken" answers to registrations per client address per hour (0 = unlimited). */
  maxNameConflictsPerIp: number;
  /** A file holding the password of the first ADMIN_USERS name: its account is made at start. */
  adminPasswordFile: string | null;
}

/** Who may create rooms (ROOM_CREATION; Campfire has the same switch). */
const ROOM_CREATION = ['everyone', 'accounts', 'admins'] as const;
export type RoomCreation = (typeof ROOM_CREATION)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {}

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  help: string;
  default: Config[K];
  parse: (raw: string, name: string) => Config[K];
}

function integer(min: number, max: number) {
  return (raw: string, name: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return n;
  };
}

function boolean(raw: string, name: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function nonEmpty(raw: string, name: string): string {
  if (raw.trim() === '') throw new ConfigError(`${name} must not be empty`);
  return raw.trim();
}

/** Parses a comma-separated list of origins; each must be exactly scheme://host[:port]. */
export function parseOrigins(raw: string, name: string): string[] {
  const origins: string[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (part.includes('*')) throw new ConfigError(`${name}: "${part}": wildcards are not allowed; list each origin exactly`);
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw new ConfigError(`${name}: "${part}" is not an origin like https://chat.example.org`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== part.replace(/\/$/, '').toLowerCase()) {
      throw new ConfigError(`${name}: "${part}" is not an origin like https://chat.example.org (no path, no wildcard)`);
    }
    origins.push(url.origin);
  }
  return origins;
}

/** An http(s) URL without credentials, query or fragment (a path is fine), normalized by URL. */
function publicUrl(raw: string, name: string): string {
  const value = raw.trim();
  const example = `${name} must be the URL people open, like https://chat.example.org/ or https://example.org/chat/`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${example}, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${example} (http or https), got "${raw}"`);
  if (url.username || url.password || url.search || url.hash || value.includes('#')) {
    throw new ConfigError(`${example} (no user, password, query or fragment)`);
  }
  if (parseHost(url.hostname) === null) throw new ConfigError(`${example}, got "${raw}"`);
  return url.href;
}

/**
 * Comma-separated host names, each `name` (any port) or `name:port`: DNS names, IPv4 addresses as
 * a.b.c.d, IPv6 addresses in brackets. Each must be written as browsers write it in Host (checked
 * by URL's own serialization), or it could never match. No wildcards: a suffix rule is exactly
 * what a rebinding attacker needs a mistake in (*.example.org also covers names nobody vetted).
 */
function hostList(raw: string, name: string): string[] {
  const hosts: string[] = [];
  for (const part of raw.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (part.includes('*')) throw new ConfigError(`${name}: "${part}": wildcards are not allowed; list each host name`);
    const parts = parseHost(part);
    let canonical: string | null = null;
    try {
      canonical = new URL(`http://${parts?.name ?? ''}/`).hostname;
    } catch {
      // not a host name URL accepts
    }
    if (parts === null || canonical !== parts.name) {
      throw new ConfigError(`${name}: "${part}" is not a host name like chat.example.org, chat.example.org:8443, 192.168.1.20 or [2001:db8::1]`);
    }
    hosts.push(part);
  }
  return hosts;
}

function path(raw: string, name: string): string | null {
  return nonEmpty(raw, name);
}

/** Comma-separated usernames (3-32 of a-z 0-9 _ -). */
function usernames(raw: string, name: string): string[] {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const u of list) {
    if (!/^[a-z0-9_-]{3,32}$/.test(u)) throw new ConfigError(`${name}: "${u}" is not a username (3-32 of a-z, 0-9, _ and -)`);
  }
  return list;
}

/** A URL with one of these schemes; the value is never echoed back (it may hold a password). */
function urlWithScheme(schemes: string[]) {
  return (raw: string, name: string): string => {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw new ConfigError(`${name} is not a URL (expected ${schemes.map((s) => `${s}//…`).join(' or ')})`);
    }
    if (!schemes.includes(url.protocol)) throw new ConfigError(`${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')}`);
    return raw.trim();
  };
}

function keyPrefix(raw: string, name: string): string {
  if (!/^[A-Za-z0-9_:.-]{1,64}$/.test(raw)) throw new ConfigError(`${name} must be 1-64 of A-Z a-z 0-9 _ : . -, got "${raw}"`);
  return raw;
}

function roomCreation(raw: string, name: string): RoomCreation {
  const v = raw.trim().toLowerCase();
  if (!(ROOM_CREATION as readonly string[]).includes(v)) throw new ConfigError(`${name} must be one of ${ROOM_CREATION.join(', ')}, got "${raw}"`);
  return v as RoomCreation;
}

function logLevel(raw: string, name: string): LogLevel {
  const v = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(v)) {
    throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  }
  return v as LogLevel;
}

type AnySetting = { [K in keyof Config]: Setting<K> }[keyof Config];

export const SETTINGS: AnySetting[] = [
  { key: 'port', env: 'PORT', help: 'TCP port for HTTP and WebSocket', default: 3000, parse: integer(0, 65535) },
  { key: 'host', env: 'HOST', help: 'address to listen on', default: '0.0.0.0', parse: nonEmpty },
  { key: 'dataDir', env: 'DATA_DIR', help: 'where the SQLite database lives', default: './data', parse: nonEmpty },
  {
    key: 'rateLimit',
    env: 'RATE_LIMIT',
    help: 'messages per second per user, burst 2x (0 = unlimited)',
    default: DEFAULT_LIMITS.rateLimit,
    parse: integer(0, 1_000_000),
  },
  {
    key: 'maxMessageChars',
    env: 'MAX_MESSAGE_CHARS',
    help: 'longest message text, in characters',
    default: DEFAULT_LIMITS.maxMessageChars,
    parse: integer(1, 1_000_000),
  },
  {
    key: 'maxFrameBytes',
    env: 'MAX_FRAME_BYTES',
    help: 'largest WebSocket frame; larger closes with 1009',
    default: DEFAULT_LIMITS.maxFrameBytes,
    parse: integer(256, 16 * 1024 * 1024),
  },
  {
    key: 'heartbeatMs',
    env: 'HEARTBEAT_MS',
    help: 'ping interval; two unanswered pings drop a connection',
    default: DEFAULT_LIMITS.heartbeatMs,
    parse: integer(10, 3_600_000),
  },
  {
    key: 'historyWindow',
    env: 'HISTORY_WINDOW',
    help: 'messages sent with a join',
    default: DEFAULT_LIMITS.historyWindow,
    parse: integer(0, 1000),
  },
  {
    key: 'allowedOrigins',
    env: 'ALLOWED_ORIGINS',
    help: 'comma-separated origins allowed besides the server\'s own',
    default: [],
    parse: parseOrigins,
  },
  {
    key: 'trustProxy',
    env: 'TRUST_PROXY',
    help: 'take client IP and scheme from X-Forwarded-* headers',
    default: false,
    parse: boolean,
  },
  { key: 'logLevel', env: 'LOG_LEVEL', help: 'fatal|error|warn|info|debug|trace|silent', default: 'info', parse: logLevel },
  { key: 'tlsCert', env: 'TLS_CERT', help: 'PEM certificate (chain) file: serve HTTPS and wss (with TLS_KEY)', default: null, parse: path },
  { key: 'tlsKey', env: 'TLS_KEY', help: 'PEM private key file for TLS_CERT', default: null, parse: path },
  { key: 'metrics', env: 'METRICS', help: 'serve Prometheus metrics at /metrics', default: true, parse: boolean },
  {
    key: 'metricsPort',
    env: 'METRICS_PORT',
    help: 'serve /metrics on this port instead of the main one (0 = main port)',
    default: 0,
    parse: integer(0, 65535),
  },
  { key: 'metricsHost', env: 'METRICS_HOST', help: 'address for METRICS_PORT', default: '127.0.0.1', parse: nonEmpty },
  {
    key: 'retentionDays',
    env: 'RETENTION_DAYS',
    help: 'delete messages older than this many days (0 = keep forever)',
    default: 0,
    parse: integer(0, 36500),
  },
  { key: 'allowGuests', env: 'ALLOW_GUESTS', help: 'let people chat without an account', default: true, parse: boolean },
  { key: 'adminUsers', env: 'ADMIN_USERS', help: 'comma-separated usernames with owner rights everywhere', default: [], parse: usernames },
  {
    key: 'maxConnectionsPerIp',
    env: 'MAX_CONNECTIONS_PER_IP',
    help: 'open WebSocket connections per client IP (0 = unlimited)',
    default: 20,
    parse: integer(0, 1_000_000),
  },
  {
    key: 'maxRoomsPerConnection',
    env: 'MAX_ROOMS_PER_CONNECTION',
    help: 'rooms one connection may be in (0 = unlimited)',
    default: 100,
    parse: integer(0, 1_000_000),
  },
  {
    key: 'maxRegistrationsPerIp',
    env: 'MAX_REGISTRATIONS_PER_IP',
    help: 'account registrations per client IP per hour (0 = unlimited)',
    default: 30,
    parse: integer(0, 1_000_000),
  },
  {
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    help: 'postgres://… : store in PostgreSQL instead of SQLite (cluster mode)',
    default: null,
    parse: urlWithScheme(['postgres:', 'postgresql:']),
  },
  { key: 'databasePoolMax', env: 'DATABASE_POOL_MAX', help: 'most PostgreSQL connections per node', default: 10, parse: integer(1, 1000) },
  {
    key: 'redisUrl',
    env: 'REDIS_URL',
    help: 'redis://… : share messages and presence between nodes through Redis (cluster mode)',
    default: null,
    parse: urlWithScheme(['redis:', 'rediss:']),
  },
  { key: 'redisPrefix', env: 'REDIS_PREFIX', help: 'prefix of this deployment\'s Redis keys and channel', default: 'chat:', parse: keyPrefix },
  {
    key: 'presenceExpiryMs',
    env: 'PRESENCE_EXPIRY_MS',
    help: 'a node silent this long is dead and its users leave (cluster mode)',
    default: 30_000,
    parse: integer(1000, 3_600_000),
  },
  {
    key: 'rateLimitPerIp',
    env: 'RATE_LIMIT_PER_IP',
    help: 'messages per second per client address (IPv6: per /64), burst 2x (0 = unlimited)',
    default: 30,
    parse: integer(0, 1_000_000),
  },
  { key: 'roomCreation', env: 'ROOM_CREATION', help: 'who may create rooms: everyone|accounts|admins', default: 'everyone', parse: roomCreation },
  {
    key: 'maxRoomsCreatedPerHour',
    env: 'MAX_ROOMS_CREATED_PER_HOUR',
    help: 'rooms one user may create per hour (0 = unlimited; admins unlimited)',
    default: 20,
    parse: integer(0, 1_000_000),
  },
  {
    key: 'maxRoomsCreatedPerIpPerHour',
    env: 'MAX_ROOMS_CREATED_PER_IP_PER_HOUR',
    help: 'rooms created per client address per hour (0 = unlimited)',
    default: 50,
    parse: integer(0, 1_000_000),
  },
  {
    key: 'requestRatePerIp',
    env: 'REQUEST_RATE_PER_IP',
    help: 'requests touching the store (join, leave, history, nick, moderation) per second per client address, burst 10x (0 = unlimited)',
    default: 50,
    parse: integer(0, 1_000_000),
  },
  {
    key: 'publicUrl',
    env: 'PUBLIC_URL',
    help: 'the URL people open (https://chat.example.org/wsline/): its host is answered and its origin is ours; set it behind a proxy',
    default: null,
    parse: publicUrl,
  },
  {
    key: 'allowedHosts',
    env: 'ALLOWED_HOSTS',
    help: 'comma-separated host names (name or name:port) answered besides loopback and PUBLIC_URL\'s; with neither set, this machine\'s names and addresses',
    default: [],
    parse: hostList,
  },
  {
    key: 'maxGuestsPerIpPerHour',
    env: 'MAX_GUESTS_PER_IP_PER_HOUR',
    help: 'new guests per client IP (IPv6: per /64) per hour (0 = unlimited)',
    default: 100,
    parse: integer(0, 1_000_000),
  },
  {
    key: 'maxLoginsPerIp',
    env: 'MAX_LOGINS_PER_IP',
    help: 'sign-in attempts per client IP per 10 minutes, successes too; half may fail (0 = unlimited)',
    default: 60,
    parse: integer(0, 1_000_000),
  },
  {
    key: 'maxNameConflictsPerIp',
    env: 'MAX_NAME_CONFLICTS_PER_IP',
    help: '"username taken" answers to registrations per client IP per hour (0 = unlimited)',
    default: 10,
    parse: integer(0, 1_000_000),
  },
  {
    key: 'adminPasswordFile',
    env: 'ADMIN_PASSWORD_FILE',
    help: 'file holding the password of the first ADMIN_USERS name, whose account is made at start',
    default: null,
    parse: path,
  },
];

export const flagName = (env: string): string => `--${env.toLowerCase().replace(/_/g, '-')}`;

export function defaultConfig(): Config {
  const config = {} as Record<keyof Config, unknown>;
  for (const s of SETTINGS) config[s.key] = s.default;
  return config as Config;
}

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
  // Several nodes on one SQLite file would each number messages on their own: not a cluster.
  if (config.redisUrl !== null && config.databaseUrl === null) {
    throw new ConfigError('REDIS_URL (cluster mode) needs DATABASE_URL: the nodes must share one PostgreSQL database');
  }
  return { kind: 'config', config: config as unknown as Config };
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
