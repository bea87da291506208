/**
 * Split (seedbank-manifest/3) versions for tests. {@link makeSplitVersion} turns a version
 * folder the real builder wrote as a whole manifest (/2) into a /3 one with the format module's
 * own writers and the set's key from the builder's keys folder: the same volumes (so a catalogue
 * that has the whole version already has their torrents), one list and one pages archive per
 * volume, changes.ndjson, a signed top manifest, a deterministic metadata torrent in the
 * contract's file order with any piece length (tests of piece boundaries), a signed pointer and
 * the volume torrents. It may number the result as a new version made of the same files, and
 * alter the lists first (hostile cases: the result is still validly signed).
 * {@link loadSplitVersion} reads a /3 folder back (one the builder wrote, or one made here).
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import bencode from 'bencode';
import { assembleExport, parseExport } from '../../services/set-builder/listing/export-xml.ts';
import { sha256Hex } from '../../shared/canonical-json.ts';
import { parseManifest, type ManifestChanges, type ManifestFile } from '../../shared/formats/manifest.ts';
import { collect, openVersionManifest } from '../../shared/formats/version-manifest.ts';
import { makePointer, type SetPointer } from '../../shared/formats/pointer.ts';
import { signManifestText } from '../../shared/formats/signature.ts';
import { compareTitles, pagesFileName, parseSplitManifest, serializeSplitManifest, splitPartNames, writeChanges, writeList, type SplitManifest, type SplitVolume } from '../../shared/formats/split-manifest.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';
import { metadataTorrentBytes, paddedMetadataInfo } from '../../shared/torrent/metadata-layout.ts';

/** The metadata torrent's piece length (the builder's). */
export const SPLIT_METADATA_PIECE_BYTES = 256 * 1024;

/** A split version on disk. */
export interface SplitVersion {
  dir: string;
  manifest: SplitManifest;
  /** Every file record of the version, read from its lists (tests' sets are small). */
  records: ManifestFile[];
  torrent: Uint8Array;
  infoHash: string;
  pointer: SetPointer;
  pieceLength: number;
  /** Files of the metadata torrent in order, with their offsets in it (pads are `.pad/<length>`, `pad` true). */
  files: Array<{ name: string; offset: number; length: number; pad: boolean }>;
}

/** How to make a split version. */
export interface MakeSplitOptions {
  /** A whole (/1, /2) version folder the builder wrote. */
  wholeDir: string;
  /** The builder's keys folder (DATA/keys), where the set's key is. */
  keysDir: string;
  /** Where the split version goes. */
  dir: string;
  /** Numbers the result as this version, made of the same files with the whole version as its parent; default: the whole version's own number, parent and changes. */
  version?: number;
  /** Overrides the parent (a parent converted to /3 too has another manifest hash). */
  parent?: SplitManifest['parent'];
  /** Metadata torrent piece length; default the builder's. */
  pieceLength?: number;
  /** BEP 47 pads so every part starts a piece, as the builder writes (default true); false: end to end, as before pads. */
  pads?: boolean;
  /** Alters the lists (volume info hash → records) before they are written. */
  tamper?: (lists: Map<string, ManifestFile[]>) => void;
}

const NO_CHANGES: ManifestChanges = { added: [], removed: [], changed: [], renamed: [], pagesUpdated: [] };

/**
 * Writes the metadata torrent of a split folder (exactly the top files and parts, in the
 * contract's order), padded as the builder pads it (BEP 47) or, with `pads: false`, end to end
 * as builders did before; returns its info hash.
 */
async function writeMetadataTorrent(dir: string, top: SplitManifest, pieceLength: number, pads: boolean): Promise<string> {
  const names = ['manifest.json', 'manifest.sig', ...splitPartNames(top)];
  const torrentName = `${top.set.id}-v${top.version}`;
  if (pads) {
    const { info, infoHash } = await paddedMetadataInfo(dir, torrentName, names, pieceLength);
    await writeFile(path.join(dir, 'metadata.torrent'), metadataTorrentBytes(info));
    return infoHash;
  }
  const blobs = await Promise.all(names.map((name) => readFile(path.join(dir, ...name.split('/')))));
  const all = Buffer.concat(blobs);
  const pieces: Buffer[] = [];
  for (let at = 0; at < all.length; at += pieceLength) pieces.push(createHash('sha1').update(all.subarray(at, at + pieceLength)).digest());
  const info = {
    files: names.map((name, i) => ({ length: blobs[i]!.length, path: name.split('/').map((s) => Buffer.from(s, 'utf8')) })),
    name: Buffer.from(torrentName, 'utf8'),
    'piece length': pieceLength,
    pieces: Buffer.concat(pieces),
  };
  await writeFile(path.join(dir, 'metadata.torrent'), bencode.encode({ 'created by': 'seedbank', info }));
  return createHash('sha1').update(bencode.encode(info)).digest('hex');
}

