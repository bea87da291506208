import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import createTorrent from 'create-torrent';
import { sha256Hex } from '../../shared/canonical-json.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { metadataTorrentBytes, paddedMetadataInfo } from '../../shared/torrent/metadata-layout.ts';
import { assembleExport } from './listing/export-xml.ts';
import type { ListedFile } from './listing/listed-file.ts';
import type { PageStore } from './listing/page-store.ts';

const gzipAsync = promisify(gzip);
/**
 * Piece length of the metadata torrent (manifest, signature, pages; a split version's parts
 * too). In a split version every part starts a piece (BEP 47 pads), so each part adds less
 * than one piece of zeros to the torrent's length (never to what anyone downloads over HTTP):
 * at 256 KiB, 37 MB (5.0%) on a 1,000,000-file version's 714 MiB (100 volumes, 200 pads),
 * while the piece digests every seeder downloads in the .torrent stay at 60 KB (3,000
 * pieces; the .torrent is 87 KB). Halving it about halves the padding and doubles the
 * digests; a whole version (three files, fetched whole) has no pads.
 */
export const METADATA_PIECE_LENGTH_BYTES = 256 * 1024;
/** Strongest gzip: pages.xml.gz is written once per version and downloaded many times. */
const GZIP_LEVEL = 9;

/** The files of a version's metadata torrent, in its folder `<set>-v<N>`. */
export const METADATA_FILES = ['manifest.json', 'manifest.sig', 'pages.xml.gz'] as const;

/**
 * Writes `pages.xml.gz`: the description pages of every file, in MediaWiki's XML export
 * format (the dumps' own), sorted by title; gzip without a timestamp so the bytes are stable.
 */
export async function writePagesArchive(dir: string, header: string, files: ListedFile[], pages: PageStore): Promise<{ file: string; sha256: string; size: number; count: number }> {
  const sorted = [...files].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  const xml = assembleExport(header, sorted.map((f) => pages.get(f.title)));
  const gz = await gzipAsync(Buffer.from(xml, 'utf8'), { level: GZIP_LEVEL });
  await writeFile(path.join(dir, 'pages.xml.gz'), gz);
  return { file: 'pages.xml.gz', sha256: sha256Hex(gz), size: gz.length, count: sorted.length };
}

/**
 * Makes the metadata torrent of a version (manifest, signature, pages), deterministic:
 * no trackers added by the library, fixed creator, the build time as creation date.
 */
export async function writeMetadataTorrent(dir: string, setId: string, version: number, builtAt: Date): Promise<string> {
  const inputs = METADATA_FILES.map((f) => path.join(dir, f));
  const torrent: Uint8Array = await new Promise((resolve, reject) =>
    createTorrent(
      inputs,
      {
        name: `${setId}-v${version}`,
        createdBy: 'seedbank',
        creationDate: builtAt,
        announceList: [],
        urlList: [],
        pieceLength: METADATA_PIECE_LENGTH_BYTES,
      },
      (err: Error | null, t: Uint8Array) => (err ? reject(err) : resolve(t)),
    ),
  );
  await writeFile(path.join(dir, 'metadata.torrent'), torrent);
  const { default: parseTorrent } = await import('parse-torrent');
  const parsed = (await parseTorrent(torrent)) as { infoHash?: string };
  if (!parsed.infoHash) throw new SeedbankError('TORRENT_INVALID', 'the metadata torrent could not be read back');
  return parsed.infoHash;
}

/**
 * Writes `metadata.torrent` over `names` (files of `dir`, in torrent order), each starting a
 * piece of {@link METADATA_PIECE_LENGTH_BYTES} with BEP 47 pad files between them, the build
 * time as creation date and no trackers; returns its info hash. A seeder holding some parts
 * then holds whole pieces of them (it writes the pads' zeros itself) and fetches nothing else.
 */
export async function writePaddedMetadataTorrent(dir: string, torrentName: string, names: readonly string[], builtAt: Date): Promise<string> {
  const { info, infoHash } = await paddedMetadataInfo(dir, torrentName, names, METADATA_PIECE_LENGTH_BYTES);
  await writeFile(path.join(dir, 'metadata.torrent'), metadataTorrentBytes(info, builtAt));
  return infoHash;
}
