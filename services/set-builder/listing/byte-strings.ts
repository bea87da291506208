/**
 * Compact tables for a dump listing at a million files: strings as one growing byte pool with
 * offsets (one V8 string per title would cost ~50 bytes of header and map entry each), found
 * again by a hash kept in typed arrays, and an integer → integer hash for page ids. Neither
 * makes garbage per row, so what is live is what the listing holds.
 */
import { SeedbankError } from '../../../shared/errors.ts';

/** Slots of an empty hash table; a table doubles when it is half full. */
const INITIAL_SLOTS = 1024;
const INITIAL_POOL_BYTES = 64 * 1024;
const EMPTY = -1;

/** FNV-1a over bytes: cheap, and good enough spread for titles in an open-addressed table. */
function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** Grows a typed array to at least `need` elements, doubling, keeping its contents. */
function grown<T extends Int32Array | Uint8Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}

/** Distinct byte strings (UTF-8 titles) numbered 0, 1, 2, … in the order they were first added. */
export class ByteStrings {
  private pool = Buffer.alloc(INITIAL_POOL_BYTES);
  private poolBytes = 0;
  /** String i is pool[offsets[i], offsets[i + 1]). */
  private offsets = new Int32Array(INITIAL_SLOTS + 1);
  private slots = new Int32Array(INITIAL_SLOTS).fill(EMPTY);
  private hashes = new Int32Array(INITIAL_SLOTS);
  /** Strings made by text(), kept once made when `cacheText` is on (a few thousand category names). */
  private texts: Array<string | undefined> = [];
  size = 0;
  private frozen = false;

  constructor(private readonly cacheText = false) {}

  /** The number of `b[s, e)`, added when new. */
  add(b: Uint8Array, s = 0, e = b.length): number {
    if (this.frozen) throw new SeedbankError('INTERNAL', 'a frozen string table was added to');
    const h = hashBytes(b, s, e);
    const at = this.slotOf(b, s, e, h);
    if (this.slots[at] !== EMPTY) return this.slots[at]!;
    const i = this.size++;
    const len = e - s;
    if (this.poolBytes + len > this.pool.length) {
      const next = Buffer.alloc(Math.max(this.poolBytes + len, this.pool.length * 2));
      this.pool.copy(next, 0, 0, this.poolBytes);
      this.pool = next;
    }
    this.pool.set(b.subarray(s, e), this.poolBytes);
    this.poolBytes += len;
    this.offsets = grown(this.offsets, i + 2);
    this.offsets[i + 1] = this.poolBytes;
    this.slots[at] = i;
    this.hashes[at] = h | 0;
    if (this.size * 2 > this.slots.length) this.rehash();
    return i;
  }

  /** The number of a JavaScript string (UTF-8 encoded), added when new. */
  addText(text: string): number {
    return this.add(Buffer.from(text));
  }

  /** The number of `b[s, e)`, or -1. */
  find(b: Uint8Array, s = 0, e = b.length): number {
    if (this.frozen) throw new SeedbankError('INTERNAL', 'a frozen string table was searched');
    return this.slots[this.slotOf(b, s, e, hashBytes(b, s, e))]!;
  }

  /** The number of a JavaScript string, or -1. */
  findText(text: string): number {
    return this.find(Buffer.from(text));
  }

  /** String i, decoded. */
  text(i: number): string {
    const cached = this.texts[i];
    if (cached !== undefined) return cached;
    const t = this.pool.toString('utf8', this.offsets[i]!, this.offsets[i + 1]!);
    if (this.cacheText) this.texts[i] = t;
    return t;
  }

  /**
   * Keeps the strings and drops the slack and the hash: text(i) still works, find and add no
   * longer do. For a table whose lookups are over (the pool's doubling leaves up to half unused).
   */
  freeze(): void {
    this.pool = Buffer.from(this.pool.subarray(0, this.poolBytes));
    this.offsets = this.offsets.slice(0, this.size + 1);
    this.slots = this.hashes = new Int32Array(0);
    this.frozen = true;
  }

