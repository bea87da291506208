/**
 * Writes the parts of a split (seedbank-manifest/3) version: per volume its file list and its
 * description pages, then the change lists, the signed top manifest and a metadata torrent over
 * all of them. Every part is streamed to disk while it is hashed, so a part's size never has to
 * fit in one string; the caller feeds each volume's files in title order.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ManifestChanges, ManifestFile, ManifestVolume } from '../../shared/formats/manifest.ts';
import { signManifestText } from '../../shared/formats/signature.ts';
import {
  ListWriter,
  pagesFileName,
  serializeSplitManifest,
  splitPartNames,
  writeChanges,
  type PartRef,
  type SplitManifest,
  type SplitVolume,
} from '../../shared/formats/split-manifest.ts';
import type { SetKey } from '../../shared/signing.ts';
import { writePaddedMetadataTorrent } from './metadata.ts';

/** Strongest gzip: a pages archive is written once per version and downloaded many times. */
const GZIP_LEVEL = 9;

/**
 * Writes one volume's pages archive `pages/<infohash>.xml.gz`: the export header, the page
 * elements as given (title order, verbatim), the closing tag; gzip level 9 with no timestamp.
 */
export async function writePagesPart(dir: string, infoHash: string, header: string, pages: AsyncIterable<string> | Iterable<string>): Promise<PartRef> {
  const name = pagesFileName(infoHash);
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  let count = 0;
  async function* xml(): AsyncGenerator<string> {
    yield header.endsWith('\n') ? header : `${header}\n`;
    for await (const p of pages) {
      count += 1;
      yield p.endsWith('\n') ? p : `${p}\n`;
    }
    yield '</mediawiki>\n';
  }
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(Readable.from(xml()), createGzip({ level: GZIP_LEVEL }), tap, createWriteStream(file));
  return { file: name, sha256: hash.digest('hex'), size, count };
}

type Sourced<T> = AsyncIterable<T> | Iterable<T>;

/** One volume as the split writer needs it: its /2 record, its files in title order, and their page elements in the same order. */
export interface SplitVolumeSource {
  volume: ManifestVolume;
  /** The volume's file records in title order; iterated once, for the list. */
  files: () => Sourced<ManifestFile>;
  /** The description page element of each file, in the same order; iterated once, for the pages archive. */
  pages: () => Sourced<string>;
}

/**
 * Writes one volume's list, then its pages archive, each in one streaming pass (so neither
 * part, nor the volume's page text, is ever whole in memory); returns its top-manifest record.
 */
export async function writeVolumeParts(dir: string, header: string, source: SplitVolumeSource): Promise<SplitVolume> {
  const ih = source.volume.infoHash;
  const list = await ListWriter.open(dir, ih);
  try {
    for await (const file of source.files()) await list.add(file);
  } catch (err) {
    await list.abort();
    throw err;
  }
  const listRef = await list.close();
  const pagesRef = await writePagesPart(dir, ih, header, source.pages());
  return { ...source.volume, list: listRef, pages: pagesRef };
}

/** Writes changes.ndjson, manifest.json and manifest.sig; returns the manifest's text. */
export async function writeSplitTop(dir: string, top: Omit<SplitManifest, 'changes'>, changes: ManifestChanges, key: SetKey): Promise<{ manifest: SplitManifest; text: string }> {
  const summary = await writeChanges(dir, changes);
  const manifest: SplitManifest = { ...top, changes: summary };
  const text = serializeSplitManifest(manifest);
  await writeFile(path.join(dir, 'manifest.json'), text);
  await writeFile(path.join(dir, 'manifest.sig'), `${JSON.stringify(signManifestText(text, manifest.set.publicKey, key), null, 2)}\n`);
  return { manifest, text };
}

/**
 * The files of a split version's metadata torrent, in torrent order: manifest.json,
 * manifest.sig, then {@link splitPartNames} (changes.ndjson, then each volume's list and pages
 * archive in the top manifest's volume order), the one order every part of Seedbank shares.
 */
export function metadataTorrentNames(m: SplitManifest): string[] {
  return ['manifest.json', 'manifest.sig', ...splitPartNames(m)];
}

/**
 * Makes the metadata torrent of a split version, deterministic: name `<set>-v<N>`, the files
 * of {@link metadataTorrentNames} each starting a piece (BEP 47 pads between them:
 * metadata.ts), the build time as creation date, no trackers. Returns its info hash.
 */
export async function writeSplitMetadataTorrent(dir: string, m: SplitManifest, builtAt: Date): Promise<string> {
  return writePaddedMetadataTorrent(dir, `${m.set.id}-v${m.version}`, metadataTorrentNames(m), builtAt);
}
