/**
 * Where the seed server's blocks come from: a shared cache of piece stretches (piece-cache.ts)
 * in front of each volume's files, and the upload rate cap. Without a cap, a cached block is
 * answered synchronously; with one, every block waits for its share of the bucket.
 */
import { TokenBucket } from '../../../shared/http/limits.ts';
import { PieceCache } from './piece-cache.ts';
import type { ServedVolume } from './seed-peer.ts';

/** Pieces are read and cached in parts of this size (a multiple of the 16 KiB block). */
export const STRETCH_BYTES = 128 * 1024;
/** Parts of one piece in a cache key: 4,096 stretches (512 MiB pieces); with 2^21 pieces it stays below 2^33. */
const STRETCHES_PER_PIECE_KEY = 4096;

/** Reads blocks of served volumes through one piece cache and one upload cap. */
export class BlockReader {
  private readonly cache: PieceCache;
  private readonly bucket: TokenBucket | null;
  /** A small number per served volume, for the piece cache's keys. */
  private readonly cacheIds = new Map<string, number>();
  private nextCacheId = 1;

  /** `maxBytesPerSecond` 0: no upload cap. */
  constructor(cacheBytes: number, maxBytesPerSecond: number) {
    this.cache = new PieceCache(cacheBytes, STRETCH_BYTES);
    this.bucket = maxBytesPerSecond > 0 ? new TokenBucket(maxBytesPerSecond) : null;
  }

  /** Gives a volume its cache number (kept when it is served again, so its keys stay distinct). */
  add(infoHash: string): void {
    if (!this.cacheIds.has(infoHash)) this.cacheIds.set(infoHash, this.nextCacheId++);
  }

  /** Forgets cached pieces of a volume (its files changed on disk). */
  forget(infoHash: string): void {
    const id = this.cacheIds.get(infoHash);
    if (id !== undefined) this.cache.drop(id);
  }

  /** The block at once when it is cached and no cap applies, else null (then call {@link read}). */
  now(volume: ServedVolume, index: number, offset: number, length: number): Buffer | null {
    if (this.bucket) return null;
    const s = stretchOf(volume, index, offset, length);
    const hit = s ? this.cache.peek(this.cacheIds.get(volume.infoHash) ?? 0, s.key) : undefined;
    if (!s || !hit) return null;
    this.cache.acquire(hit);
    return hit.data.subarray(offset - s.start, offset - s.start + length);
  }

  /** The block, read through the cache (whole stretch) and paid for in the upload cap. */
  async read(volume: ServedVolume, index: number, offset: number, length: number): Promise<Buffer> {
    const s = stretchOf(volume, index, offset, length);
    let data: Buffer;
    if (s) {
      const stretch = await this.cache.get(this.cacheIds.get(volume.infoHash) ?? 0, s.key, (target) => volume.readRange(index, s.start, s.length, target));
      this.cache.acquire(stretch);
      data = stretch.data.subarray(offset - s.start, offset - s.start + length);
    } else {
      data = await volume.readRange(index, offset, length);
    }
    if (this.bucket) await this.bucket.take(length);
    return data;
  }

  /** A block handed out is written: its stretch buffer may be reused. */
  released(block: Uint8Array): void {
    this.cache.release(block);
  }
}

/**
 * The cached stretch a block falls in: pieces are read in STRETCH_BYTES parts, so the first
 * blocks of a piece wait for one part, not the whole piece, and the disk threads read the
 * parts in parallel. Null for a block crossing a part boundary (peers do not ask for those):
 * it is read on its own.
 */
function stretchOf(volume: ServedVolume, index: number, offset: number, length: number): { key: number; start: number; length: number } | null {
  const start = offset - (offset % STRETCH_BYTES);
  const stretchLength = Math.min(STRETCH_BYTES, volume.pieceSize(index) - start);
  if (offset + length > start + stretchLength) return null;
  return { key: index * STRETCHES_PER_PIECE_KEY + start / STRETCH_BYTES, start, length: stretchLength };
}
