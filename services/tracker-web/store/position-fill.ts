/**
 * The store format 3 → 4 upgrade (set-positions.ts) done in the background while the catalogue
 * serves: at 10M files writing every title's position took 654 s, and an upgrade must not hold
 * the catalogue down that long. Opening a format-3 store only marks the fill pending (a cursor:
 * the next version number to fill); the server then fills one version at a time between
 * event-loop turns. Until a version's positions are written, the file page finds its row by
 * binary search over the list (set-files.ts `get`), so lookups answer the same meanwhile, only
 * with more reads. A version's positions and the cursor after it go in one write batch, and
 * filling a version again writes the same keys and values, so a fill killed at any point
 * resumes at the next start where it stopped. Versions published meanwhile write their own.
 */
import type { Database } from 'lmdb';
import { positionKey, positionValue, type SetPositionsTable } from './set-positions.ts';

/** storeInfo key of the next version number whose positions are still to write; absent: none pending. */
export const POSITION_FILL_KEY = 'positionFill';
/** storeInfo key of the last version number the fill writes: the highest when the store was upgraded (later ones are published with positions). */
const POSITION_FILL_END_KEY = 'positionFillEnd';
/** How long one slice of the fill may hold the event loop before it yields. */
const FILL_SLICE_MS = 5;
/** Versions whose writes may be pending before the fill waits for them to commit (bounds queued writes). */
const VERSIONS_PER_COMMIT_WAIT = 20;

/** What the background fill reads and writes. */
export interface PositionFillStore {
  /** versionNo · position → row whose first 4 bytes are the title id (set-files.ts). */
  rows: Database<Buffer, Buffer>;
  positions: SetPositionsTable;
  storeInfo: Database<number, string>;
  /** The title of a title id (title-ids.ts). */
  title(id: number): string | undefined;
}

/** Options of a fill: stop early, and hear of each version done (progress logs, tests). */
export interface PositionFillOptions {
  signal?: AbortSignal;
  onVersion?: (versionNo: number, lastVersionNo: number) => void;
}

/** Marks a store's positions to be filled from version 1 on (inside the open's format upgrade; the table is emptied of anything stale). */
export function markPositionFillPending(t: Pick<PositionFillStore, 'rows' | 'positions' | 'storeInfo'>): void {
  t.positions.clearSync();
  t.storeInfo.putSync(POSITION_FILL_KEY, 1);
  t.storeInfo.putSync(POSITION_FILL_END_KEY, lastVersionNo(t.rows));
}

/** Whether a fill is pending (a format-3 store opened, its positions not all written yet). */
export function positionFillPending(t: Pick<PositionFillStore, 'storeInfo'>): boolean {
  return t.storeInfo.get(POSITION_FILL_KEY) !== undefined;
}

function rowKey(versionNo: number, position: number): Buffer {
  const k = Buffer.allocUnsafe(8);
  k.writeUInt32BE(versionNo, 0);
  k.writeUInt32BE(position, 4);
  return k;
}

/** The highest version number with rows (0: none). */
function lastVersionNo(rows: Database<Buffer, Buffer>): number {
  for (const key of rows.getKeys({ reverse: true, limit: 1 })) return Buffer.from(key as Uint8Array).readUInt32BE(0);
  return 0;
}

/** One version's positions from its rows, in key order (titles sorted by hash; a duplicate hash keeps its first row). */
function versionPositions(t: PositionFillStore, no: number): Array<[Buffer, number]> {
  const out: Array<[Buffer, number]> = [];
  for (const { key, value } of t.rows.getRange({ start: rowKey(no, 0), end: rowKey(no + 1, 0) })) {
    const v = value as Uint8Array;
    const title = t.title(Buffer.from(v.buffer, v.byteOffset, v.byteLength).readUInt32BE(0));
    if (title !== undefined) out.push([positionKey(no, title), Buffer.from(key as Uint8Array).readUInt32BE(4)]);
  }
  out.sort((a, b) => Buffer.compare(a[0], b[0]));
  return out.filter((e, i) => i === 0 || !e[0].equals(out[i - 1]![0]));
}

/**
 * Fills the pending positions, a version at a time, yielding to the event loop every few
 * milliseconds; resolves when done (the pending mark removed) or stopped. Returns the
 * positions written by this call.
 */
export async function fillPendingPositions(t: PositionFillStore, o: PositionFillOptions = {}): Promise<number> {
  let next = t.storeInfo.get(POSITION_FILL_KEY);
  if (next === undefined) return 0;
  // Versions published since the upgrade wrote their own positions, and have higher numbers.
  const last = t.storeInfo.get(POSITION_FILL_END_KEY) ?? lastVersionNo(t.rows);
  let written = 0;
  let pending: Array<Promise<unknown>> = [];
  let sliceStart = performance.now();
  for (; next <= last; next++) {
    if (o.signal?.aborted) break;
    const positions = versionPositions(t, next);
    // One turn, so one write batch: the version's positions and the cursor past it commit together.
    for (const [key, position] of positions) void t.positions.put(key, positionValue(position));
    pending.push(t.storeInfo.put(POSITION_FILL_KEY, next + 1));
    written += positions.length;
    o.onVersion?.(next, last);
    if (pending.length >= VERSIONS_PER_COMMIT_WAIT) {
      await Promise.all(pending);
      pending = [];
    }
    if (performance.now() - sliceStart >= FILL_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  await Promise.all(pending);
  if (next > last) {
    void t.storeInfo.remove(POSITION_FILL_END_KEY);
    await t.storeInfo.remove(POSITION_FILL_KEY);
  }
  return written;
}
