// Password hashing: scrypt with OWASP's parameters (N=2^17, r=8, p=1; Password Storage Cheat
// Sheet), a 16-byte random salt and a 64-byte key. A stored hash names its own parameters,
//   scrypt$<log2 N>$<r>$<p>$<salt, base64>$<key, base64>
// so they can be raised later: needsRehash() says when a hash is weaker than today's, and the
// login route re-hashes the password it has just verified.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/** The parameters new hashes get. Deliberately not configurable. */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ logN: 17, r: 8, p: 1 });

/** Longer passwords are refused (400) before any hashing: bounds the work one request can ask for. */
export const MAX_PASSWORD_CHARS = 1024;

const SALT_BYTES = 16;
const KEY_BYTES = 64;
const PREFIX = 'scrypt';

/** Bounds on parameters read back from a stored hash, so a corrupt row cannot ask for 2^40 work. */
const LIMITS = { logN: [1, 20], r: [1, 32], p: [1, 16] } as const;

/**
 * At most this many hashes run at once, each on a libuv thread with 128 MiB (N=2^17, r=8): two
 * leave the rest of the thread pool (4 by default) to file and DNS work, and cap memory at 256 MiB.
 */
const MAX_CONCURRENT = 2;
/** Hashes waiting beyond this many are refused with PasswordHasherBusyError (the route's 503). */
const MAX_QUEUED = 64;

export class PasswordHasherBusyError extends Error {
  constructor() {
    super('too many password checks in progress');
  }
}

let running = 0;
const waiting: Array<() => void> = [];

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) {
    if (waiting.length >= MAX_QUEUED) throw new PasswordHasherBusyError();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next waiter (running stays the same), or free it.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function derive(password: string, salt: Buffer, keyBytes: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  // Node refuses scrypt above 32 MiB by default; 128 * N * r bytes are needed, allow twice that.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: Math.max(32 * 1024 * 1024, 2 * 128 * N * params.r) };
  return withSlot(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(password.normalize('NFC'), salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

/**
 * Hashes a password with a fresh salt. `params` exists for tests only (a full-cost hash takes
 * 100-300 ms); production code never passes it, and no setting reaches it.
 */
export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, params);
  return [PREFIX, params.logN, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) return null;
  const [logN, r, p] = parts.slice(1, 4).map((s) => (/^\d{1,3}$/.test(s) ? Number(s) : NaN)) as [number, number, number];
  const params = { logN, r, p };
  for (const name of ['logN', 'r', 'p'] as const) {
    const [min, max] = LIMITS[name];
    if (!(params[name] >= min && params[name] <= max)) return null;
  }
  const salt = Buffer.from(parts[4]!, 'base64');
  const key = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || key.length < 16 || key.length > 256) return null;
  return { params, salt, key };
}

/** True when `password` matches `stored`; false for a wrong password or an unreadable hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.key.length, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/** A well-formed hash that no password matches (random key), with today's parameters. */
const DUMMY_HASH = [PREFIX, SCRYPT_PARAMS.logN, SCRYPT_PARAMS.r, SCRYPT_PARAMS.p, randomBytes(SALT_BYTES).toString('base64'), randomBytes(KEY_BYTES).toString('base64')].join('$');

/**
 * Does the work of verifyPassword against a hash no password matches, and resolves false. Used
 * for an unknown username, so its 401 takes as long as a wrong password's.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}

/** True when `stored` was made with other parameters than today's (or cannot be read). */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  const { logN, r, p } = parsed.params;
  return logN !== SCRYPT_PARAMS.logN || r !== SCRYPT_PARAMS.r || p !== SCRYPT_PARAMS.p || parsed.key.length !== KEY_BYTES || parsed.salt.length !== SALT_BYTES;
}
