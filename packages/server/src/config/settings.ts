// The table of settings: each one's env variable (its flag is derived), help line, default and
// parser. The only place that knows the names of settings; config.ts reads them through it.
import { DEFAULT_LIMITS } from '@chat/protocol';
import type { Config } from './config-types.js';
import {
  boolean,
  hostList,
  integer,
  keyPrefix,
  logLevel,
  nonEmpty,
  parseOrigins,
  path,
  publicUrl,
  roomCreation,
  urlWithScheme,
  usernames,
  vapidKey,
} from './parsers.js';

export interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  help: string;
  default: Config[K];
  parse: (raw: string, name: string) => Config[K];
}

export type AnySetting = { [K in keyof Config]: Setting<K> }[keyof Config];

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
  { key: 'uploads', env: 'UPLOADS', help: 'let users upload files and images', default: true, parse: boolean },
  { key: 'uploadDir', env: 'UPLOAD_DIR', help: 'where uploaded files live (default DATA_DIR/files; shared by a cluster)', default: null, parse: path },
  {
    key: 'maxUploadBytes',
    env: 'MAX_UPLOAD_BYTES',
    help: 'largest upload, in bytes',
    default: 10 * 1024 * 1024,
    parse: integer(1, 1024 * 1024 * 1024),
  },
  {
    key: 'maxUploadBytesPerUserPerDay',
    env: 'MAX_UPLOAD_BYTES_PER_USER_PER_DAY',
    help: 'bytes one user may upload per 24 hours',
    default: 200 * 1024 * 1024,
    parse: integer(1, Number.MAX_SAFE_INTEGER),
  },
  { key: 'guestUploads', env: 'GUEST_UPLOADS', help: 'let guests upload files (when UPLOADS is on)', default: true, parse: boolean },
  { key: 'push', env: 'PUSH', help: 'send Web Push notifications to subscribed accounts', default: true, parse: boolean },
  { key: 'vapidPublicKey', env: 'VAPID_PUBLIC_KEY', help: 'VAPID public key, base64url (default: generated once, kept in the database)', default: null, parse: vapidKey(65) },
  { key: 'vapidPrivateKey', env: 'VAPID_PRIVATE_KEY', help: 'VAPID private key, base64url (set with VAPID_PUBLIC_KEY)', default: null, parse: vapidKey(32) },
  {
    key: 'vapidSubject',
    env: 'VAPID_SUBJECT',
    help: 'how push services reach the operator: mailto:you@example.org or an https: URL',
    default: 'mailto:postmaster@localhost',
    parse: urlWithScheme(['mailto:', 'https:']),
  },
  {
    key: 'pushAllowPrivateEndpoints',
    env: 'PUSH_ALLOW_PRIVATE_ENDPOINTS',
    help: 'allow push endpoints on loopback and private addresses (tests, a push service in your network)',
    default: false,
    parse: boolean,
  },
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
