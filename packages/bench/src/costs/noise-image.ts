// A JPEG of random pixels, made with the sharp of the built server being measured (the bench does
// not depend on sharp itself): noise is the worst case for an encoder, so a photo-sized image of it
// is a large file that the server must decode, re-encode and shrink to a thumbnail
// (files/image-normalizer.ts).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface SharpLike {
  jpeg(o: { quality: number }): SharpLike;
  toBuffer(): Promise<Buffer>;
}
type SharpFactory = (input: Buffer, o: { raw: { width: number; height: number; channels: 3 } }) => SharpLike;

/** A side × side JPEG of noise at quality 90 (the server re-encodes JPEGs at 90 too). */
export async function makeNoiseJpeg(chatMain: string, side: number): Promise<Buffer> {
  const require = createRequire(join(dirname(chatMain), '..', 'package.json'));
  const sharp = require('sharp') as SharpFactory;
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}
