// An independent decryptor for Web Push bodies (RFC 8291 message encryption over RFC 8188's
// aes128gcm content coding), written with node:crypto only, so the push tests do not trust the
// `web-push` library the server sends with: if both made the same mistake, a check by the same
// code would pass. Every failure throws an Error that says which step refused the body.
import { createDecipheriv, createECDH, hkdfSync, type ECDH } from 'node:crypto';

/** RFC 8188 2.1: salt(16) | rs(4) | idlen(1) | keyid(idlen). */
const SALT_BYTES = 16;
const HEADER_FIXED_BYTES = SALT_BYTES + 4 + 1;
/** AES-GCM's authentication tag, at the end of every record. */
const TAG_BYTES = 16;
/** An uncompressed P-256 point: 0x04 | x(32) | y(32). */
export const P256_POINT_BYTES = 65;

/** The user agent's side of a subscription: what a browser keeps and never sends. */
export interface SubscriptionSecrets {
  /** The subscription's P-256 key pair (node:crypto ECDH, the private half stays here). */
  ecdh: ECDH;
  /** The 16-byte authentication secret (the subscription's `keys.auth`). */
  auth: Buffer;
}

/** A fresh subscription key pair and auth secret, as a browser makes them. */
export function newSubscriptionSecrets(auth: Buffer): SubscriptionSecrets {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, auth };
}

export interface DecryptedPush {
  plaintext: Buffer;
  /** The application server's ephemeral public key (the header's keyid). */
  senderPublicKey: Buffer;
  salt: Buffer;
  recordSize: number;
  records: number;
}

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** RFC 8188 2.3: the record's nonce is NONCE XOR its sequence number (big-endian, 96 bits). */
function recordNonce(base: Buffer, seq: number): Buffer {
  const nonce = Buffer.from(base);
  // Sequence numbers here stay far below 2^32: only the last 4 bytes can change.
  const low = nonce.readUInt32BE(8) ^ seq;
  nonce.writeUInt32BE(low >>> 0, 8);
  return nonce;
}

/**
 * Decrypts one aes128gcm Web Push body with the subscription's secrets and returns the
 * plaintext (padding and delimiter removed). Throws on a malformed header, a failed ECDH, a
 * failed authentication tag (a tampered body or the wrong keys) or bad padding.
 */
export function decryptPushBody(body: Buffer, secrets: SubscriptionSecrets): DecryptedPush {
  if (body.length < HEADER_FIXED_BYTES) throw new Error(`aes128gcm: body of ${body.length} bytes is shorter than the header`);
  const salt = body.subarray(0, SALT_BYTES);
  const recordSize = body.readUInt32BE(SALT_BYTES);
  const idlen = body[SALT_BYTES + 4]!;
  // RFC 8291 4: the keyid is the sender's public key, an uncompressed point.
  if (idlen !== P256_POINT_BYTES) throw new Error(`aes128gcm: keyid length ${idlen}, expected ${P256_POINT_BYTES} (the sender's public key)`);
  const headerBytes = HEADER_FIXED_BYTES + idlen;
  if (body.length < headerBytes) throw new Error('aes128gcm: body ends inside the keyid');
  const senderPublicKey = body.subarray(HEADER_FIXED_BYTES, headerBytes);
  if (senderPublicKey[0] !== 0x04) throw new Error('aes128gcm: keyid is not an uncompressed P-256 point');
  // RFC 8188 2: rs must leave room for the tag and the delimiter.
  if (recordSize < TAG_BYTES + 2) throw new Error(`aes128gcm: record size ${recordSize} is too small`);

  const uaPublic = secrets.ecdh.getPublicKey();
  let ecdhSecret: Buffer;
  try {
    ecdhSecret = secrets.ecdh.computeSecret(senderPublicKey);
  } catch (err) {
    throw new Error(`aes128gcm: ECDH with the sender's key failed (${(err as Error).message})`);
  }
  // RFC 8291 3.3-3.4.
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0', 'latin1'), uaPublic, senderPublicKey]);
  const ikm = hkdf(ecdhSecret, secrets.auth, keyInfo, 32);
  const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0', 'latin1'), 16);
  const nonceBase = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0', 'latin1'), 12);

  const ciphertext = body.subarray(headerBytes);
  if (ciphertext.length === 0) throw new Error('aes128gcm: no records after the header');
  const parts: Buffer[] = [];
  let records = 0;
  for (let offset = 0; offset < ciphertext.length; offset += recordSize, records++) {
    const record = ciphertext.subarray(offset, offset + recordSize);
    const last = offset + recordSize >= ciphertext.length;
    if (record.length <= TAG_BYTES) throw new Error(`aes128gcm: record ${records} has no room for data (${record.length} bytes)`);
    const decipher = createDecipheriv('aes-128-gcm', cek, recordNonce(nonceBase, records));
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(record.subarray(0, record.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new Error(`aes128gcm: record ${records} failed authentication (tampered body or wrong keys)`);
    }
    parts.push(unpad(plain, last, records));
  }
  return { plaintext: Buffer.concat(parts), senderPublicKey: Buffer.from(senderPublicKey), salt: Buffer.from(salt), recordSize, records };
}

/** RFC 8188 2: data | delimiter (0x02 last record, 0x01 others) | zero padding. */
function unpad(plain: Buffer, last: boolean, index: number): Buffer {
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (end < 0) throw new Error(`aes128gcm: record ${index} has no padding delimiter`);
  const expected = last ? 0x02 : 0x01;
  if (plain[end] !== expected) throw new Error(`aes128gcm: record ${index} ends with delimiter 0x${plain[end]!.toString(16)}, expected 0x0${expected}`);
  return plain.subarray(0, end);
}
