/**
 * The layout of a split version's metadata torrent with BEP 47 pad files: before every part
 * (a list or pages archive) whose start would not be on a piece boundary comes a pad file
 * (`attr: "p"`, path `.pad/<length>`, all zero bytes) up to the next boundary, so every part
 * starts a piece and no piece holds bytes of two parts (the top manifest, its signature and
 * changes.ndjson, which every seeder holds, share their pieces). A seeder that fetched only its own lists over HTTP then holds whole
 * pieces of them once it writes the pads' zeros itself: it never fetches a neighbour's bytes
 * to seed them (the edge fetch of versions published before pads, edge-pieces.ts, stays for
 * those). Padding adds no downloaded byte, only length to the torrent (less than one piece per
 * part). The builder, the catalogue's publish check, the seeder and the benchmark share this.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from '../errors.ts';
import { CHANGES_FILE } from '../formats/split-manifest.ts';
import { bencodeToBuffer, Bencoded, type BencodeValue } from './bencode-writer.ts';
import { SHA1_BYTES } from './piece-hasher.ts';

/** The folder BEP 47 puts pad files in. */
export const PAD_FOLDER = '.pad';
/** A pad file's name in the torrent: `.pad/<length>` (BEP 47's recommendation, what libtorrent writes). */
const PAD_NAME = /^\.pad\/([1-9][0-9]{0,9})$/;
/** Read size when hashing the files. */
const READ_CHUNK_BYTES = 1 << 20; // 1 MiB

/** One entry of a metadata torrent's file list, with its place in the concatenation. */
export interface MetadataEntry {
  /** Path inside the version folder, e.g. `lists/<ih>.ndjson`, or `.pad/<length>` for a pad. */
  name: string;
  offset: number;
  length: number;
  /** A BEP 47 pad file: zeros, never stored by clients that know BEP 47, never fetched. */
  pad: boolean;
}

/** A pad file's name for `length` zero bytes. */
export function padName(length: number): string {
  return `${PAD_FOLDER}/${length}`;
}

/** The length a name `.pad/<length>` announces, or null when the name is not a pad's. */
export function padNameLength(name: string): number | null {
  const m = PAD_NAME.exec(name);
  return m ? Number(m[1]) : null;
}

/** Zero bytes that bring `end` up to the next multiple of `pieceLength` (0 when it is on one). */
export function padBytes(end: number, pieceLength: number): number {
  return (pieceLength - (end % pieceLength)) % pieceLength;
}

/**
 * Whether a file of a split version's metadata torrent starts a piece: every part (each list,
 * each pages archive) does; the signature and changes.ndjson follow the manifest in the same
 * pieces, since every seeder holds all three (a 200-byte signature padded to a piece would add
 * a piece of zeros to what a peer that knows no pads sends).
 */
export function startsPiece(name: string): boolean {
  return name !== 'manifest.sig' && name !== CHANGES_FILE;
}

/**
 * The entries of a padded metadata torrent for files in torrent order: before each file that
 * `aligned` says starts a piece (default {@link startsPiece}), a pad from the previous file's
 * end to the next piece boundary unless it is on one (BEP 47 pads align the next file; nothing
 * follows the last).
 */
export function paddedLayout(files: ReadonlyArray<{ name: string; length: number }>, pieceLength: number, aligned: (name: string) => boolean = startsPiece): { entries: MetadataEntry[]; totalBytes: number } {
  const entries: MetadataEntry[] = [];
  let offset = 0;
  files.forEach((f, i) => {
    const pad = i > 0 && aligned(f.name) ? padBytes(offset, pieceLength) : 0;
    if (pad > 0) {
      entries.push({ name: padName(pad), offset, length: pad, pad: true });
      offset += pad;
    }
    entries.push({ name: f.name, offset, length: f.length, pad: false });
    offset += f.length;
  });
  return { entries, totalBytes: offset };
}

