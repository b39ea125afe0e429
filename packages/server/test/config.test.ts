// Configuration: loadConfig() as a unit (defaults, environment, flags overriding the environment,
// every bad value naming its setting), and the built entry point (dist/main.js) as a child process:
// a bad value prints one "config error:" line and exits 2 without listening; --help exits 0.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig, SETTINGS, type Config } from '../src/config.js';
import { tempDir } from './helpers.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ENV_NAMES = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'RATE_LIMIT',
  'MAX_MESSAGE_CHARS',
  'MAX_FRAME_BYTES',
  'HEARTBEAT_MS',
  'HISTORY_WINDOW',
  'ALLOWED_ORIGINS',
  'TRUST_PROXY',
  'LOG_LEVEL',
  'TLS_CERT',
  'TLS_KEY',
  'METRICS',
  'METRICS_PORT',
  'METRICS_HOST',
  'RETENTION_DAYS',
  'ALLOW_GUESTS',
  'ADMIN_USERS',
  'MAX_CONNECTIONS_PER_IP',
  'MAX_ROOMS_PER_CONNECTION',
  'MAX_REGISTRATIONS_PER_IP',
  'DATABASE_URL',
  'DATABASE_POOL_MAX',
  'REDIS_URL',
  'REDIS_PREFIX',
  'PRESENCE_EXPIRY_MS',
  'RATE_LIMIT_PER_IP',
  'ROOM_CREATION',
  'MAX_ROOMS_CREATED_PER_HOUR',
  'MAX_ROOMS_CREATED_PER_IP_PER_HOUR',
  'REQUEST_RATE_PER_IP',
  'PUBLIC_URL',
  'ALLOWED_HOSTS',
  'MAX_GUESTS_PER_IP_PER_HOUR',
  'MAX_LOGINS_PER_IP',
  'MAX_NAME_CONFLICTS_PER_IP',
  'ADMIN_PASSWORD_FILE',
  'UPLOADS',
  'UPLOAD_DIR',
  'MAX_UPLOAD_BYTES',
  'MAX_UPLOAD_BYTES_PER_USER_PER_DAY',
  'GUEST_UPLOADS',
  'PUSH',
  'VAPID_PUBLIC_KEY',
  'VAPID_PRIVATE_KEY',
  'VAPID_SUBJECT',
  'PUSH_ALLOW_PRIVATE_ENDPOINTS',
];
/** A VAPID key pair made once for these tests (web-push's generateVAPIDKeys). */
const VAPID = {
  publicKey: 'BASGJWDmxC7MV4XSGIBJLsKodoAK8Yu1P8_U_y6euOjdnl7bxQ4Z0foYoabnWxM67dQFE820z9EQFal4ItsWYLE',
  privateKey: 'OrvnfpJe5VCyAp6ADldnZOHYcxzW71m-NV2EhylOCHc',
};
/** Defaults of the operations settings (TLS, metrics, retention), the same in every expectation below. */
const OPS_DEFAULTS = {
  tlsCert: null,
  tlsKey: null,
  metrics: true,
  metricsPort: 0,
  metricsHost: '127.0.0.1',
  retentionDays: 0,
  allowGuests: true,
  adminUsers: [],
  maxConnectionsPerIp: 20,
  maxRoomsPerConnection: 100,
  maxRegistrationsPerIp: 30,
  databaseUrl: null,
  databasePoolMax: 10,
  redisUrl: null,
  redisPrefix: 'chat:',
  presenceExpiryMs: 30000,
  rateLimitPerIp: 30,
  roomCreation: 'everyone',
  maxRoomsCreatedPerHour: 20,
  maxRoomsCreatedPerIpPerHour: 50,
  requestRatePerIp: 50,
  publicUrl: null,
  allowedHosts: [],
  maxGuestsPerIpPerHour: 100,
  maxLoginsPerIp: 60,
  maxNameConflictsPerIp: 10,
  adminPasswordFile: null,
  uploads: true,
  uploadDir: null,
  maxUploadBytes: 10 * 1024 * 1024,
  maxUploadBytesPerUserPerDay: 200 * 1024 * 1024,
  guestUploads: true,
  push: true,
  vapidPublicKey: null,
  vapidPrivateKey: null,
  vapidSubject: 'mailto:postmaster@localhost',
  pushAllowPrivateEndpoints: false,
};

