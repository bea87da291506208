/**
 * A split (seedbank-manifest/3) version made from a whole (/2) one the real builder wrote, with
 * the format module's own writers and the set's key from the builder's data folder: same
 * volumes (so the catalogue already has their torrents), one list and one pages archive per
 * volume, a signed top manifest, a deterministic metadata torrent in the contract's file order
 * and a signed pointer ({@link makeSplitVersion}: any piece length, for tests of piece
 * boundaries); or a /3 version the real builder wrote, read back ({@link loadSplitVersion}).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import bencode from 'bencode';
import { sha256Hex } from '../../shared/canonical-json.ts';
import { parseManifest, type ManifestFile } from '../../shared/formats/manifest.ts';
import { collect, openVersionManifest } from '../../shared/formats/version-manifest.ts';
import { makePointer, type SetPointer } from '../../shared/formats/pointer.ts';
import { signManifestText } from '../../shared/formats/signature.ts';
import { pagesFileName, parseSplitManifest, serializeSplitManifest, splitPartNames, writeChanges, writeList, type SplitManifest, type SplitVolume } from '../../shared/formats/split-manifest.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';

/** The metadata torrent's piece length (the builder's). */
export const SPLIT_METADATA_PIECE_BYTES = 256 * 1024;

/** A split version on disk. */
export interface SplitVersion {
  dir: string;
  manifest: SplitManifest;
  /** Every file record of the version (tests' sets are small). */
  records: ManifestFile[];
  torrent: Uint8Array;
  infoHash: string;
  pointer: SetPointer;
  pieceLength: number;
  /** Files of the metadata torrent in order, with their offsets in it. */
  files: Array<{ name: string; offset: number; length: number }>;
}

/** The <page> elements of a pages.xml.gz by title, and the export header before the first one. */
function splitPages(xml: string): { header: string; pages: Map<string, string> } {
  const first = xml.indexOf('<page>');
  const header = xml.slice(0, first);
  const pages = new Map<string, string>();
  for (let at = first; at >= 0; at = xml.indexOf('<page>', at)) {
    const end = xml.indexOf('</page>', at) + '</page>'.length;
    const block = xml.slice(at, end);
    const title = /<title>([^<]*)<\/title>/.exec(block)![1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#039;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    pages.set(title, block);
    at = end;
  }
  return { header, pages };
}

/**
 * Writes version `version` of the set as a split version into `dir`, with the files and
 * volumes of the whole version folder `wholeDir` (its parent is that version).
 */
export async function makeSplitVersion(o: { wholeDir: string; dataDir: string; dir: string; version: number; pieceLength?: number }): Promise<SplitVersion> {
  const pieceLength = o.pieceLength ?? SPLIT_METADATA_PIECE_BYTES;
  const parentText = await readFile(path.join(o.wholeDir, 'manifest.json'), 'utf8');
  const whole = parseManifest(parentText);
  const key = await loadOrCreateSetKey(path.join(o.dataDir, 'keys'), whole.set.id);
  const { header, pages } = splitPages(gunzipSync(await readFile(path.join(o.wholeDir, 'pages.xml.gz'))).toString('utf8'));
  await mkdir(o.dir, { recursive: true });
  const volumes: SplitVolume[] = [];
  for (const v of whole.volumes) {
    const files = whole.files.filter((f) => f.volume === v.infoHash).sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
    const list = await writeList(o.dir, v.infoHash, files);
    const gz = gzipSync(Buffer.from(`${header}${files.map((f) => `${pages.get(f.title) ?? ''}\n`).join('')}</mediawiki>\n`, 'utf8'), { level: 9 });
    await mkdir(path.join(o.dir, 'pages'), { recursive: true });
    await writeFile(path.join(o.dir, pagesFileName(v.infoHash)), gz);
    volumes.push({ ...v, list, pages: { file: pagesFileName(v.infoHash), sha256: sha256Hex(gz), size: gz.length, count: files.length } });
  }
  const changes = await writeChanges(o.dir, { added: [], removed: [], changed: [], renamed: [], pagesUpdated: [] });
  const { files: _files, pages: _pages, changes: _changes, format: _format, volumes: _volumes, ...rest } = whole;
  const manifest: SplitManifest = {
    ...rest,
    format: 'seedbank-manifest/3',
    version: o.version,
    parent: { version: whole.version, manifestSha256: sha256Hex(parentText) },
    volumes,
    changes,
  };
  const text = serializeSplitManifest(manifest);
  await writeFile(path.join(o.dir, 'manifest.json'), text);
  await writeFile(path.join(o.dir, 'manifest.sig'), `${JSON.stringify(signManifestText(text, manifest.set.publicKey, key), null, 2)}\n`);

  const names = ['manifest.json', 'manifest.sig', ...splitPartNames(manifest)];
  const files: SplitVersion['files'] = [];
  const blobs: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    const bytes = await readFile(path.join(o.dir, name));
    files.push({ name, offset, length: bytes.length });
    blobs.push(bytes);
    offset += bytes.length;
  }
  const all = Buffer.concat(blobs);
  const pieces: Buffer[] = [];
  for (let at = 0; at < all.length; at += pieceLength) pieces.push(createHash('sha1').update(all.subarray(at, at + pieceLength)).digest());
  const info = {
    files: files.map((f) => ({ length: f.length, path: f.name.split('/').map((s) => Buffer.from(s, 'utf8')) })),
    name: Buffer.from(`${manifest.set.id}-v${manifest.version}`, 'utf8'),
    'piece length': pieceLength,
    pieces: Buffer.concat(pieces),
  };
  const infoHash = createHash('sha1').update(bencode.encode(info)).digest('hex');
  const torrent = bencode.encode({ 'created by': 'seedbank', info });
  await writeFile(path.join(o.dir, 'metadata.torrent'), torrent);
  return { dir: o.dir, manifest, records: whole.files, torrent, infoHash, pieceLength, pointer: makePointer(key, manifest.set.id, manifest.version, infoHash), files };
}

/** A split version the real builder wrote (`seedbank build --manifest-format split`), read from its folder. */
export async function loadSplitVersion(dir: string): Promise<SplitVersion> {
  const manifest = parseSplitManifest(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  const torrent = await readFile(path.join(dir, 'metadata.torrent'));
  const decoded = bencode.decode(torrent) as { info: { files: Array<{ length: number; path: Uint8Array[] }>; 'piece length': number } };
  let offset = 0;
  const files = decoded.info.files.map((f) => {
    const entry = { name: f.path.map((s) => Buffer.from(s).toString('utf8')).join('/'), offset, length: f.length };
    offset += f.length;
    return entry;
  });
  const infoHash = createHash('sha1').update(bencode.encode(decoded.info)).digest('hex');
  const pointer = JSON.parse(await readFile(path.join(dir, 'pointer.json'), 'utf8')) as SetPointer;
  const records = await collect((await openVersionManifest(dir)).files());
  return { dir, manifest, records, torrent, infoHash, pieceLength: decoded.info['piece length'], pointer, files };
}