/** Whether every file `aligned` names (default: every part) starts on a piece boundary (a padded layout; torrents published before pads are not). */
export function isAligned(entries: ReadonlyArray<Pick<MetadataEntry, 'name' | 'offset' | 'length' | 'pad'>>, pieceLength: number, aligned: (name: string) => boolean = startsPiece): boolean {
  return entries.every((e) => e.pad || e.length === 0 || !aligned(e.name) || e.offset % pieceLength === 0);
}

/** SHA-1 digests of consecutive pieces of a byte stream fed in order, zeros included. */
export class PieceDigests {
  private hash: Hash = createHash('sha1');
  private inPiece = 0;
  private readonly digests: Buffer[] = [];
  private zeroBlock: Buffer | null = null;

  constructor(private readonly pieceLength: number) {}

  /** Feeds the next bytes. */
  update(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(this.pieceLength - this.inPiece, chunk.length - at);
      this.hash.update(chunk.subarray(at, at + take));
      this.inPiece += take;
      at += take;
      if (this.inPiece === this.pieceLength) this.close();
    }
  }

  /** Feeds `n` zero bytes (a pad file's), less than a piece at a time. */
  zeros(n: number): void {
    this.zeroBlock ??= Buffer.alloc(Math.min(this.pieceLength, READ_CHUNK_BYTES));
    for (let left = n; left > 0; left -= this.zeroBlock.length) this.update(left >= this.zeroBlock.length ? this.zeroBlock : this.zeroBlock.subarray(0, left));
  }

  /** Ends the last (short) piece; the digests, 20 bytes a piece. */
  end(): Buffer {
    if (this.inPiece > 0) this.close();
    return Buffer.concat(this.digests);
  }

  private close(): void {
    this.digests.push(this.hash.digest());
    this.hash = createHash('sha1');
    this.inPiece = 0;
  }
}

/** A metadata torrent's bencoded info dictionary and info hash. */
export interface MetadataInfo {
  info: Buffer;
  infoHash: string;
  entries: MetadataEntry[];
  totalBytes: number;
}

/**
 * Hashes the files of `dir` named in `names` (torrent order) with pads between them and
 * bencodes the info dictionary `{files, name, piece length, pieces}`; pads are
 * `{attr: "p", length, path: [".pad", "<length>"]}`.
 */
export async function paddedMetadataInfo(dir: string, torrentName: string, names: readonly string[], pieceLength: number): Promise<MetadataInfo> {
  const sized = [];
  for (const name of names) sized.push({ name, length: (await stat(path.join(dir, ...name.split('/')))).size });
  const { entries, totalBytes } = paddedLayout(sized, pieceLength);
  const digests = new PieceDigests(pieceLength);
  for (const e of entries) {
    if (e.pad) {
      digests.zeros(e.length);
      continue;
    }
    let read = 0;
    for await (const chunk of createReadStream(path.join(dir, ...e.name.split('/')), { highWaterMark: READ_CHUNK_BYTES })) {
      digests.update(chunk as Buffer);
      read += (chunk as Buffer).length;
    }
    if (read !== e.length) throw new SeedbankError('INTERNAL', `${e.name} changed while its metadata torrent was made (${read} bytes read, ${e.length} expected)`);
  }
  const pieces = digests.end();
  if (pieces.length !== Math.ceil(totalBytes / pieceLength) * SHA1_BYTES) throw new SeedbankError('INTERNAL', 'metadata torrent pieces do not cover its files');
  const files: BencodeValue[] = entries.map((e) => (e.pad ? { attr: 'p', length: e.length, path: [PAD_FOLDER, String(e.length)] } : { length: e.length, path: e.name.split('/') }));
  const info = bencodeToBuffer({ files, name: torrentName, 'piece length': pieceLength, pieces });
  return { info, infoHash: createHash('sha1').update(info).digest('hex'), entries, totalBytes };
}

/** A whole .torrent around an info dictionary: `created by` seedbank, an optional creation date (Unix seconds), no trackers. */
export function metadataTorrentBytes(info: Buffer, creationDate?: Date): Buffer {
  return bencodeToBuffer({ 'created by': 'seedbank', 'creation date': creationDate ? Math.floor(creationDate.getTime() / 1000) : undefined, info: new Bencoded(info) });
}