/** Writes the split form of a whole version folder; see the module comment. */
export async function makeSplitVersion(o: MakeSplitOptions): Promise<SplitVersion> {
  const wholeText = await readFile(path.join(o.wholeDir, 'manifest.json'), 'utf8');
  const whole = parseManifest(wholeText);
  const key = await loadOrCreateSetKey(o.keysDir, whole.set.id);
  await mkdir(path.join(o.dir, 'pages'), { recursive: true });
  const lists = new Map(whole.volumes.map((v) => [v.infoHash, whole.files.filter((f) => f.volume === v.infoHash)]));
  o.tamper?.(lists);

  const exported = parseExport(gunzipSync(await readFile(path.join(o.wholeDir, 'pages.xml.gz'))).toString('utf8'), { titlesOnly: true });
  const volumes: SplitVolume[] = [];
  for (const v of whole.volumes) {
    const files = lists.get(v.infoHash)!;
    const list = await writeList(o.dir, v.infoHash, files);
    const titles = new Set(files.map((f) => f.title));
    const pages = exported.pages.filter((p) => titles.has(p.title)).sort((a, b) => compareTitles(a.title, b.title));
    const gz = gzipSync(Buffer.from(assembleExport(exported.header, pages.map((p) => p.xml)), 'utf8'), { level: 9 });
    await writeFile(path.join(o.dir, pagesFileName(v.infoHash)), gz);
    volumes.push({ ...v, files: list.count, size: files.reduce((n, f) => n + f.size, 0), list, pages: { file: pagesFileName(v.infoHash), sha256: sha256Hex(gz), size: gz.length, count: pages.length } });
  }
  const renumbered = o.version !== undefined && o.version !== whole.version;
  const { files: _files, pages: _pages, changes, format: _format, volumes: _volumes, ...rest } = whole;
  const top: SplitManifest = {
    ...rest,
    format: 'seedbank-manifest/3',
    version: o.version ?? whole.version,
    parent: o.parent !== undefined ? o.parent : renumbered ? { version: whole.version, manifestSha256: sha256Hex(wholeText) } : rest.parent,
    volumes,
    // A version renumbered from its parent's files changed nothing against it.
    changes: await writeChanges(o.dir, renumbered ? NO_CHANGES : changes),
    totals: { files: volumes.reduce((n, v) => n + v.files, 0), bytes: volumes.reduce((n, v) => n + v.size, 0) },
  };
  const text = serializeSplitManifest(top);
  await writeFile(path.join(o.dir, 'manifest.json'), text);
  await writeFile(path.join(o.dir, 'manifest.sig'), `${JSON.stringify(signManifestText(text, top.set.publicKey, key), null, 2)}\n`);
  await cp(path.join(o.wholeDir, 'volumes'), path.join(o.dir, 'volumes'), { recursive: true });
  const infoHash = await writeMetadataTorrent(o.dir, top, o.pieceLength ?? SPLIT_METADATA_PIECE_BYTES, o.pads ?? true);
  await writeFile(path.join(o.dir, 'pointer.json'), `${JSON.stringify(makePointer(key, top.set.id, top.version, infoHash), null, 2)}\n`);
  return loadSplitVersion(o.dir);
}

/** A split version folder (`seedbank build --manifest-format split`, or {@link makeSplitVersion}), read back. */
export async function loadSplitVersion(dir: string): Promise<SplitVersion> {
  const manifest = parseSplitManifest(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  const torrent = await readFile(path.join(dir, 'metadata.torrent'));
  const decoded = bencode.decode(torrent) as { info: { files: Array<{ length: number; path: Uint8Array[]; attr?: Uint8Array }>; 'piece length': number } };
  let offset = 0;
  const files = decoded.info.files.map((f) => {
    const entry = { name: f.path.map((s) => Buffer.from(s).toString('utf8')).join('/'), offset, length: f.length, pad: f.attr !== undefined && Buffer.from(f.attr).includes('p') };
    offset += f.length;
    return entry;
  });
  const infoHash = createHash('sha1').update(bencode.encode(decoded.info)).digest('hex');
  const pointer = JSON.parse(await readFile(path.join(dir, 'pointer.json'), 'utf8')) as SetPointer;
  const records = await collect((await openVersionManifest(dir)).files());
  return { dir, manifest, records, torrent, infoHash, pieceLength: decoded.info['piece length'], pointer, files };
}

/** Every file a builder uploads for a split version folder, by relative name. */
export function splitUploadNames(top: SplitManifest): string[] {
  return ['manifest.json', 'manifest.sig', 'metadata.torrent', 'pointer.json', ...splitPartNames(top), ...top.volumes.map((v) => v.torrent)];
}
