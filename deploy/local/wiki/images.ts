// Deterministic test images made with sharp: a solid colour chosen by the seed, plus noise
// from a seeded PRNG. Same seed and options → same bytes (for a given sharp/libvips build).
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import sharp from 'sharp';

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp';

export interface MadeImage {
  path: string;
  size: number;
  sha1: string;
  mime: string;
}

export const MIME_BY_FORMAT: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
};

import { prng } from '../../../shared/prng.ts';

export { prng };

/** Raw RGB pixels: a seed-dependent colour with `noise` (0..1) of uniform noise on top. */
export function noisePixels(seed: number, width: number, height: number, noise: number): Buffer {
  const rand = prng(seed * 7919 + 17);
  const base = [Math.floor(rand() * 256), Math.floor(rand() * 256), Math.floor(rand() * 256)];
  const pixels = Buffer.alloc(width * height * 3);
  const amplitude = noise * 255;
  for (let i = 0; i < pixels.length; i++) {
    const value = (base[i % 3] ?? 0) + (rand() - 0.5) * 2 * amplitude;
    pixels[i] = value < 0 ? 0 : value > 255 ? 255 : value;
  }
  return pixels;
}

export async function encodeImage(
  seed: number,
  opts: { format: ImageFormat; width: number; height: number; noise?: number },
): Promise<Buffer> {
  const { format, width, height } = opts;
  const raw = noisePixels(seed, width, height, opts.noise ?? 0.25);
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality: 85 }).toBuffer();
    case 'png':
      // Level 1: noise does not compress anyway, and big noisy PNGs encode much faster.
      return image.png({ compressionLevel: 1 }).toBuffer();
    case 'gif':
      return image.gif().toBuffer();
    case 'webp':
      return image.webp({ quality: 80 }).toBuffer();
  }
}

export function sha1Hex(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

/** Writes a deterministic image to `file` and returns its size and SHA-1. */
export async function makeImage(
  file: string,
  seed: number,
  opts: { format: ImageFormat; width: number; height: number; noise?: number },
): Promise<MadeImage> {
  const data = await encodeImage(seed, opts);
  await fs.writeFile(file, data);
  return { path: file, size: data.length, sha1: sha1Hex(data), mime: MIME_BY_FORMAT[opts.format] };
}

/** A multi-megabyte PNG of pure noise; `index` picks sizes of about 3.6, 4.3, 5.1 and 5.9 MB. */
export async function makeBigImage(file: string, seed: number, index: number): Promise<MadeImage> {
  const side = 1100 + (index % 4) * 100;
  return makeImage(file, seed, { format: 'png', width: side, height: side, noise: 1 });
}
