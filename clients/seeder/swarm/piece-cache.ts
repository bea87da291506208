/**
 * Whole pieces read once and served block by block. Peers ask for a piece as 16 KiB blocks in
 * a row; reading the whole piece on the first request (one read per file it spans) and
 * answering the rest from memory halves the round trips to the disk threads and keeps the
 * answer to each request synchronous. Bounded by bytes, least recently used out first;
 * concurrent misses on one piece share one read.
 */

/** Reads piece `index` of the volume `key` whole. */
export type PieceReader = (index: number) => Promise<Buffer>;

export class PieceCache {
  private readonly entries = new Map<string, Buffer>();
  private readonly pending = new Map<string, Promise<Buffer>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The piece, from memory or read through `read`. */
  async get(volume: string, index: number, read: PieceReader): Promise<Buffer> {
    const key = `${volume}:${index}`;
    const hit = this.entries.get(key);
    if (hit) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const p = read(index).then(
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

  /** The piece if it is in memory (marked as just used), without reading. */
  peek(volume: string, index: number): Buffer | undefined {
    const key = `${volume}:${index}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** Forgets every piece of a volume (it stops being served, or its files changed). */
  drop(volume: string): void {
    const prefix = `${volume}:`;
    for (const [key, buf] of this.entries) {
      if (!key.startsWith(prefix)) continue;
      this.entries.delete(key);
      this.bytes -= buf.length;
    }
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }

  private put(key: string, buf: Buffer): void {
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
