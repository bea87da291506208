/**
 * One row of a MySQL dump as offsets into the parser's current buffer: a value becomes a
 * string, a number or a byte view only when the caller asks for it (the parser extends this).
 */

/** One SQL value: strings unescaped, numbers as numbers, NULL as null. */
export type SqlValue = string | number | null;

/** A row of the table being read; valid only during the `onRow` call (it is reused). */
export interface SqlRow {
  /** The k-th requested column as text (UTF-8, escapes undone); '' for NULL. */
  text(k: number): string;
  /**
   * The k-th requested column's bytes, escapes undone, without making a string: a view into
   * the parser's buffer, valid only until the next call on the row (copy what you keep).
   */
  bytes(k: number): Uint8Array;
  /** The k-th requested column as a number (NaN when it is not one, 0 for NULL). */
  number(k: number): number;
  /** Says whether the k-th requested column is NULL. */
  isNull(k: number): boolean;
  /** The k-th requested column as an SqlValue (quoted → string, bare → number or null). */
  value(k: number): SqlValue;
}

/** Kinds of a recorded value: bare (number, NULL), a quoted string, a quoted string with escapes. */
export const VALUE_BARE = 0;
export const VALUE_STR = 1;
export const VALUE_STR_ESCAPED = 2;

const QUOTE = 0x27;
const BACKSLASH = 0x5c;
const DASH = 0x2d;
/** Bytes unescaped in place before the scratch buffer grows. */
const SCRATCH_BYTES = 4096;

/** MySQL's backslash escapes; \% and \_ keep their backslash (they only matter in LIKE patterns). */
const ESCAPE_BYTE = new Int16Array(256).fill(-1);
for (const [c, v] of [['0', 0], ['n', 10], ['r', 13], ['t', 9], ['Z', 26], ['b', 8]] as const) ESCAPE_BYTE[c.charCodeAt(0)] = v;

/**
 * Buffer's own latin1Slice/utf8Slice (present in every Node since 0.x, untyped): toString's
 * argument checks cost as much as the decoding for values of a few dozen bytes.
 */
type FastSlices = { latin1Slice?(s: number, e: number): string; utf8Slice?(s: number, e: number): string };
const fast = Buffer.prototype as unknown as FastSlices;
const latin1 = fast.latin1Slice ? (b: Buffer, s: number, e: number) => (b as unknown as Required<FastSlices>).latin1Slice(s, e) : (b: Buffer, s: number, e: number) => b.toString('latin1', s, e);
const utf8 = fast.utf8Slice ? (b: Buffer, s: number, e: number) => (b as unknown as Required<FastSlices>).utf8Slice(s, e) : (b: Buffer, s: number, e: number) => b.toString('utf8', s, e);

/** The current row's recorded offsets and the accessors over them. */
export class SqlRowView implements SqlRow {
  protected buf: Buffer = Buffer.alloc(0);
  /** Per requested column: start, end and kind of the current row's value. */
  protected readonly starts: Int32Array;
  protected readonly ends: Int32Array;
  protected readonly kinds: Uint8Array;
  private scratch = Buffer.alloc(SCRATCH_BYTES);

  constructor(columns: number) {
    this.starts = new Int32Array(columns);
    this.ends = new Int32Array(columns);
    this.kinds = new Uint8Array(columns);
  }

  /** The k-th requested column as text. */
  text(k: number): string {
    const s = this.starts[k]!;
    const e = this.ends[k]!;
    switch (this.kinds[k]) {
      case VALUE_STR:
        return utf8(this.buf, s, e);
      case VALUE_STR_ESCAPED:
        return this.unescape(s, e);
      default:
        return this.isNull(k) ? '' : latin1(this.buf, s, e);
    }
  }

  /** The k-th requested column's bytes (a view, valid until the next call). */
  bytes(k: number): Uint8Array {
    const s = this.starts[k]!;
    const e = this.ends[k]!;
    if (this.kinds[k] === VALUE_STR_ESCAPED) return this.unescapeBytes(s, e);
    return this.kinds[k] === VALUE_BARE && this.isNull(k) ? this.buf.subarray(s, s) : this.buf.subarray(s, e);
  }

  /** The k-th requested column as a number. */
  number(k: number): number {
    const buf = this.buf;
    let p = this.starts[k]!;
    const e = this.ends[k]!;
    if (this.kinds[k] !== VALUE_BARE) return Number(this.text(k));
    const neg = buf[p] === DASH;
    if (neg) p++;
    let v = 0;
    // Integers up to 15 digits are exact in a double; anything else goes through Number().
    if (e - p > 0 && e - p <= 15) {
      for (let i = p; i < e; i++) {
        const d = buf[i]! - 0x30;
        if (d < 0 || d > 9) return this.isNull(k) ? 0 : Number(buf.toString('latin1', this.starts[k]!, e));
        v = v * 10 + d;
      }
      return neg ? -v : v;
    }
    return Number(buf.toString('latin1', this.starts[k]!, e));
  }

  /** Says whether the k-th requested column is NULL. */
  isNull(k: number): boolean {
    const s = this.starts[k]!;
    return this.kinds[k] === VALUE_BARE && this.ends[k]! - s === 4 && (this.buf[s]! | 0x20) === 0x6e && (this.buf[s + 1]! | 0x20) === 0x75 && (this.buf[s + 2]! | 0x20) === 0x6c && (this.buf[s + 3]! | 0x20) === 0x6c;
  }

  /** The k-th requested column as an SqlValue. */
  value(k: number): SqlValue {
    if (this.kinds[k] !== VALUE_BARE) return this.text(k);
    return this.isNull(k) ? null : this.number(k);
  }

  private unescape(s: number, e: number): string {
    const out = this.unescapeBytes(s, e);
    return out.toString('utf8', 0, out.length);
  }

  /** Undoes a quoted value's escapes into the scratch buffer; returns the view of it that holds the value. */
  private unescapeBytes(s: number, e: number): Buffer {
    if (this.scratch.length < e - s) this.scratch = Buffer.alloc(Math.max(e - s, this.scratch.length * 2));
    const out = this.scratch;
    const buf = this.buf;
    let o = 0;
    for (let p = s; p < e; p++) {
      const c = buf[p]!;
      if (c === BACKSLASH) {
        const x = buf[++p]!;
        const mapped = ESCAPE_BYTE[x]!;
        if (mapped >= 0) out[o++] = mapped;
        else {
          if (x === 0x25 || x === 0x5f) out[o++] = BACKSLASH;
          out[o++] = x;
        }
      } else if (c === QUOTE) {
        out[o++] = QUOTE;
        p++; // '' is one quote
      } else out[o++] = c;
    }
    return out.subarray(0, o);
  }
}
