/**
 * The parent of the version being built, whatever its format (/1, /2 whole; /3 split): what
 * the next build needs of it (key, recipe, snapshot, volumes and layout, file records, page
 * titles for the change scan), read through the one reader of every format.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import { partProblem } from '../../shared/formats/split-manifest.ts';
import { collect, openVersionManifest, type ManifestHead, type VersionManifest } from '../../shared/formats/version-manifest.ts';
import { parseExport, type ParsedExport } from './listing/export-xml.ts';
import type { SetStore } from './store.ts';

/** A built version read back as a parent. */
export interface ParentVersion {
  version: number;
  dir: string;
  /** SHA-256 of its manifest.json bytes: the child's parent.manifestSha256. */
  sha256: string;
  head: ManifestHead;
  manifest: VersionManifest;
  /** Every file record, in title order per volume (a split list is checked against the signed top as it is read). */
  files: ManifestFile[];
}

/** Reads version `version` of a set as the parent of the next build. */
export async function readParent(store: SetStore, setId: string, version: number): Promise<ParentVersion> {
  const dir = store.versionDir(setId, version);
  const manifest = await openVersionManifest(dir);
  const files = await collect(manifest.files());
  return { version, dir, sha256: manifest.sha256, head: manifest.head, manifest, files };
}

/**
 * The titles and verbatim page elements of the parent's description pages: its pages.xml.gz,
 * or each volume's pages archive of a split version (checked against the signed top first).
 */
export async function readParentPages(parent: ParentVersion): Promise<ParsedExport> {
  const whole = parent.manifest.whole;
  if (whole) return parseExport(gunzipSync(await readFile(path.join(parent.dir, whole.pages.file))).toString('utf8'), { titlesOnly: true });
  const out: ParsedExport = { header: '', pages: [] };
  for (const v of parent.manifest.split!.volumes) {
    const gz = await readFile(path.join(parent.dir, v.pages.file));
    const problem = partProblem(gz, v.pages);
    if (problem) throw new Error(problem);
    const part = parseExport(gunzipSync(gz).toString('utf8'), { titlesOnly: true });
    if (out.header === '') out.header = part.header;
    for (const p of part.pages) out.pages.push(p);
  }
  return out;
}
