/**
 * Where each title sits in its version's file list (store format 4): version no · 8-byte title
 * hash (title-ids.ts) → position in title order. The file page finds a file's row in its
 * version's list with three reads (this one, the row, the row's title to rule out a hash
 * collision) instead of a binary search over the list (about 20 reads of two tables at 1,000
 * files a version, about 40 at a million, each likely a page fault once the store outgrows what
 * stays mapped). Keyed by the title's hash, not its id, so the lookup needs no range read of the
 * title ids (on hot pages that range read cost as much as the whole binary search). About 25
 * bytes a file on disk.
 */
import type { Database } from 'lmdb';
import { titleHash } from './title-ids.ts';

const U32 = 4;
const HASH_BYTES = 8;
/** Versions whose positions one migration transaction writes: bounds its dirty pages (about 1,000 files a version). */
const VERSIONS_PER_FILL_TRANSACTION = 200;

/** versionNo(u32) · titleHash(8) → position(u32), raw bytes. */
export type SetPositionsTable = Database<Buffer, Buffer>;

/** The key of a title's position in one version's list. */
export function positionKey(versionNo: number, title: string): Buffer {
  return positionKeyOfHash(versionNo, titleHash(title));
}

function positionKeyOfHash(versionNo: number, hash: Buffer): Buffer {
  const k = Buffer.allocUnsafe(U32 + HASH_BYTES);
  k.writeUInt32BE(versionNo, 0);
  hash.copy(k, U32, 0, HASH_BYTES);
  return k;
}

/** The first key of a version's positions (a range bound). */
export function versionStart(versionNo: number): Buffer {
  return positionKeyOfHash(versionNo, Buffer.alloc(HASH_BYTES));
}

/** The first row key of a version in the rows table (versionNo · position 0). */
function rowsStart(versionNo: number): Buffer {
  const k = Buffer.alloc(2 * U32);
  k.writeUInt32BE(versionNo, 0);
  return k;
}

/** The stored value of a position. */
export function positionValue(position: number): Buffer {
  const v = Buffer.allocUnsafe(U32);
  v.writeUInt32BE(position, 0);
  return v;
}

/** The position a stored value holds, or undefined when there is none (a version written before format 4). */
export function decodePosition(v: Uint8Array | undefined): number | undefined {
  if (!v || v.byteLength !== U32) return undefined;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).readUInt32BE(0);
}

/** What filling the positions from the rows needs. */
export interface PositionFillTables {
  env: { transactionSync<T>(fn: () => T): T };
  /** versionNo · position → row whose first 4 bytes are the title id (set-files.ts). */
  rows: Database<Buffer, Buffer>;
  positions: SetPositionsTable;
  /** The title of a title id (title-ids.ts). */
  title(id: number): string | undefined;
}

/**
 * Writes every version's positions from its rows (the format 3 → 4 migration): the table is
 * emptied first, then filled in key order (a version's titles sorted by hash), some hundred
 * versions per transaction. Returns the positions written.
 */
export function fillSetPositions(t: PositionFillTables): number {
  t.env.transactionSync(() => t.positions.clearSync());
  let lastVersion = 0;
  for (const key of t.rows.getKeys({ reverse: true, limit: 1 })) lastVersion = Buffer.from(key as Uint8Array).readUInt32BE(0);
  let written = 0;
  for (let from = 0; from <= lastVersion; from += VERSIONS_PER_FILL_TRANSACTION) {
    const to = from + VERSIONS_PER_FILL_TRANSACTION;
    t.env.transactionSync(() => {
      let version = -1;
      let pending: Array<[Buffer, number]> = [];
      const flush = () => {
        pending.sort((a, b) => Buffer.compare(a[0], b[0]));
        let previous: Buffer | null = null;
        for (const [key, position] of pending) {
          // Two titles of one list with one hash (or a title twice): one position is kept, the lookup checks the row's title.
          if (previous && key.equals(previous)) continue;
          t.positions.putSync(key, positionValue(position), { append: true });
          previous = key;
          written++;
        }
        pending = [];
      };
      for (const { key, value } of t.rows.getRange({ start: rowsStart(from), end: rowsStart(to) })) {
        const k = Buffer.from(key as Uint8Array);
        const v = value as Uint8Array;
        const no = k.readUInt32BE(0);
        if (no !== version) {
          flush();
          version = no;
        }
        const title = t.title(Buffer.from(v.buffer, v.byteOffset, v.byteLength).readUInt32BE(0));
        if (title !== undefined) pending.push([positionKey(no, title), k.readUInt32BE(U32)]);
      }
      flush();
    });
  }
  return written;
}
