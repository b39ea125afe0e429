// The URLs of uploaded files (docs/protocol.md, "Files"): relative to the page, signed with the
// upload directory's key, so that an <img> works for whoever received the message, with no cookie
// or token, on any node. A URL names its file's id and name, the variant (the file or its
// thumbnail) and an expiry; the signature covers the id, the variant and the expiry, and the
// route checks the name against the store. Expiries are whole days: a URL stays the same for a
// day (so browsers cache it) and works for one more day after that.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FileInfo } from '@chat/protocol';
import type { StoredFile } from '../store/file-store.js';

export type FileVariant = 'file' | 'thumb';

/** How often URLs change, and how long after that one keeps working. */
export const LINK_PERIOD_MS = 24 * 60 * 60 * 1000;
/** base64url characters of the HMAC kept in a URL (132 bits). */
const SIGNATURE_CHARS = 22;

export type LinkCheck = 'ok' | 'expired' | 'invalid';

export class FileLinks {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  /** The file as MESSAGE.files shows it: its URLs signed, valid for one to two days from now. */
  info(file: StoredFile): FileInfo {
    const { thumb, ...rest } = file;
    const exp = this.expiry();
    const info: FileInfo = { ...rest, url: this.url(file.id, file.name, 'file', exp) };
    if (thumb) info.thumbUrl = this.url(file.id, file.name, 'thumb', exp);
    return info;
  }

  /** Whether a URL's expiry (seconds since the epoch) and signature are ours and still good. */
  check(id: string, variant: FileVariant, exp: number, sig: string): LinkCheck {
    const expected = Buffer.from(this.signature(id, variant, exp));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    return exp * 1000 > this.now() ? 'ok' : 'expired';
  }

  private url(id: string, name: string, variant: FileVariant, exp: number): string {
    const path = variant === 'thumb' ? `api/files/${id}/thumb/${encodeURIComponent(name)}` : `api/files/${id}/${encodeURIComponent(name)}`;
    return `${path}?exp=${exp}&sig=${this.signature(id, variant, exp)}`;
  }

  /** The end of the day after this one, in seconds. */
  private expiry(): number {
    return ((Math.floor(this.now() / LINK_PERIOD_MS) + 2) * LINK_PERIOD_MS) / 1000;
  }

  private signature(id: string, variant: FileVariant, exp: number): string {
    return createHmac('sha256', this.key).update(`${variant}\n${id}\n${exp}`).digest('base64url').slice(0, SIGNATURE_CHARS);
  }
}
