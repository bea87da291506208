/**
 * Bulk loading of one LMDB table in key order. Rows are packed into a byte arena (no object
 * per row), sorted when the arena fills (key-order.ts: native sorts of packed key bytes) and
 * spilled to a run file; `finish` merges the runs and appends them (LMDB's MDB_APPEND: no tree
 * search, pages filled to the brim). Random inserts leave half-empty pages and, once the table
 * outgrows memory, rewrite a page per row. The table must be empty, or hold only keys below
 * every row added.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import { SeedbankError } from '../../../shared/errors.ts';
import { keyOrder, MAX_SORT_ROWS, ROW_HEADER as HEADER } from './key-order.ts';

/** Arena size before a sorted run is written out. */
const DEFAULT_ARENA_BYTES = 256 * 2 ** 20;
/** Rows appended per write transaction. */
const ROWS_PER_TRANSACTION = 500_000;
/** Read-ahead per run file during the merge. */
const RUN_READ_BYTES = 4 * 2 ** 20;
/** Row starts kept before the arena fills (grown as needed). */
const INITIAL_STARTS = 1024;
const APPEND = { append: true } as const;

/** A position in rows in key order: `next()` moves to the next row, false past the last. */
interface RowCursor {
  key: Buffer | null;
  value: Buffer | null;
  next(): boolean;
}

/** Reads length-prefixed rows back from a run file, a block at a time. */
class RunReader implements RowCursor {
  private buf = Buffer.alloc(0);
  private at = 0;
  private fileAt = 0;
  private done = false;
  key: Buffer | null = null;
  value: Buffer | null = null;

  constructor(private readonly fd: number) {}

  private fill(need: number): boolean {
    if (this.buf.length - this.at >= need) return true;
    if (this.done) return false;
    const rest = this.buf.subarray(this.at);
    const chunk = Buffer.allocUnsafe(Math.max(RUN_READ_BYTES, need));
    const n = readSync(this.fd, chunk, 0, chunk.length, this.fileAt);
    this.fileAt += n;
    if (n === 0) this.done = true;
    this.buf = Buffer.concat([rest, chunk.subarray(0, n)]);
    this.at = 0;
    return this.buf.length >= need;
  }

  next(): boolean {
    if (!this.fill(HEADER)) return (this.key = this.value = null), false;
    const kl = this.buf.readUInt16BE(this.at);
    const vl = this.buf.readUInt16BE(this.at + 2);
    if (!this.fill(HEADER + kl + vl)) throw new SeedbankError('FILE_INVALID', 'bulk load: a sorted run file ends in the middle of a row', { hint: 'the temporary folder was changed under the load; run it again' });
    this.key = this.buf.subarray(this.at + HEADER, this.at + HEADER + kl);
    this.value = this.buf.subarray(this.at + HEADER + kl, this.at + HEADER + kl + vl);
    this.at += HEADER + kl + vl;
    return true;
  }
}

/** The rows of one in-memory arena in key order. */
class ArenaCursor implements RowCursor {
  private i = 0;
  key: Buffer | null = null;
  value: Buffer | null = null;

  constructor(
    private readonly arena: Buffer,
    private readonly order: Uint32Array,
  ) {}

  next(): boolean {
    if (this.i === this.order.length) return (this.key = this.value = null), false;
    const s = this.order[this.i++]!;
    const kl = this.arena.readUInt16BE(s);
    const vl = this.arena.readUInt16BE(s + 2);
    this.key = this.arena.subarray(s + HEADER, s + HEADER + kl);
    this.value = this.arena.subarray(s + HEADER + kl, s + HEADER + kl + vl);
    return true;
  }
}

/** Several sorted cursors merged (a binary heap on their current keys; ties go to the earlier cursor). */
class MergeCursor implements RowCursor {
  private readonly heap: Array<{ c: RowCursor; n: number }>;
  key: Buffer | null = null;
  value: Buffer | null = null;
  private started = false;

  constructor(cursors: RowCursor[]) {
    this.heap = [];
    cursors.forEach((c, n) => {
      if (c.next()) this.push({ c, n });
    });
  }

  private less(a: { c: RowCursor; n: number }, b: { c: RowCursor; n: number }): boolean {
    const d = Buffer.compare(a.c.key!, b.c.key!);
    return d < 0 || (d === 0 && a.n < b.n);
  }

