// An independent check of a push request's VAPID authorization (RFC 8292) and its RFC 8030
// headers, with node:crypto only (not the `web-push` library the server uses). Each check throws
// an Error naming what was wrong, so a receiver can record it for the test to read.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { P256_POINT_BYTES } from './ece-decrypt.js';

/** RFC 8292 2: a JWT's expiry is at most 24 hours ahead. */
const MAX_JWT_LIFETIME_S = 24 * 60 * 60;
/** Seconds of clock skew allowed between server and receiver (one machine here: a little). */
const CLOCK_SKEW_S = 60;
export const URGENCIES = ['very-low', 'low', 'normal', 'high'] as const;
export type Urgency = (typeof URGENCIES)[number];

export interface JwtClaims {
  aud: string;
  exp: number;
  sub: string;
  [claim: string]: unknown;
}

export function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** Strict base64url (no padding, no other characters) to bytes; throws on anything else. */
export function fromBase64url(text: string, what: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error(`${what} is not base64url: ${JSON.stringify(text.slice(0, 40))}`);
  return Buffer.from(text, 'base64url');
}

/** A P-256 public key from its uncompressed point (65 bytes, 0x04 | x | y). */
export function p256PublicKey(point: Buffer, what: string): KeyObject {
  if (point.length !== P256_POINT_BYTES || point[0] !== 0x04) throw new Error(`${what} is not an uncompressed P-256 point (${point.length} bytes)`);
  try {
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33)) },
      format: 'jwk',
    });
  } catch (err) {
    throw new Error(`${what} is not a point on P-256 (${(err as Error).message})`);
  }
}

/** `vapid t=<jwt>, k=<key>` (RFC 8292 3) to its two parameters. */
export function parseVapidAuthorization(header: string | undefined): { token: string; key: string } {
  if (header === undefined) throw new Error('VAPID: no Authorization header');
  const m = /^vapid\s+(.*)$/i.exec(header.trim());
  if (!m) throw new Error(`VAPID: Authorization scheme is not "vapid": ${JSON.stringify(header.slice(0, 40))}`);
  const params = new Map<string, string>();
  for (const part of m[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`VAPID: malformed parameter ${JSON.stringify(part.trim().slice(0, 40))}`);
    params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const token = params.get('t');
  const key = params.get('k');
  if (!token) throw new Error('VAPID: no t= (JWT) parameter');
  if (!key) throw new Error('VAPID: no k= (public key) parameter');
  return { token, key };
}

export interface VapidExpectations {
  /** The server's VAPID public key (base64url) from GET api/push/key; k must be this. */
  serverKey: string;
  /** The receiver's origin, which the JWT's aud must name. */
  audience: string;
  /** Seconds since the epoch to check exp against (default: now). */
  nowS?: number;
}

/**
 * Verifies the Authorization header: k is the expected server key, the JWT is ES256 signed with
 * it (JOSE's raw 64-byte r||s), aud is the receiver's origin, exp is in the future and at most
 * 24 h ahead, sub is a mailto: or https: contact. Returns the JWT's claims.
 */
export function verifyVapid(authorization: string | undefined, expected: VapidExpectations): JwtClaims {
  const { token, key } = parseVapidAuthorization(authorization);
  if (key !== expected.serverKey) throw new Error(`VAPID: k=${key.slice(0, 16)}… is not the server's key ${expected.serverKey.slice(0, 16)}…`);
  const publicKey = p256PublicKey(fromBase64url(key, 'VAPID k'), 'VAPID k');

  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`VAPID: JWT has ${parts.length} parts, expected 3`);
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  const header = parseJson(fromBase64url(headerPart, 'JWT header'), 'JWT header');
  if (header.alg !== 'ES256') throw new Error(`VAPID: JWT alg ${JSON.stringify(header.alg)}, expected "ES256"`);
  if (header.typ !== undefined && header.typ !== 'JWT') throw new Error(`VAPID: JWT typ ${JSON.stringify(header.typ)}`);
  const signature = fromBase64url(signaturePart, 'JWT signature');
  if (signature.length !== 64) throw new Error(`VAPID: JWT signature is ${signature.length} bytes, expected 64 (raw r||s)`);
  const signedOk = verify('sha256', Buffer.from(`${headerPart}.${claimsPart}`, 'latin1'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  if (!signedOk) throw new Error('VAPID: JWT signature does not verify with k');

  const claims = parseJson(fromBase64url(claimsPart, 'JWT claims'), 'JWT claims');
  if (claims.aud !== expected.audience) throw new Error(`VAPID: aud ${JSON.stringify(claims.aud)}, expected ${JSON.stringify(expected.audience)}`);
  const now = expected.nowS ?? Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || !Number.isInteger(claims.exp)) throw new Error(`VAPID: exp ${JSON.stringify(claims.exp)} is not an integer`);
  if (claims.exp <= now - CLOCK_SKEW_S) throw new Error(`VAPID: JWT expired (exp ${claims.exp}, now ${now})`);
  if (claims.exp > now + MAX_JWT_LIFETIME_S + CLOCK_SKEW_S) throw new Error(`VAPID: exp ${claims.exp} is more than 24 h ahead of ${now}`);
  if (typeof claims.sub !== 'string' || !/^(mailto:\S+|https:\/\/\S+)$/.test(claims.sub)) {
    throw new Error(`VAPID: sub ${JSON.stringify(claims.sub)} is not a mailto: or https: contact`);
  }
  return claims as JwtClaims;
}

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error(`VAPID: ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`VAPID: ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

export interface PushHeaders {
  ttl: number;
  urgency: Urgency;
  topic: string;
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * RFC 8030/8291 headers of a push request: Content-Encoding aes128gcm, TTL a non-negative
 * integer, Urgency one of the four levels, Topic at most 32 characters of base64url.
 */
export function checkPushHeaders(headers: IncomingHttpHeaders): PushHeaders {
  const encoding = single(headers, 'content-encoding');
  if (encoding?.toLowerCase() !== 'aes128gcm') throw new Error(`headers: Content-Encoding ${JSON.stringify(encoding)}, expected "aes128gcm"`);
  const ttlText = single(headers, 'ttl');
  if (ttlText === undefined || !/^\d+$/.test(ttlText.trim())) throw new Error(`headers: TTL ${JSON.stringify(ttlText)} is not a number`);
  const urgency = single(headers, 'urgency');
  if (!URGENCIES.includes(urgency as Urgency)) throw new Error(`headers: Urgency ${JSON.stringify(urgency)} is not one of ${URGENCIES.join('|')}`);
  const topic = single(headers, 'topic');
  if (topic === undefined || !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) {
    throw new Error(`headers: Topic ${JSON.stringify(topic)} is not 1-32 characters of base64url`);
  }
  return { ttl: Number(ttlText.trim()), urgency: urgency as Urgency, topic };
}
