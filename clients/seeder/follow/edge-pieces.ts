/**
 * The pieces at the edges of the metadata parts a seeder fetched over HTTP, for split versions
 * published before the builder padded its metadata torrents (BEP 47 pads, so every part
 * starts a piece: shared/torrent/metadata-layout.ts; with those, every edge piece holds only
 * the part and a pad whose zeros the seeder writes itself, and nothing here is fetched). Such
 * an older metadata torrent packs every part end to end, so the first and last piece of a part also
 * hold bytes of its neighbours (other lists, pages) that the seeder did not fetch: without
 * them those pieces fail their hash and are never offered, and a peer hosting the same volume
 * cannot get them from this seeder when the catalogue is down. This fetches those neighbouring
 * bytes (at most two pieces per part), checks each assembled piece against the torrent's
 * SHA-1, and only then writes the neighbours' bytes into their files at their offsets, so the
 * torrent client verifies and seeds the whole piece. A neighbour's file is left partial (its
 * other bytes absent or holes): whether a part is whole is the torrent's word (every piece of
 * it verified), never the file's size.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from '../../../shared/errors.ts';

/** A metadata torrent's layout: its files by name (in the version folder), in torrent order. */
export interface MetadataLayout {
  pieceLength: number;
  /** SHA-1 of each piece, hex. */
  pieces: readonly string[];
  files: ReadonlyArray<{ name: string; offset: number; length: number }>;
}

/** Fetches bytes [start, end) of a metadata file. */
export type RangeFetch = (name: string, start: number, end: number) => Promise<Uint8Array>;

/** What completing the edges did. */
export interface EdgeOutcome {
  /** Pieces whose missing bytes were fetched and written. */
  piecesCompleted: number;
  /** Bytes fetched for them (the neighbours' bytes only). */
  fetchedBytes: number;
}

/** One file's share of a piece. */
interface Segment {
  name: string;
  /** Where in the file. */
  start: number;
  end: number;
}

/** The pieces that overlap the held files and are not wholly inside one held file (their first and last). */
export function edgePieces(layout: MetadataLayout, held: ReadonlySet<string>): number[] {
  const out = new Set<number>();
  for (const f of layout.files) {
    if (!held.has(f.name) || f.length === 0) continue;
    out.add(Math.floor(f.offset / layout.pieceLength));
    out.add(Math.floor((f.offset + f.length - 1) / layout.pieceLength));
  }
  return [...out].sort((a, b) => a - b);
}

/** The files' shares of piece `index`, in order. */
function segmentsOf(layout: MetadataLayout, index: number): Segment[] {
  const total = layout.files.reduce((s, f) => Math.max(s, f.offset + f.length), 0);
  const from = index * layout.pieceLength;
  const to = Math.min(total, from + layout.pieceLength);
  const out: Segment[] = [];
  for (const f of layout.files) {
    const a = Math.max(from, f.offset);
    const b = Math.min(to, f.offset + f.length);
    if (a < b) out.push({ name: f.name, start: a - f.offset, end: b - f.offset });
  }
  return out;
}

/** Reads a segment from disk; null when the file is absent or too short. */
async function readSegment(dir: string, s: Segment): Promise<Buffer | null> {
  let fh: FileHandle | null = null;
  try {
    fh = await open(path.join(dir, ...s.name.split('/')), 'r');
    const buf = Buffer.alloc(s.end - s.start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, s.start);
    return bytesRead === buf.length ? buf : null;
  } catch {
    return null;
  } finally {
    await fh?.close();
  }
}

/** Writes a segment into its file at its offset, creating the file (never truncating it). */
async function writeSegment(dir: string, s: Segment, bytes: Uint8Array): Promise<void> {
  const file = path.join(dir, ...s.name.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  const fh = await open(file, 'r+').catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    return open(file, 'w');
  });
  try {
    await fh.write(bytes, 0, bytes.length, s.start);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const sha1 = (parts: readonly Uint8Array[]) => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/**
 * Makes every piece overlapping the `held` files (on disk, already checked whole) complete in
 * `dir`: for each edge piece not complete yet, fetches the bytes of the other files in it,
 * checks the assembled piece against its SHA-1 and writes those bytes. `made`: files the seeder
 * writes itself (a padded torrent's pads): they complete a piece but make none an edge piece.
 * Throws METADATA_REFUSED,
 * writing nothing of that piece, when the piece does not match.
 */
export async function completeEdgePieces(dir: string, layout: MetadataLayout, held: readonly string[], fetch: RangeFetch, made: readonly string[] = []): Promise<EdgeOutcome> {
  const heldSet = new Set(held);
  const madeSet = new Set(made);
  const outcome: EdgeOutcome = { piecesCompleted: 0, fetchedBytes: 0 };
  for (const index of edgePieces(layout, heldSet)) {
    const segments = segmentsOf(layout, index);
    // A piece of held parts and pads (BEP 47, whose zeros the seeder wrote) is whole already: the torrent client checks it.
    if (segments.every((s) => heldSet.has(s.name) || madeSet.has(s.name))) continue;
    const onDisk = await Promise.all(segments.map((s) => readSegment(dir, s)));
    if (onDisk.every((b) => b !== null) && sha1(onDisk as Buffer[]) === layout.pieces[index]) continue;
    const bytes: Uint8Array[] = [];
    const fetched: Array<{ s: Segment; b: Uint8Array }> = [];
    for (const [i, s] of segments.entries()) {
      if (heldSet.has(s.name) && onDisk[i]) {
        bytes.push(onDisk[i]!);
        continue;
      }
      if (heldSet.has(s.name)) throw new SeedbankError('INTERNAL', `${s.name} should be whole in ${dir} but cannot be read at ${s.start}-${s.end}`);
      const b = await fetch(s.name, s.start, s.end);
      bytes.push(b);
      fetched.push({ s, b });
    }
    if (sha1(bytes) !== layout.pieces[index]) {
      throw new SeedbankError('METADATA_REFUSED', `piece ${index} of the metadata torrent does not match its hash with the bytes of ${fetched.map((x) => x.s.name).join(', ')} as served`, {
        hint: 'the catalogue served metadata that does not match the torrent; nothing of that piece was kept, the next poll tries again',
      });
    }
    for (const { s, b } of fetched) await writeSegment(dir, s, b);
    outcome.piecesCompleted += 1;
    outcome.fetchedBytes += fetched.reduce((n, x) => n + x.b.length, 0);
  }
  return outcome;
}