  private push(e: { c: RowCursor; n: number }): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private siftDown(): void {
    const h = this.heap;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  next(): boolean {
    const h = this.heap;
    // The row handed out last is still the top's current row: move that cursor on first.
    if (this.started && h.length > 0) {
      if (h[0]!.c.next()) this.siftDown();
      else {
        const last = h.pop()!;
        if (h.length > 0) {
          h[0] = last;
          this.siftDown();
        }
      }
    }
    this.started = true;
    if (h.length === 0) return (this.key = this.value = null), false;
    this.key = h[0]!.c.key;
    this.value = h[0]!.c.value;
    return true;
  }
}

/** Collects rows for one table in any order and writes them in key order. */
export class SortedBulkLoad {
  private arena: Buffer;
  private used = 0;
  private starts = new Uint32Array(INITIAL_STARTS);
  private count = 0;
  private readonly runs: string[] = [];
  private dir: string | null = null;
  rows = 0;

  constructor(private readonly arenaBytes = DEFAULT_ARENA_BYTES) {
    this.arena = Buffer.allocUnsafe(arenaBytes);
  }

  /** Adds one row (keys up to 65,535 bytes, values too). */
  add(key: Uint8Array, value: Uint8Array): void {
    const size = HEADER + key.length + value.length;
    if (this.used + size > this.arena.length || this.count === MAX_SORT_ROWS) this.spill();
    if (size > this.arena.length) throw new SeedbankError('INTERNAL', `bulk load: a ${size}-byte row does not fit a ${this.arena.length}-byte arena`);
    const a = this.arena;
    a.writeUInt16BE(key.length, this.used);
    a.writeUInt16BE(value.length, this.used + 2);
    a.set(key, this.used + HEADER);
    a.set(value, this.used + HEADER + key.length);
    if (this.count === this.starts.length) {
      const grown = new Uint32Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.count++] = this.used;
    this.used += size;
    this.rows++;
  }

  /** The arena's rows' start offsets in key order. */
  private sorted(): Uint32Array {
    return keyOrder(this.arena, this.starts.subarray(0, this.count));
  }

  private spill(): void {
    if (this.count === 0) return;
    this.dir ??= mkdtempSync(path.join(os.tmpdir(), 'seedbank-bulk-'));
    const file = path.join(this.dir, `run-${this.runs.length}`);
    const fd = openSync(file, 'w');
    try {
      const out = Buffer.allocUnsafe(RUN_READ_BYTES);
      let o = 0;
      for (const s of this.sorted()) {
        const len = HEADER + this.arena.readUInt16BE(s) + this.arena.readUInt16BE(s + 2);
        if (o + len > out.length) {
          writeSync(fd, out, 0, o);
          o = 0;
        }
        this.arena.copy(out, o, s, s + len);
        o += len;
      }
      writeSync(fd, out, 0, o);
    } finally {
      closeSync(fd);
    }
    this.runs.push(file);
    this.count = 0;
    this.used = 0;
  }

  /** Writes every row into `db` in key order (append), then frees the arena and the run files. */
  finish(env: RootDatabase, db: Database<Buffer, Buffer>): number {
    const fds: number[] = [];
    try {
      let rows: RowCursor;
      if (this.runs.length === 0) rows = new ArenaCursor(this.arena, this.sorted());
      else {
        this.spill();
        this.arena = Buffer.alloc(0);
        for (const f of this.runs) fds.push(openSync(f, 'r'));
        rows = new MergeCursor(fds.map((fd) => new RunReader(fd)));
      }
      // The same row added twice (a file listed twice in one version) is written once.
      const last = Buffer.allocUnsafe(2 ** 16);
      let lastLength = -1;
      let more = true;
      while (more) {
        env.transactionSync(() => {
          for (let n = 0; n < ROWS_PER_TRANSACTION; n++) {
            if (!rows.next()) return void (more = false);
            const k = rows.key!;
            if (k.length === lastLength && last.compare(k, 0, k.length, 0, lastLength) === 0) continue;
            lastLength = k.copy(last);
            db.putSync(k, rows.value!, APPEND);
          }
        });
      }
    } finally {
      for (const fd of fds) closeSync(fd);
      this.arena = Buffer.alloc(0);
      this.starts = new Uint32Array(0);
      this.count = 0;
      if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    }
    return this.rows;
  }
}
