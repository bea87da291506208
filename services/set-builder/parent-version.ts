/**
 * The parent of the version being built, whatever its format (/1, /2 whole; /3 split): what
 * the next build needs of it (key, recipe, snapshot, volumes and layout, file records, page
 * titles for the change scan), read through the one reader of every format. Its file records
 * are not read here: the build streams them, list by list, where it needs them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SeedbankError } from '../../shared/errors.ts';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import { partProblem } from '../../shared/formats/split-manifest.ts';
import { collect, openVersionManifest, type ManifestHead, type VersionManifest } from '../../shared/formats/version-manifest.ts';
import { parseExport } from './listing/export-xml.ts';
import type { PageStore } from './listing/page-store.ts';
import type { SetStore } from './store.ts';

/** A built version read back as a parent. */
export interface ParentVersion {
  version: number;
  dir: string;
  /** SHA-256 of its manifest.json bytes: the child's parent.manifestSha256. */
  sha256: string;
  head: ManifestHead;
  manifest: VersionManifest;
}

/** Reads version `version` of a set as the parent of the next build. */
export async function readParent(store: SetStore, setId: string, version: number): Promise<ParentVersion> {
  const dir = store.versionDir(setId, version);
  const manifest = await openVersionManifest(dir);
  // The file records stay on disk: the build streams them (manifest.files(), list by list) where it needs them.
  return { version, dir, sha256: manifest.sha256, head: manifest.head, manifest };
}

/** Every file record of the parent, in title order per volume: only the API change scan needs them all at once. */
export async function parentRecords(parent: ParentVersion): Promise<ManifestFile[]> {
  return collect(parent.manifest.files());
}

/**
 * Copies the parent's description pages, verbatim, into the page store (from its pages.xml.gz,
 * or from each volume's pages archive of a split version, checked against the signed top
 * first, one volume in memory at a time); returns the export header.
 */
export async function copyParentPages(parent: ParentVersion, pages: PageStore): Promise<string> {
  const whole = parent.manifest.whole;
  const archives = whole ? [{ file: whole.pages.file, ref: null }] : parent.manifest.split!.volumes.map((v) => ({ file: v.pages.file, ref: v.pages }));
  let header = '';
  for (const a of archives) {
    const gz = await readFile(path.join(parent.dir, a.file));
    const problem = a.ref ? partProblem(gz, a.ref) : null;
    if (problem) throw new SeedbankError('MANIFEST_UNTRUSTED', `the parent version's ${problem}`, { hint: 'the parent version folder was altered: restore it from the catalogue or build with --full-listing' });
    const part = parseExport(gunzipSync(gz).toString('utf8'), { titlesOnly: true });
    if (header === '') header = part.header;
    for (const p of part.pages) pages.put(p.title, p.xml);
  }
  await pages.flushed();
  return header;
}
