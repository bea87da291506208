/**
 * Checks of an uploaded version's torrents against its manifest: every volume torrent is
 * parsed strictly (hostile paths refused) and must list exactly the manifest's files for it;
 * the metadata torrent must describe, piece by piece, the very bytes the catalogue will web-seed.
 */
import { createHash } from 'node:crypto';
import { SeedbankError } from '../../../shared/errors.ts';
import type { Manifest, ManifestVolume } from '../../../shared/formats/manifest.ts';
import { parseVolumeTorrent, SHA1_BYTES, type ParsedVolumeTorrent } from '../../../shared/torrent/index.ts';
import { METADATA_FILE_NAMES } from '../store/records.ts';

/** A TORRENT_MISMATCH error (400) with the hint to upload the builder's files. */
export function mismatch(message: string, hint?: string): SeedbankError {
  return new SeedbankError('TORRENT_MISMATCH', message, { hint: hint ?? 'upload the torrents the builder wrote for this version, unchanged' });
}

/** Parses a torrent from the upload, naming the file in any error. */
export function parse(name: string, bytes: Uint8Array): ParsedVolumeTorrent {
  try {
    return parseVolumeTorrent(bytes);
  } catch (err) {
    if (err instanceof SeedbankError) throw new SeedbankError(err.code, `${name}: ${err.message}`, { hint: err.hint, context: err.context });
    throw err;
  }
}

/** What the manifest (or a split version's list) says of one file placed in a volume. */
export interface PlacedFile {
  size: number;
  sha1: string;
}

/**
 * Checks one volume torrent against the manifest's volume and the files placed in it (by
 * path); returns the parsed torrent.
 */
export function checkVolumeTorrent(vol: ManifestVolume, bytes: Uint8Array | undefined, listed: ReadonlyMap<string, PlacedFile>): ParsedVolumeTorrent {
  const name = `volumes/${vol.infoHash}.torrent`;
  if (!bytes) throw new SeedbankError('PUBLISH_INCOMPLETE', `${name} was not uploaded`);
  const t = parse(name, bytes);
  if (t.infoHash !== vol.infoHash) throw mismatch(`${name} has info hash ${t.infoHash}, not the manifest's ${vol.infoHash}`);
  const facts: Array<[string, number, number]> = [
    ['piece length', t.pieceLength, vol.pieceLength],
    ['pieces', t.pieces.length / SHA1_BYTES, vol.pieces],
    ['bytes', t.totalBytes, vol.size],
    ['files', t.files.length, vol.files],
  ];
  for (const [what, got, want] of facts) if (got !== want) throw mismatch(`${name}: ${what} ${got}, the manifest says ${want}`);
  if (listed.size !== t.files.length) throw mismatch(`${name} holds ${t.files.length} files, the manifest assigns ${listed.size} to it`);
  for (const f of t.files) {
    const m = listed.get(f.path);
    if (!m) throw mismatch(`${name} holds ${f.path}, which the manifest does not place in this volume`);
    if (m.size !== f.length) throw mismatch(`${name}: ${f.path} is ${f.length} bytes, the manifest says ${m.size}`);
    if (f.sha1Hex !== undefined && f.sha1Hex !== m.sha1) throw mismatch(`${name}: ${f.path} has SHA-1 ${f.sha1Hex}, the manifest says ${m.sha1}`);
  }
  return t;
}

/** Unknown torrents first, so an upload with extra volumes is refused before anything is parsed. */
export function checkNoExtraTorrents(volumes: readonly ManifestVolume[], torrents: ReadonlyMap<string, Uint8Array>): void {
  const wanted = new Set(volumes.map((v) => v.infoHash));
  const extra = [...torrents.keys()].filter((ih) => !wanted.has(ih));
  if (extra.length > 0) throw mismatch(`uploaded volume torrents the manifest does not list: ${extra.join(', ')}`);
}

/**
 * Checks each volume torrent (by file name `volumes/<ih>.torrent`) against the manifest's
 * volume of that info hash; returns the parsed torrents in manifest order.
 */
export function checkVolumeTorrents(manifest: Manifest, torrents: Map<string, Uint8Array>): ParsedVolumeTorrent[] {
  checkNoExtraTorrents(manifest.volumes, torrents);
  const filesByVolume = new Map<string, Map<string, PlacedFile>>();
  for (const f of manifest.files) {
    let m = filesByVolume.get(f.volume);
    if (!m) filesByVolume.set(f.volume, (m = new Map()));
    m.set(f.path, f);
  }
  return manifest.volumes.map((vol) => checkVolumeTorrent(vol, torrents.get(vol.infoHash), filesByVolume.get(vol.infoHash) ?? new Map()));
}

/**
 * Checks that the metadata torrent is `<set>-v<N>/` holding exactly manifest.json, manifest.sig
 * and pages.xml.gz as uploaded (lengths and every piece hash); returns its info hash.
 */
export function checkMetadataTorrent(setId: string, version: number, torrent: Uint8Array, files: Record<(typeof METADATA_FILE_NAMES)[number], Uint8Array>): string {
  const t = parse('metadata.torrent', torrent);
  const hint = 'upload the metadata.torrent the builder wrote next to these files';
  if (t.name !== `${setId}-v${version}`) throw mismatch(`metadata.torrent is named "${t.name}", expected "${setId}-v${version}"`, hint);
  const names = t.files.map((f) => f.path);
  if (names.join('\n') !== METADATA_FILE_NAMES.join('\n')) throw mismatch(`metadata.torrent holds ${names.join(', ')}, expected ${METADATA_FILE_NAMES.join(', ')}`, hint);
  t.files.forEach((f, i) => {
    const bytes = files[METADATA_FILE_NAMES[i]!];
    if (f.length !== bytes.length) throw mismatch(`metadata.torrent says ${f.path} is ${f.length} bytes, the upload is ${bytes.length}`, hint);
  });
  const all = Buffer.concat(METADATA_FILE_NAMES.map((n) => files[n]));
  for (let i = 0, at = 0; at < all.length; i++, at += t.pieceLength) {
    const digest = createHash('sha1').update(all.subarray(at, at + t.pieceLength)).digest();
    if (!digest.equals(t.pieces.subarray(i * SHA1_BYTES, (i + 1) * SHA1_BYTES))) {
      throw mismatch(`metadata.torrent piece ${i} does not match the uploaded manifest, signature and pages`, hint);
    }
  }
  return t.infoHash;
}
