/**
 * Stretches of pieces read once and served block by block. Peers ask for a piece as 16 KiB
 * blocks in a row; reading a larger stretch on the first request (see seed-server.ts) and
 * answering the rest from memory saves round trips to the disk threads and keeps most answers
 * synchronous. Bounded by bytes, least recently used out first; concurrent misses on one
 * stretch share one read.
 */

/** Reads the stretch the key names. */
export type StretchReader = () => Promise<Buffer>;

/**
 * One number keys an entry (no string built per request): volumes are numbered below 2^20 and
 * parts below 2^33, so part × 2^20 + volume stays an exact integer.
 */
const VOLUME_SPACE = 2 ** 20;
const keyOf = (volume: number, part: number) => part * VOLUME_SPACE + volume;

export class PieceCache {
  private readonly entries = new Map<number, Buffer>();
  private readonly pending = new Map<number, Promise<Buffer>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The stretch `part` of a volume, from memory or read through `read`. */
  async get(volume: number, part: number, read: StretchReader): Promise<Buffer> {
    const key = keyOf(volume, part);
    const hit = this.entries.get(key);
    if (hit) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const p = read().then(
      (buf) => {
        this.pending.delete(key);
        this.put(key, buf);
        return buf;
      },
      (err: unknown) => {
        this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, p);
    return p;
  }

  /** The stretch if it is in memory (marked as just used), without reading. */
  peek(volume: number, part: number): Buffer | undefined {
    const key = keyOf(volume, part);
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** Forgets every piece of a volume (it stops being served, or its files changed). */
  drop(volume: number): void {
    for (const [key, buf] of this.entries) {
      if (key % VOLUME_SPACE !== volume) continue;
      this.entries.delete(key);
      this.bytes -= buf.length;
    }
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }

  private put(key: number, buf: Buffer): void {
    if (buf.length > this.maxBytes) return;
    this.entries.set(key, buf);
    this.bytes += buf.length;
    for (const [old, b] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(old);
      this.bytes -= b.length;
    }
  }
}
