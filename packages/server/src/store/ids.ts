// Ids and secrets, the same for every store: random from the CSPRNG, base64url, and a token is
// stored only as its SHA-256 (a stolen database restores nobody).
import { createHash, randomBytes } from 'node:crypto';

/** A token's public id (for listing and revoking): 9 random bytes, 12 characters. */
export const newId = (): string => randomBytes(9).toString('base64url');

/** A user id: 12 random bytes, 16 characters. */
export const newUserId = (): string => randomBytes(12).toString('base64url');

/** A session or bearer token: 32 random bytes, 43 characters. Shown to the client once. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** A new guest's user id, token and token id: 12 + 32 + 9 random bytes. */
const GUEST_CREDENTIAL_BYTES = 53;
/** Bytes drawn from the CSPRNG at a time for new guests (64 guests): a draw costs about 20 µs however small. */
const GUEST_POOL_BYTES = GUEST_CREDENTIAL_BYTES * 64;
let guestPool = Buffer.alloc(0);
let guestPoolUsed = 0;

/** A new guest's user id, restore token and token id (as above), from a pool of CSPRNG bytes each used once. */
export function newGuestCredentials(): { userId: string; token: string; tokenId: string } {
  if (guestPoolUsed + GUEST_CREDENTIAL_BYTES > guestPool.length) {
    guestPool = randomBytes(GUEST_POOL_BYTES);
    guestPoolUsed = 0;
  }
  const random = guestPool.subarray(guestPoolUsed, (guestPoolUsed += GUEST_CREDENTIAL_BYTES));
  return {
    userId: random.toString('base64url', 0, 12),
    token: random.toString('base64url', 12, 44),
    tokenId: random.toString('base64url', 44, 53),
  };
}

/** What the store keeps of a token, and looks it up by. */
export const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();
