/**
 * Where each title sits in its version's file list (store format 4): version no · title id →
 * position in title order. The file page finds a file's row in its version's list with one read
 * here instead of a binary search over the list (about 20 reads of two tables at 1,000 files a
 * version, more as versions grow: 40% of the copy lookup's CPU at 10M files, and at 10M the
 * reads that most often missed the page cache). About 22 bytes a file on disk.
 */
import type { Database } from 'lmdb';

const U32 = 4;
/** Versions whose positions one migration transaction writes: bounds its dirty pages (about 1,000 files a version). */
const VERSIONS_PER_FILL_TRANSACTION = 200;

/** versionNo(u32) · titleId(u32) → position(u32), raw bytes. */
export type SetPositionsTable = Database<Buffer, Buffer>;

/** The key of a title's position in one version's list. */
export function positionKey(versionNo: number, titleId: number): Buffer {
  const k = Buffer.allocUnsafe(2 * U32);
  k.writeUInt32BE(versionNo, 0);
  k.writeUInt32BE(titleId, U32);
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
}

/**
 * Writes every version's positions from its rows (the format 3 → 4 migration): the table is
 * emptied first, then filled in key order (a version's titles sorted by id), some hundred
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
      let pending: Array<[number, number]> = [];
      const flush = () => {
        pending.sort((a, b) => a[0] - b[0]);
        let previous = -1;
        for (const [id, position] of pending) {
          // A title twice in one list would be a damaged list: one position is kept (the lookup checks the row's title id).
          if (id === previous) continue;
          t.positions.putSync(positionKey(version, id), positionValue(position), { append: true });
          previous = id;
          written++;
        }
        pending = [];
      };
      for (const { key, value } of t.rows.getRange({ start: positionKey(from, 0), end: positionKey(to, 0) })) {
        const k = Buffer.from(key as Uint8Array);
        const v = value as Uint8Array;
        const no = k.readUInt32BE(0);
        if (no !== version) {
          flush();
          version = no;
        }
        pending.push([Buffer.from(v.buffer, v.byteOffset, v.byteLength).readUInt32BE(0), k.readUInt32BE(U32)]);
      }
      flush();
    });
  }
  return written;
}
