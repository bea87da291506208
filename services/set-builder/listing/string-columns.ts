/**
 * The string columns of the file table (file-table.ts): a pool for the few distinct values many
 * rows share (mime, licence, upload base), and one growable byte buffer for the strings every row
 * has its own of (name, author), so a million rows hold two buffers, not two million V8 strings.
 * Unlike byte-strings.ts (the dump listing's deduplicated tables), a column keeps one string per
 * row, repeats included, and needs no hash.
 */

/** Rows a column grows by at least when it was made without a capacity. */
export const MIN_GROWTH_ROWS = 1024;

/** Strings kept once, by number. */
export class StringPool {
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [];

  /** The number of `s`, added when new. */
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(s);
      this.ids.set(s, id);
    }
    return id;
  }
}

/** Growable UTF-8 strings in one buffer: string i is bytes [start[i], start[i + 1]). */
export class StringColumn {
  private bytes = Buffer.alloc(0);
  private used = 0;
  /** Float64: the buffer may pass 4 GiB at tens of millions of long names. */
  private start = new Float64Array(1);
  private n = 0;

  /** Appends `s`; returns its row. */
  add(s: string): number {
    const need = Buffer.byteLength(s, 'utf8');
    if (this.used + need > this.bytes.length) {
      const next = Buffer.allocUnsafe(Math.max(this.used + need, Math.ceil(this.bytes.length * 1.5), 1 << 16));
      this.bytes.copy(next, 0, 0, this.used);
      this.bytes = next;
    }
    this.used += this.bytes.write(s, this.used, 'utf8');
    if (this.n + 2 > this.start.length) {
      const next = new Float64Array(Math.max(this.n + 2, Math.ceil(this.start.length * 1.5), MIN_GROWTH_ROWS));
      next.set(this.start.subarray(0, this.n + 1));
      this.start = next;
    }
    this.n += 1;
    this.start[this.n] = this.used;
    return this.n - 1;
  }

  /** The string of row `i`, decoded. */
  get(i: number): string {
    return this.bytes.toString('utf8', this.start[i]!, this.start[i + 1]!);
  }

  /** Gives back the buffer's unused tail once no string is added any more. */
  trim(): void {
    this.bytes = Buffer.from(this.bytes.subarray(0, this.used));
    this.start = this.start.slice(0, this.n + 1);
  }

  /** Bytes held (buffer and offsets), for the table's byteSize. */
  get byteSize(): number {
    return this.bytes.length + this.start.byteLength;
  }
}
