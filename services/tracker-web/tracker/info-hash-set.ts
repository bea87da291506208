/**
 * The set of info hashes the tracker answers for, kept as 20-byte keys in one open-addressing
 * table in a buffer rather than as 40-character strings in a JS Set: no object per hash, so the
 * load after start (every volume and metadata torrent of every version: 50,000 at 10M files,
 * hundreds of thousands at Commons scale) leaves nothing for young-generation collections to
 * copy and promote, and the set takes 42 bytes a hash at most instead of about 100. An info hash
 * is a SHA-1 (or the first 20 bytes of a SHA-256), so its first bytes are already uniformly
 * spread and are the table's hash.
 */

const KEY_BYTES = 20;

export class InfoHashSet {
  private capacity: number;
  private keys: Buffer;
  private used: Uint8Array;
  private count = 0;
  private readonly scratch = Buffer.alloc(KEY_BYTES);
  /** Keys that are not 40 hex characters (none today; a v2 info hash would be 64), kept as they are. */
  private readonly other = new Set<string>();

  /** `capacity`: slots to start with (rounded up to a power of two; the table doubles at half full). */
  constructor(capacity = 1024) {
    this.capacity = 2 ** Math.ceil(Math.log2(Math.max(16, capacity)));
    this.keys = Buffer.alloc(this.capacity * KEY_BYTES);
    this.used = new Uint8Array(this.capacity);
  }

  get size(): number {
    return this.count + this.other.size;
  }

  /** Adds an info hash: 40 hex characters (either case) as 20 bytes, anything else as it is. */
  add(hex: string): void {
    if (!this.parse(hex)) {
      this.other.add(hex);
      return;
    }
    if (this.find(this.scratch) >= 0) return;
    if ((this.count + 1) * 2 > this.capacity) this.grow();
    this.insert(this.scratch);
  }

  has(hex: string): boolean {
    return this.parse(hex) ? this.find(this.scratch) >= 0 : this.other.has(hex);
  }

  /** Reads 40 hex characters into the scratch key. */
  private parse(hex: string): boolean {
    return hex.length === KEY_BYTES * 2 && this.scratch.write(hex, 'hex') === KEY_BYTES;
  }

  private start(key: Buffer): number {
    return key.readUInt32BE(0) & (this.capacity - 1);
  }

  /** The slot holding `key`, or -1. */
  private find(key: Buffer): number {
    const mask = this.capacity - 1;
    for (let i = this.start(key); this.used[i] === 1; i = (i + 1) & mask) {
      if (this.keys.compare(key, 0, KEY_BYTES, i * KEY_BYTES, (i + 1) * KEY_BYTES) === 0) return i;
    }
    return -1;
  }

  private insert(key: Buffer): void {
    const mask = this.capacity - 1;
    let i = this.start(key);
    while (this.used[i] === 1) i = (i + 1) & mask;
    key.copy(this.keys, i * KEY_BYTES);
    this.used[i] = 1;
    this.count++;
  }

  private grow(): void {
    const { keys, used } = this;
    this.capacity *= 2;
    this.keys = Buffer.alloc(this.capacity * KEY_BYTES);
    this.used = new Uint8Array(this.capacity);
    this.count = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.insert(keys.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES));
  }
}