  /** Bytes held (pool, offsets, hash), for the benchmark's account of what is live. */
  get bytesHeld(): number {
    return this.pool.length + this.offsets.byteLength + this.slots.byteLength + this.hashes.byteLength;
  }

  private equals(i: number, b: Uint8Array, s: number, e: number): boolean {
    const o = this.offsets[i]!;
    if (this.offsets[i + 1]! - o !== e - s) return false;
    for (let k = 0; k < e - s; k++) if (this.pool[o + k] !== b[s + k]) return false;
    return true;
  }

  /** The slot holding `b[s, e)`, or the empty slot where it would go (linear probing). */
  private slotOf(b: Uint8Array, s: number, e: number, h: number): number {
    const mask = this.slots.length - 1;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const i = this.slots[at]!;
      if (i === EMPTY || (this.hashes[at] === (h | 0) && this.equals(i, b, s, e))) return at;
    }
  }

  private rehash(): void {
    const oldSlots = this.slots;
    const oldHashes = this.hashes;
    this.slots = new Int32Array(oldSlots.length * 2).fill(EMPTY);
    this.hashes = new Int32Array(oldSlots.length * 2);
    const mask = this.slots.length - 1;
    for (let k = 0; k < oldSlots.length; k++) {
      if (oldSlots[k] === EMPTY) continue;
      let at = oldHashes[k]! & mask;
      while (this.slots[at] !== EMPTY) at = (at + 1) & mask;
      this.slots[at] = oldSlots[k]!;
      this.hashes[at] = oldHashes[k]!;
    }
  }
}

/** Mixes a page id so that consecutive ids spread over the table. */
const mixId = (id: number) => Math.imul(id, 0x9e3779b1) >>> 0;

/** Page id (a positive 31-bit integer, as MediaWiki's are) → a number ≥ 0, in typed arrays. */
export class IdIndex {
  private keys = new Int32Array(INITIAL_SLOTS).fill(EMPTY);
  private values = new Int32Array(INITIAL_SLOTS);
  size = 0;

  /** Sets the value of `id` (replacing one set before). */
  set(id: number, value: number): void {
    if (!(id >= 0 && id <= 0x7fffffff && Number.isInteger(id))) {
      throw new SeedbankError('DUMP_INVALID', `page id ${id} is not a 31-bit whole number`, { hint: 'is this a dump of MediaWiki tables?' });
    }
    const at = this.slotOf(id);
    if (this.keys[at] === EMPTY) {
      this.keys[at] = id;
      this.size++;
    }
    this.values[at] = value;
    if (this.size * 2 > this.keys.length) this.rehash();
  }

  /** The value of `id`, or -1. */
  get(id: number): number {
    if (!(id >= 0 && id <= 0x7fffffff)) return EMPTY;
    const at = this.slotOf(id);
    return this.keys[at] === EMPTY ? EMPTY : this.values[at]!;
  }

  /** Bytes held, for the benchmark's account of what is live. */
  get bytesHeld(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  private slotOf(id: number): number {
    const mask = this.keys.length - 1;
    let at = mixId(id) & mask;
    while (this.keys[at] !== EMPTY && this.keys[at] !== id) at = (at + 1) & mask;
    return at;
  }

  private rehash(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Int32Array(oldKeys.length * 2).fill(EMPTY);
    this.values = new Int32Array(oldKeys.length * 2);
    for (let k = 0; k < oldKeys.length; k++) {
      if (oldKeys[k] === EMPTY) continue;
      const at = this.slotOf(oldKeys[k]!);
      this.keys[at] = oldKeys[k]!;
      this.values[at] = oldValues[k]!;
    }
  }
}

/** A growing list of 32-bit integers. */
export class IntList {
  private data = new Int32Array(INITIAL_SLOTS);
  length = 0;

  /** Appends one value. */
  push(v: number): void {
    if (this.length === this.data.length) this.data = grown(this.data, this.length + 1);
    this.data[this.length++] = v;
  }

  /** The values, trimmed to their length (a copy: the list can be dropped). */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

export { grown };
