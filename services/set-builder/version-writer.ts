/**
 * The last phase of a build: the manifest in the format the build chose. A whole manifest
 * (/2) is one canonical JSON with every file record, plus one pages.xml.gz; a split one (/3)
 * is a small signed top manifest naming, per volume, a file list and a pages archive, plus the
 * change lists (see shared/formats/split-manifest.ts). Both end with the metadata torrent.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../../shared/canonical-json.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { MANIFEST_FORMAT, serializeManifest, type Manifest, type ManifestChanges, type ManifestFile } from '../../shared/formats/manifest.ts';
import { signManifest } from '../../shared/formats/signature.ts';
import { compareTitles, SPLIT_MANIFEST_FORMAT, type SplitManifest, type SplitVolume } from '../../shared/formats/split-manifest.ts';
import type { ManifestHead } from '../../shared/formats/version-manifest.ts';
import type { SetKey } from '../../shared/signing.ts';
import { fileMeta, type ListedFile } from './listing/listed-file.ts';
import type { PageStore } from './listing/page-store.ts';
import { writeMetadataTorrent, writePagesArchive } from './metadata.ts';
import { writeSplitMetadataTorrent, writeSplitTop, writeVolumeParts } from './split-writer.ts';
import type { BuiltVolume } from './volumes.ts';

/** How a build writes its manifest: always whole (/2), always split (/3), or split above {@link SPLIT_ABOVE_FILES}. */
export type ManifestFormatChoice = 'whole' | 'split' | 'auto';
/** The manifest format choices, for the CLI. */
export const MANIFEST_FORMAT_CHOICES: readonly ManifestFormatChoice[] = ['whole', 'split', 'auto'];
/** With `auto`, a version of more files than this is written split: a whole manifest of 20,000 files is about 9 MB. */
export const SPLIT_ABOVE_FILES = 20_000;

/**
 * Pages read between two unmaps of the page store. A volume's titles are scattered over the
 * store (volumes go by name hash), and each read maps the ~64 KB around it (the kernel's
 * fault-around): at a million files one volume's reads mapped 600 MB of the store.
 */
const PAGES_PER_UNMAP = 1000;

/** True when a version of `files` files is written as a split manifest. */
export function writesSplit(choice: ManifestFormatChoice, files: number): boolean {
  return choice === 'split' || (choice === 'auto' && files > SPLIT_ABOVE_FILES);
}

/** What every format's top manifest holds apart from volumes, file records, changes and pages. */
export type VersionHead = Omit<ManifestHead, 'format' | 'volumes' | 'totals'>;

/** What was written: the manifest's text and SHA-256, its head, the whole manifest (null when split), the metadata torrent. */
export interface WrittenVersion {
  format: 'whole' | 'split';
  text: string;
  sha256: string;
  head: ManifestHead;
  whole: Manifest | null;
  split: SplitManifest | null;
  metadataInfoHash: string;
}

/**
 * Writes manifest.json, manifest.sig, the pages (one archive, or one per volume with the file
 * lists and changes.ndjson) and metadata.torrent into the scratch folder.
 */
export async function writeVersion(
  scratch: string,
  format: 'whole' | 'split',
  o: { head: VersionHead; volumes: BuiltVolume[]; changes: ManifestChanges; exportHeader: string; pages: PageStore; key: SetKey; builtAt: Date },
): Promise<WrittenVersion> {
  const volumes = o.volumes.map((v) => v.volume);
  const totals = { files: o.volumes.reduce((s, v) => s + v.files.length, 0), bytes: o.volumes.reduce((s, v) => s + v.volume.size, 0) };
  if (format === 'whole') {
    // A whole manifest is one JSON text of every record anyway: the records are made here, at most tens of thousands.
    const files: ListedFile[] = o.volumes.flatMap((v) => [...v.files]);
    const volumeOf = new Map<string, string>();
    for (const v of o.volumes) for (let i = 0; i < v.files.length; i++) volumeOf.set(v.files.titleAt(i), v.volume.infoHash);
    const byTitle = [...files].sort((a, b) => compareTitles(a.title, b.title));
    const manifestFiles: ManifestFile[] = byTitle.map((f) => ({ ...fileMeta(f), volume: volumeOf.get(f.title)! }));
    const pages = await writePagesArchive(scratch, o.exportHeader, byTitle, o.pages);
    const manifest: Manifest = { format: MANIFEST_FORMAT, ...o.head, files: manifestFiles, volumes, changes: o.changes, pages, totals };
    const text = serializeManifest(manifest);
    await writeFile(path.join(scratch, 'manifest.json'), text);
    await writeFile(path.join(scratch, 'manifest.sig'), `${JSON.stringify(signManifest(manifest, o.key), null, 2)}\n`);
    const metadataInfoHash = await writeMetadataTorrent(scratch, o.head.set.id, o.head.version, o.builtAt);
    return { format, text, sha256: sha256Hex(text), head: { ...o.head, format: MANIFEST_FORMAT, volumes, totals }, whole: manifest, split: null, metadataInfoHash };
  }
  const splitVolumes: SplitVolume[] = [];
  for (const v of o.volumes) {
    const ih = v.volume.infoHash;
    const byTitle = v.files.byTitle();
    // Records and pages are made one at a time as the parts are written: never a volume's worth at once.
    splitVolumes.push(await writeVolumeParts(scratch, o.exportHeader, {
      volume: v.volume,
      files: function* () {
        for (const f of byTitle) yield { ...fileMeta(f), volume: ih };
      },
      pages: async function* () {
        for (let i = 0; i < byTitle.length; i++) {
          if ((i + 1) % PAGES_PER_UNMAP === 0) await o.pages.release();
          yield o.pages.get(byTitle.titleAt(i));
        }
      },
    }));
    // Unmap the pages this volume read, or the whole page store ends up resident by the last volume.
    await o.pages.release();
  }
  const { manifest, text } = await writeSplitTop(scratch, { format: SPLIT_MANIFEST_FORMAT, ...o.head, volumes: splitVolumes, totals }, o.changes, o.key);
  if (manifest.set.publicKey !== o.key.publicKeyHex) throw new SeedbankError('INTERNAL', 'the split manifest names another key than the signing key');
  const metadataInfoHash = await writeSplitMetadataTorrent(scratch, manifest, o.builtAt);
  return { format, text, sha256: sha256Hex(text), head: { ...o.head, format: SPLIT_MANIFEST_FORMAT, volumes, totals }, whole: null, split: manifest, metadataInfoHash };
}