function configOf(env: Record<string, string | undefined>, argv: string[] = []): Config {
  const result = loadConfig(env, argv);
  if (result.kind !== 'config') throw new Error(`expected a config, got ${result.kind}`);
  return result.config;
}

/** Runs loadConfig expecting a ConfigError; returns its message. */
function configError(env: Record<string, string | undefined>, argv: string[] = []): string {
  let caught: unknown;
  try {
    loadConfig(env, argv);
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ConfigError for env=${JSON.stringify(env)} argv=${JSON.stringify(argv)}`).toBeInstanceOf(ConfigError);
  const message = (caught as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('loadConfig: defaults', () => {
  it('uses the documented defaults with no environment and no flags', () => {
    const config = configOf({});
    expect(config).toEqual({
      port: 3000,
      host: '0.0.0.0',
      dataDir: './data',
      rateLimit: 10,
      maxMessageChars: 4000,
      maxFrameBytes: 65536,
      heartbeatMs: 30000,
      historyWindow: 50,
      allowedOrigins: [],
      trustProxy: false,
      logLevel: 'info',
      ...OPS_DEFAULTS,
    });
    expect(config).toEqual(defaultConfig());
  });

  it('ignores unrelated and empty environment variables', () => {
    expect(configOf({ PATH: '/usr/bin', HOME: '/root', PORT: '', npm_config_port: '1' })).toEqual(defaultConfig());
  });

  it('knows exactly the documented settings', () => {
    expect(SETTINGS.map((s) => s.env).sort()).toEqual([...ENV_NAMES].sort());
  });
});

describe('loadConfig: environment', () => {
  it('reads every setting from its environment variable', () => {
    const config = configOf({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/chat',
      RATE_LIMIT: '0',
      MAX_MESSAGE_CHARS: '500',
      MAX_FRAME_BYTES: '1024',
      HEARTBEAT_MS: '5000',
      HISTORY_WINDOW: '20',
      ALLOWED_ORIGINS: 'https://chat.example.org, http://localhost:5173',
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'debug',
      TLS_CERT: '/etc/chat/cert.pem',
      TLS_KEY: '/etc/chat/key.pem',
      METRICS: 'false',
      METRICS_PORT: '9100',
      METRICS_HOST: '0.0.0.0',
      RETENTION_DAYS: '30',
      ALLOW_GUESTS: 'false',
      ADMIN_USERS: 'root_admin, mod-2',
      MAX_CONNECTIONS_PER_IP: '0',
      MAX_ROOMS_PER_CONNECTION: '5',
      MAX_REGISTRATIONS_PER_IP: '3',
      DATABASE_URL: 'postgres://chat:secret@db.internal:5432/chat',
      DATABASE_POOL_MAX: '4',
      REDIS_URL: 'redis://cache.internal:6379/2',
      REDIS_PREFIX: 'team-chat:',
      PRESENCE_EXPIRY_MS: '10000',
      RATE_LIMIT_PER_IP: '5',
      ROOM_CREATION: 'Accounts',
      MAX_ROOMS_CREATED_PER_HOUR: '0',
      MAX_ROOMS_CREATED_PER_IP_PER_HOUR: '7',
      REQUEST_RATE_PER_IP: '9',
      PUBLIC_URL: 'https://chat.example.org/wsline/',
      ALLOWED_HOSTS: 'chat.example.org, chat.lan:8443',
      MAX_GUESTS_PER_IP_PER_HOUR: '0',
      MAX_LOGINS_PER_IP: '200',
      MAX_NAME_CONFLICTS_PER_IP: '0',
      ADMIN_PASSWORD_FILE: '/etc/chat/admin-password',
      UPLOADS: 'false',
      UPLOAD_DIR: '/srv/shared/chat-files',
      MAX_UPLOAD_BYTES: '1048576',
      MAX_UPLOAD_BYTES_PER_USER_PER_DAY: '5242880',
      GUEST_UPLOADS: 'no',
      PUSH: 'false',
      VAPID_PUBLIC_KEY: VAPID.publicKey,
      VAPID_PRIVATE_KEY: VAPID.privateKey,
      VAPID_SUBJECT: 'https://chat.example.org/contact',
      PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true',
    });
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/var/lib/chat',
      rateLimit: 0,
      maxMessageChars: 500,
      maxFrameBytes: 1024,
      heartbeatMs: 5000,
      historyWindow: 20,
      allowedOrigins: ['https://chat.example.org', 'http://localhost:5173'],
      trustProxy: true,
      logLevel: 'debug',
      tlsCert: '/etc/chat/cert.pem',
      tlsKey: '/etc/chat/key.pem',
      metrics: false,
      metricsPort: 9100,
      metricsHost: '0.0.0.0',
      retentionDays: 30,
      allowGuests: false,
      adminUsers: ['root_admin', 'mod-2'],
      maxConnectionsPerIp: 0,
      maxRoomsPerConnection: 5,
      maxRegistrationsPerIp: 3,
      databaseUrl: 'postgres://chat:secret@db.internal:5432/chat',
      databasePoolMax: 4,
      redisUrl: 'redis://cache.internal:6379/2',
      redisPrefix: 'team-chat:',
      presenceExpiryMs: 10000,
      rateLimitPerIp: 5,
      roomCreation: 'accounts',
      maxRoomsCreatedPerHour: 0,
      maxRoomsCreatedPerIpPerHour: 7,
      requestRatePerIp: 9,
      publicUrl: 'https://chat.example.org/wsline/',
      allowedHosts: ['chat.example.org', 'chat.lan:8443'],
      maxGuestsPerIpPerHour: 0,
      maxLoginsPerIp: 200,
      maxNameConflictsPerIp: 0,
      adminPasswordFile: '/etc/chat/admin-password',
      uploads: false,
      uploadDir: '/srv/shared/chat-files',
      maxUploadBytes: 1048576,
      maxUploadBytesPerUserPerDay: 5242880,
      guestUploads: false,
      push: false,
      vapidPublicKey: VAPID.publicKey,
      vapidPrivateKey: VAPID.privateKey,
      vapidSubject: 'https://chat.example.org/contact',
      pushAllowPrivateEndpoints: true,
    });
  });

  it('VAPID keys: both or neither, well formed, one pair; the subject a mailto: or https: URL; never echoed', () => {
    expect(configError({ VAPID_PUBLIC_KEY: VAPID.publicKey })).toMatch(/VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together/);
    expect(configError({ VAPID_PUBLIC_KEY: 'short', VAPID_PRIVATE_KEY: VAPID.privateKey })).toMatch(/VAPID_PUBLIC_KEY must be a base64url uncompressed P-256 public key/);
    expect(configError({ VAPID_PUBLIC_KEY: VAPID.publicKey, VAPID_PRIVATE_KEY: 'x'.repeat(43) + '!' })).toMatch(/VAPID_PRIVATE_KEY must be/);
    const other = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE';
    const mismatch = configError({ VAPID_PUBLIC_KEY: VAPID.publicKey, VAPID_PRIVATE_KEY: other });
    expect(mismatch).toMatch(/VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY/);
    expect(mismatch).not.toContain(other);
    expect(configError({ VAPID_SUBJECT: 'http://chat.example.org' })).toMatch(/VAPID_SUBJECT must start with mailto:/);
    expect(configOf({ VAPID_SUBJECT: 'mailto:ops@example.org' }).vapidSubject).toBe('mailto:ops@example.org');
  });

  it('ADMIN_PASSWORD_FILE needs ADMIN_USERS (it holds the password of the first name listed)', () => {
    expect(configError({ ADMIN_PASSWORD_FILE: '/etc/chat/admin-password' })).toMatch(/ADMIN_PASSWORD_FILE needs ADMIN_USERS/);
    expect(configOf({ ADMIN_PASSWORD_FILE: '/etc/chat/admin-password', ADMIN_USERS: 'root' }).adminPasswordFile).toBe('/etc/chat/admin-password');
  });

  it('cluster mode: REDIS_URL needs DATABASE_URL (nodes cannot share a SQLite file)', () => {
    expect(configError({ REDIS_URL: 'redis://127.0.0.1:6379' })).toContain('DATABASE_URL');
    expect(configOf({ DATABASE_URL: 'postgresql://127.0.0.1/chat' }).redisUrl).toBeNull();
  });

  it('never echoes a bad DATABASE_URL (it may hold a password)', () => {
    expect(configError({ DATABASE_URL: 'mysql://u:hunter2@db/chat' })).not.toContain('hunter2');
    expect(configError({ DATABASE_URL: 'u:hunter2@db' })).not.toContain('hunter2');
  });

  it('accepts port 0 (ephemeral) and the boolean spellings', () => {
    expect(configOf({ PORT: '0' }).port).toBe(0);
    for (const v of ['true', 'TRUE', '1', 'yes']) expect(configOf({ TRUST_PROXY: v }).trustProxy).toBe(true);
    for (const v of ['false', '0', 'no']) expect(configOf({ TRUST_PROXY: v }).trustProxy).toBe(false);
  });

  it('takes an exact origin even when it looks like a lookalike domain (no substring logic)', () => {
    expect(configOf({ ALLOWED_ORIGINS: 'https://app.example.com.evil.com' }).allowedOrigins).toEqual([
      'https://app.example.com.evil.com',
    ]);
  });
});

describe('loadConfig: PUBLIC_URL and ALLOWED_HOSTS', () => {
  it('PUBLIC_URL keeps its path; the URL is normalized (lower-cased host, default port dropped)', () => {
    expect(configOf({ PUBLIC_URL: 'https://Chat.Example.org:443/wsline/' }).publicUrl).toBe('https://chat.example.org/wsline/');
    expect(configOf({ PUBLIC_URL: 'http://192.168.1.20:3000' }).publicUrl).toBe('http://192.168.1.20:3000/');
    expect(configOf({ PUBLIC_URL: 'http://[::1]:3000/' }).publicUrl).toBe('http://[::1]:3000/');
  });

  it('ALLOWED_HOSTS takes names, IPv4 and bracketed IPv6 addresses, each with an optional port, lower-cased', () => {
    expect(configOf({ ALLOWED_HOSTS: 'Chat.Example.org, chat.lan:8443,192.168.1.20,[2001:db8::1]:3000, ,my_box' }).allowedHosts).toEqual([
      'chat.example.org',
      'chat.lan:8443',
      '192.168.1.20',
      '[2001:db8::1]:3000',
      'my_box',
    ]);
  });

  it.each([
    ['*.example.org', /wildcard/],
    ['chat.*', /wildcard/],
    ['*', /wildcard/],
    ['https://chat.example.org', /not a host/],
    ['chat.example.org/wsline', /not a host/],
    ['user@chat.example.org', /not a host/],
    ['chat.example.org:0', /not a host/],
    ['chat.example.org:65536', /not a host/],
    ['chat.example.org:08080', /not a host/],
    ['chat.example.org:', /not a host/],
    ['chat..example.org', /not a host/],
    ['-chat.example.org', /not a host/],
    ['chat.example.org.', /not a host/],
    [`${'a'.repeat(64)}.example.org`, /not a host/],
    ['::1', /not a host/],
    ['[::1', /not a host/],
    ['[0:0:0:0:0:0:0:1]', /not a host/],
    ['127.1', /not a host/],
    ['0x7f.0.0.1', /not a host/],
    ['256.0.0.1', /not a host/],
    ['chat example.org', /not a host/],
  ])('ALLOWED_HOSTS=%j is refused', (value, why) => {
    const message = configError({ ALLOWED_HOSTS: value });
    expect(message).toContain('ALLOWED_HOSTS');
    expect(message).toMatch(why);
  });
});

describe('loadConfig: flags', () => {
  it('reads `--flag value` and `--flag=value`', () => {
    const config = configOf({}, [
      '--port',
      '4000',
      '--data-dir=/tmp/x',
      '--rate-limit',
      '0',
      '--max-message-chars=100',
      '--max-frame-bytes',
      '2048',
      '--heartbeat-ms=250',
      '--history-window',
      '7',
      '--allowed-origins=https://a.example',
      '--trust-proxy',
      'yes',
      '--log-level=warn',
      '--host',
      '::1',
    ]);
    expect(config).toEqual({
      port: 4000,
      host: '::1',
      dataDir: '/tmp/x',
      rateLimit: 0,
      maxMessageChars: 100,
      maxFrameBytes: 2048,
      heartbeatMs: 250,
      historyWindow: 7,
      allowedOrigins: ['https://a.example'],
      trustProxy: true,
      logLevel: 'warn',
      ...OPS_DEFAULTS,
    });
  });

  it('lets flags win over the environment, leaving other env settings in place', () => {
    const config = configOf({ PORT: '1111', RATE_LIMIT: '5', LOG_LEVEL: 'error' }, ['--port=2222', '--rate-limit', '0']);
    expect(config.port).toBe(2222);
    expect(config.rateLimit).toBe(0);
    expect(config.logLevel).toBe('error');
  });

  it('a bad environment value is overridden by a good flag (the flag wins before parsing)', () => {
    expect(configOf({ PORT: 'abc' }, ['--port', '3001']).port).toBe(3001);
  });

  it('--help and -h return the help text listing every variable and flag', () => {
    for (const arg of ['--help', '-h']) {
      const result = loadConfig({}, [arg]);
      expect(result.kind).toBe('help');
      if (result.kind !== 'help') continue;
      for (const name of ENV_NAMES) {
        expect(result.text).toContain(name);
        expect(result.text).toContain(`--${name.toLowerCase().replace(/_/g, '-')}`);
      }
    }
  });
});

describe('loadConfig: bad values name the setting', () => {
  const badEnv: Array<[string, string]> = [
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['PORT', '1e3'],
    ['HOST', '   '],
    ['DATA_DIR', ' '],
    ['UPLOADS', 'maybe'],
    ['MAX_UPLOAD_BYTES', '0'],
    ['MAX_UPLOAD_BYTES_PER_USER_PER_DAY', '-5'],
    ['UPLOAD_DIR', ' '],
    ['RATE_LIMIT', '-1'],
    ['RATE_LIMIT', 'ten'],
    ['MAX_MESSAGE_CHARS', '0'],
    ['MAX_MESSAGE_CHARS', 'lots'],
    ['MAX_FRAME_BYTES', '10'],
    ['MAX_FRAME_BYTES', '999999999999'],
    ['HEARTBEAT_MS', '0'],
    ['HEARTBEAT_MS', 'soon'],
    ['HISTORY_WINDOW', '-5'],
    ['HISTORY_WINDOW', '100000'],
    ['ALLOWED_ORIGINS', 'https://*.example.com'],
    ['ALLOWED_ORIGINS', 'null'],
    ['ALLOWED_ORIGINS', 'https://example.com/path'],
    ['ALLOWED_ORIGINS', 'ftp://example.com'],
    ['ALLOWED_ORIGINS', 'example.com'],
    ['ALLOWED_ORIGINS', 'https://ok.example, *'],
    ['TRUST_PROXY', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['TLS_CERT', ' '],
    ['TLS_KEY', ' '],
    ['METRICS', 'sometimes'],
    ['METRICS_PORT', '70000'],
    ['METRICS_HOST', ' '],
    ['RETENTION_DAYS', '-1'],
    ['RETENTION_DAYS', 'forever'],
    ['ALLOW_GUESTS', 'perhaps'],
    ['ADMIN_USERS', 'Bad Name'],
    ['ADMIN_USERS', 'ok,x'],
    ['MAX_CONNECTIONS_PER_IP', '-3'],
    ['MAX_ROOMS_PER_CONNECTION', 'many'],
    ['MAX_REGISTRATIONS_PER_IP', '1.5'],
    ['DATABASE_URL', 'mysql://db/chat'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_POOL_MAX', '0'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_PREFIX', 'has space'],
    ['PRESENCE_EXPIRY_MS', '10'],
    ['RATE_LIMIT_PER_IP', 'fast'],
    ['ROOM_CREATION', 'nobody'],
    ['MAX_ROOMS_CREATED_PER_HOUR', '-1'],
    ['MAX_ROOMS_CREATED_PER_IP_PER_HOUR', 'lots'],
    ['REQUEST_RATE_PER_IP', '-2'],
    ['PUBLIC_URL', 'chat.example.org'],
    ['PUBLIC_URL', 'ftp://chat.example.org/'],
    ['PUBLIC_URL', 'https://user:pw@chat.example.org/'],
    ['PUBLIC_URL', 'https://chat.example.org/?room=x'],
    ['PUBLIC_URL', 'https://*.example.org/'],
    ['ALLOWED_HOSTS', '*.example.org'],
    ['ALLOWED_HOSTS', 'https://chat.example.org'],
    ['MAX_GUESTS_PER_IP_PER_HOUR', '-1'],
    ['MAX_GUESTS_PER_IP_PER_HOUR', 'lots'],
    ['MAX_LOGINS_PER_IP', '-1'],
    ['MAX_LOGINS_PER_IP', 'lots'],
    ['MAX_NAME_CONFLICTS_PER_IP', '2.5'],
    ['ADMIN_PASSWORD_FILE', ' '],
  ];

  it.each(badEnv)('%s=%j', (name, value) => {
    expect(configError({ [name]: value })).toContain(name);
  });

  it.each(badEnv)('flag for %s = %j names the flag', (name, value) => {
    const flag = `--${name.toLowerCase().replace(/_/g, '-')}`;
    expect(configError({}, [`${flag}=${value}`])).toContain(flag);
  });

  it('METRICS_PORT cannot be the main port', () => {
    expect(configError({ PORT: '4000', METRICS_PORT: '4000' })).toContain('METRICS_PORT');
    expect(configOf({ PORT: '4000', METRICS_PORT: '0' }).metricsPort).toBe(0);
  });

  it('TLS_CERT and TLS_KEY come together', () => {
    expect(configError({ TLS_CERT: '/etc/chat/cert.pem' })).toMatch(/TLS_CERT and TLS_KEY/);
    expect(configError({ TLS_KEY: '/etc/chat/key.pem' })).toMatch(/TLS_CERT and TLS_KEY/);
  });

  it('an unknown flag, a positional argument and a flag without a value are errors naming them', () => {
    expect(configError({}, ['--prot', '3000'])).toContain('--prot');
    expect(configError({}, ['serve'])).toContain('serve');
    expect(configError({}, ['--port'])).toContain('--port');
  });
});

// ---- the built entry point ----------------------------------------------------------------------

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ReturnType<typeof spawn>>();
const dirs: string[] = [];

afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs dist/main.js with only the given environment (plus PATH) and waits for it to exit. */
function runMain(env: Record<string, string>, args: string[] = [], timeoutMs = 10_000): Promise<RunResult> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dist/main.js did not exit within ${timeoutMs} ms; stdout=${stdout.slice(0, 500)} stderr=${stderr.slice(0, 500)}`));
    }, timeoutMs);
    child.on('error', (err) => (clearTimeout(timer), reject(err)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('dist/main.js', () => {
  const badStarts: Array<{ label: string; env: Record<string, string>; args: string[]; names: string }> = [
    { label: 'PORT=abc', env: { PORT: 'abc' }, args: [], names: 'PORT' },
    { label: 'RATE_LIMIT=-1', env: { RATE_LIMIT: '-1' }, args: [], names: 'RATE_LIMIT' },
    { label: 'LOG_LEVEL=loud', env: { LOG_LEVEL: 'loud' }, args: [], names: 'LOG_LEVEL' },
    { label: 'ALLOWED_ORIGINS wildcard', env: { ALLOWED_ORIGINS: 'https://*.example.com' }, args: [], names: 'ALLOWED_ORIGINS' },
    { label: 'TRUST_PROXY=maybe', env: { TRUST_PROXY: 'maybe' }, args: [], names: 'TRUST_PROXY' },
    { label: 'MAX_FRAME_BYTES=1', env: { MAX_FRAME_BYTES: '1' }, args: [], names: 'MAX_FRAME_BYTES' },
    { label: '--port=abc', env: {}, args: ['--port=abc'], names: '--port' },
    { label: '--heartbeat-ms -5', env: {}, args: ['--heartbeat-ms', '-5'], names: '--heartbeat-ms' },
    { label: 'unknown flag', env: {}, args: ['--frobnicate', '1'], names: '--frobnicate' },
    { label: 'unknown command', env: {}, args: ['frobnicate'], names: 'frobnicate' },
    { label: 'TLS_CERT missing file', env: { TLS_CERT: '/nonexistent/cert.pem', TLS_KEY: '/nonexistent/key.pem' }, args: [], names: 'TLS_CERT' },
    { label: 'TLS_CERT without TLS_KEY', env: { TLS_CERT: '/nonexistent/cert.pem' }, args: [], names: 'TLS_KEY' },
    { label: 'TLS files that are not PEM', env: { TLS_CERT: '/etc/hostname', TLS_KEY: '/etc/hostname' }, args: [], names: 'TLS_CERT' },
  ];

  it.each(badStarts)('$label: one "config error:" line naming it, exit 2, never starts', async ({ env, args, names }) => {
    const parent = tempDir('chat-config-');
    dirs.push(parent);
    const dataDir = join(parent, 'data');
    // PORT 0 would be a valid ephemeral port: if the bad value were ignored the server would start
    // (and the test would time out or see exit code 0 instead of 2).
    const result = await runMain({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env }, args);
    expect(result.code, `stderr: ${result.stderr}`).toBe(2);
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, `stderr: ${result.stderr}`).toHaveLength(1);
    expect(lines[0]).toMatch(/^config error:/);
    expect(lines[0]).toContain(names);
    // It stopped before doing anything: no listening log, no data directory created.
    expect(result.stdout).not.toMatch(/listening/i);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an unreachable PostgreSQL at start-up: one "error:" line without the password, exit 1', async () => {
    const parent = tempDir('chat-config-');
    dirs.push(parent);
    // Port 1 on loopback refuses at once.
    const env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(parent, 'data'), DATABASE_URL: 'postgres://chat:hunter2@127.0.0.1:1/chat' };
    const result = await runMain(env, []);
    expect(result.code, `stderr: ${result.stderr}`).toBe(1);
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, `stderr: ${result.stderr}`).toEqual([expect.stringMatching(/^error: cannot open the database or Redis: .*ECONNREFUSED/)]);
    expect(result.stderr + result.stdout).not.toContain('hunter2');
    expect(result.stdout).not.toMatch(/listening/i);
  });

  it('--help prints usage listing every variable and exits 0', async () => {
    const parent = tempDir('chat-config-');
    dirs.push(parent);
    const dataDir = join(parent, 'data');
    const result = await runMain({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' }, ['--help']);
    expect(result.code, `stderr: ${result.stderr}`).toBe(0);
    for (const name of ENV_NAMES) {
      expect(result.stdout).toContain(name);
      expect(result.stdout).toContain(`--${name.toLowerCase().replace(/_/g, '-')}`);
    }
    expect(existsSync(dataDir)).toBe(false);
  });
});
