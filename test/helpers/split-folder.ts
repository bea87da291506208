/**
 * Turns a version folder the builder wrote as a whole manifest (/2) into the same version as a
 * split manifest (/3), with the format module's writers and the set key from the builder's
 * data folder: per-volume lists and pages, changes.ndjson, a signed top manifest, a metadata
 * torrent of exactly those files and a pointer to it. Until the builder writes /3 itself, this
 * is how catalogue tests get a real /3 version of a real wiki's files. `tamper` may alter the
 * lists before they are written (hostile cases: the result is still validly signed).
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import createTorrent from 'create-torrent';
import parseTorrent from 'parse-torrent';
import { assembleExport, parseExport } from '../../services/set-builder/listing/export-xml.ts';
import { sha256Hex } from '../../shared/canonical-json.ts';
import { parseManifest, type ManifestFile } from '../../shared/formats/manifest.ts';
import { makePointer } from '../../shared/formats/pointer.ts';
import { signManifestText } from '../../shared/formats/signature.ts';
import { pagesFileName, serializeSplitManifest, splitPartNames, writeChanges, writeList, type SplitManifest } from '../../shared/formats/split-manifest.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';

const METADATA_PIECE_LENGTH_BYTES = 256 * 1024;

/** Writes the /3 form of whole version folder `wholeDir` into `outDir`; returns its top manifest. */
export async function splitVersionFolder(
  wholeDir: string,
  outDir: string,
  keysDir: string,
  o: { tamper?: (lists: Map<string, ManifestFile[]>) => void; parent?: SplitManifest['parent'] } = {},
): Promise<SplitManifest> {
  const whole = parseManifest(await readFile(path.join(wholeDir, 'manifest.json'), 'utf8'));
  const key = await loadOrCreateSetKey(keysDir, whole.set.id);
  await mkdir(outDir, { recursive: true });
  const lists = new Map(whole.volumes.map((v) => [v.infoHash, whole.files.filter((f) => f.volume === v.infoHash)]));
  o.tamper?.(lists);

  const xml = (await promisify(gunzip)(await readFile(path.join(wholeDir, 'pages.xml.gz')))).toString('utf8');
  const exported = parseExport(xml, { titlesOnly: true });
  const volumes = [];
  for (const v of whole.volumes) {
    const files = lists.get(v.infoHash)!;
    const list = await writeList(outDir, v.infoHash, files);
    const titles = new Set(files.map((f) => f.title));
    const pages = exported.pages.filter((p) => titles.has(p.title)).sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
    const gz = await promisify(gzip)(Buffer.from(assembleExport(exported.header, pages.map((p) => p.xml)), 'utf8'), { level: 9 });
    await mkdir(path.join(outDir, 'pages'), { recursive: true });
    await writeFile(path.join(outDir, pagesFileName(v.infoHash)), gz);
    volumes.push({ ...v, files: list.count, size: files.reduce((n, f) => n + f.size, 0), list, pages: { file: pagesFileName(v.infoHash), sha256: sha256Hex(gz), size: gz.length, count: pages.length } });
  }
  const { files: _files, pages: _pages, changes, format: _format, volumes: _volumes, ...rest } = whole;
  const top: SplitManifest = {
    ...rest,
    // The parent's hash is of its manifest.json bytes: a parent converted to /3 too has another one.
    parent: o.parent === undefined ? rest.parent : o.parent,
    format: 'seedbank-manifest/3',
    volumes,
    changes: await writeChanges(outDir, changes),
    totals: { files: volumes.reduce((n, v) => n + v.files, 0), bytes: volumes.reduce((n, v) => n + v.size, 0) },
  };
  const text = serializeSplitManifest(top);
  await writeFile(path.join(outDir, 'manifest.json'), text);
  await writeFile(path.join(outDir, 'manifest.sig'), `${JSON.stringify(signManifestText(text, top.set.publicKey, key), null, 2)}\n`);
  await cp(path.join(wholeDir, 'volumes'), path.join(outDir, 'volumes'), { recursive: true });

  // The metadata torrent: a folder `<set>-v<N>` holding exactly the top manifest, its signature and the parts.
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'split-meta-'));
  const folder = path.join(scratch, `${top.set.id}-v${top.version}`);
  for (const name of ['manifest.json', 'manifest.sig', ...splitPartNames(top)]) await cp(path.join(outDir, name), path.join(folder, name));
  const torrent: Uint8Array = await new Promise((resolve, reject) =>
    createTorrent(folder, { name: `${top.set.id}-v${top.version}`, createdBy: 'seedbank', creationDate: new Date(top.snapshot.builtAt), announceList: [], urlList: [], pieceLength: METADATA_PIECE_LENGTH_BYTES },
      (err: Error | null, t: Uint8Array) => (err ? reject(err) : resolve(t))),
  );
  await rm(scratch, { recursive: true, force: true });
  await writeFile(path.join(outDir, 'metadata.torrent'), torrent);
  const infoHash = ((await parseTorrent(torrent)) as { infoHash: string }).infoHash;
  await writeFile(path.join(outDir, 'pointer.json'), `${JSON.stringify(makePointer(key, top.set.id, top.version, infoHash), null, 2)}\n`);
  return top;
}

/** Every file a builder uploads for a split version folder, by relative name. */
export function splitUploadNames(top: SplitManifest): string[] {
  return ['manifest.json', 'manifest.sig', 'metadata.torrent', 'pointer.json', ...splitPartNames(top), ...top.volumes.map((v) => v.torrent)];
}
