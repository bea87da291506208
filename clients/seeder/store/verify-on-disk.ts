/**
 * What a volume already has on disk when it starts: pieces the saved bitfield vouches for are
 * kept if their files are still there and long enough (webtorrent then re-hashes a sample),
 * and every other piece whose files are all present is hashed. That finds pieces written
 * after the last state save (kill -9), and pieces of files another volume already stored.
 */
import { emptyBitfield, getBit, setBit } from './volume-state.ts';
import type { FilesOnDisk, VolumeFiles } from './volume-files.ts';

/** Pieces hashed at once while checking. */
const HASH_CONCURRENCY = 4;

/** The outcome of a check. */
export interface DiskCheck {
  bitfield: Uint8Array;
  /** Pieces taken from the saved bitfield. */
  trusted: number;
  /** Pieces hashed, and how many of them were good. */
  hashed: number;
  found: number;
  files: FilesOnDisk;
}

/** Builds the bitfield of pieces present on disk for one volume. */
export async function verifyOnDisk(files: VolumeFiles, saved: Uint8Array | null, signal?: AbortSignal): Promise<DiskCheck> {
  const { layout } = files;
  const onDisk = await files.filesOnDisk();
  for (let i = 0; i < onDisk.sizes.length; i++) {
    if (onDisk.sizes[i]! > layout.files[i]!.length) {
      await files.truncate(i);
      onDisk.sizes[i] = layout.files[i]!.length;
    }
  }
  const present = (index: number) =>
    layout.pieceSegments(index).every((s) => onDisk.sizes[s.file]! >= s.fileOffset + s.length);

  const bitfield = emptyBitfield(layout.pieceCount);
  const toHash: number[] = [];
  let trusted = 0;
  for (let i = 0; i < layout.pieceCount; i++) {
    if (!present(i)) continue;
    if (saved && getBit(saved, i)) {
      setBit(bitfield, i, true);
      trusted++;
    } else toHash.push(i);
  }
  let found = 0;
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < toHash.length; k = next++) {
      signal?.throwIfAborted();
      const i = toHash[k]!;
      if (await files.checkPiece(i)) {
        setBit(bitfield, i, true);
        found++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, toHash.length) }, worker));
  return { bitfield, trusted, hashed: toHash.length, found, files: onDisk };
}
