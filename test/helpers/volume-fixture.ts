/**
 * A small volume of random bytes for census tests: its content and torrent, laid out as a
 * Commons tree in any folder, and damaged in place when a test needs a seeder to lie.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { closeHashWorkers, createVolumeTorrent, parseVolumeTorrent, type ParsedVolumeTorrent } from '../../shared/torrent/index.ts';

/** Piece length of {@link FOUR_FILES}: small enough that files share pieces. */
export const FOUR_FILE_PIECE_LENGTH = 32 * 1024;
/**
 * Four files at offsets 0 / 70000 / 80000 / 180000 with 32 KiB pieces: Alpha covers pieces 0-2,
 * Beta piece 2, Gamma 2-5, Delta 5-6 (7 pieces). A copy without Delta holds pieces 0-4: Alpha
 * and Beta only.
 */
export const FOUR_FILES: ReadonlyArray<{ path: string; length: number }> = [
  { path: 'a/ab/Alpha.jpg', length: 70_000 },
  { path: 'b/bc/Beta.jpg', length: 10_000 },
  { path: 'c/cd/Gamma.jpg', length: 100_000 },
  { path: 'd/de/Delta.jpg', length: 40_000 },
];

/** A volume made for a test, with the helpers that lay it out and damage it. */
export interface VolumeFixture {
  content: Buffer;
  torrent: Buffer;
  parsed: ParsedVolumeTorrent;
  /** Writes the files under DIR/commons/, leaving out the paths in `omit`. */
  writeTree(dir: string, omit?: string[]): Promise<void>;
  /** Flips the first byte of every piece in place (same inode, so a running client reads it). */
  corruptEveryPiece(dir: string): Promise<void>;
}

/** Builds a volume of random bytes over `files` (torrent hashed from a tree under `work`). */
export async function makeVolumeFixture(work: string, files: ReadonlyArray<{ path: string; length: number }>, pieceLength: number): Promise<VolumeFixture> {
  const content = randomBytes(files.reduce((n, f) => n + f.length, 0));
  const writeTree = async (dir: string, omit: string[] = []): Promise<void> => {
    let at = 0;
    for (const f of files) {
      const bytes = content.subarray(at, at + f.length);
      at += f.length;
      if (omit.includes(f.path)) continue;
      const abs = path.join(dir, 'commons', f.path);
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, bytes);
    }
  };
  const src = path.join(work, 'source');
  await writeTree(src);
  const built = await createVolumeTorrent({ files: files.map((f) => ({ ...f, absPath: path.join(src, 'commons', f.path) })), pieceLength, urlList: [] });
  await closeHashWorkers();
  const parsed = parseVolumeTorrent(built.torrent);
  const corruptEveryPiece = async (dir: string): Promise<void> => {
    for (let at = 0; at < content.length; at += pieceLength) {
      const file = parsed.files.find((f) => at >= f.offset && at < f.offset + f.length)!;
      const handle = await open(path.join(dir, 'commons', file.path), 'r+');
      try {
        await handle.write(Buffer.from([content[at]! ^ 0xff]), 0, 1, at - file.offset);
      } finally {
        await handle.close();
      }
    }
  };
  return { content, torrent: built.torrent, parsed, writeTree, corruptEveryPiece };
}
