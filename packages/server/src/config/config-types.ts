// The validated configuration the server runs with, and the enumerations some settings take.
// config/settings.ts names each setting (env variable, flag, default); config.ts loads them.
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
  /** Version 1.1 files: uploads are on (else `POST api/rooms/R/files` is 403). */
  uploads: boolean;
  /** Where uploaded files live; null: DATA_DIR/files. A cluster's nodes must share it. */
  uploadDir: string | null;
  /** Largest upload, in bytes (larger: 413). */
  maxUploadBytes: number;
  /** Bytes one user may upload per 24 hours (more: 429). */
  maxUploadBytesPerUserPerDay: number;
  /** Guests may upload (accounts always may, when uploads are on). */
  guestUploads: boolean;
  /** Version 1.1 Web Push: the server sends pushes to subscribed accounts (else api/push is 404). */
  push: boolean;
  /** VAPID key pair (base64url); null: generated once and kept in the database. Set both or neither. */
  vapidPublicKey: string | null;
  vapidPrivateKey: string | null;
  /** The VAPID `sub` claim: how a push service reaches the operator (mailto: or https:). */
  vapidSubject: string;
  /** Push endpoints on loopback, link-local and private addresses are allowed (tests, an in-house push service). */
  pushAllowPrivateEndpoints: boolean;
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
export const ROOM_CREATION = ['everyone', 'accounts', 'admins'] as const;
export type RoomCreation = (typeof ROOM_CREATION)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
