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
