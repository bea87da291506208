/**
 * A set version's metadata as a restore trusts it: the manifest, checked against its
 * signature (by the key it names and, when the catalogue registered one, by the set's key),
 * and the files it names, each checked against the manifest's SHA-256 before it is written:
 * a whole version's pages.xml.gz, a split version's per-volume lists and pages as they are
 * needed. Everything lands in the restore's output folder, so the manifest can be read there
 * again (streaming a split version's lists) by later steps.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from '../../shared/errors.ts';
import { checkManifestSignature } from '../../shared/formats/signature.ts';
import { checkPartFile, partProblem, type PartRef } from '../../shared/formats/split-manifest.ts';
import { versionManifestOf, type VersionManifest } from '../../shared/formats/version-manifest.ts';
import { writeFileAtomic } from '../../shared/fs/index.ts';
import type { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { unknownSetsError } from '../../shared/api/known-sets.ts';

/** A verified version. */
export interface VersionMetadata {
  /** The manifest, read from the output folder (a split version's parts are fetched with {@link fetchParts}). */
  manifest: VersionManifest;
  manifestText: string;
  signatureText: string;
  /** The key the catalogue registered for the set (what the signature was checked against too). */
  registeredKey: string | null;
}

/** Parses `set` or `set@3` (also `set@v3`). */
export function parseSetRef(ref: string): { setId: string; version: number | null } {
  const m = /^([a-z0-9][a-z0-9-]{0,62})(?:@v?([1-9][0-9]{0,8}))?$/.exec(ref);
  if (!m) throw new SeedbankError('SET_REF_INVALID', `"${ref}" is not a set reference`, { hint: 'write SET or SET@VERSION, e.g. paris or paris@3' });
  return { setId: m[1]!, version: m[2] ? Number(m[2]) : null };
}

function untrusted(setId: string, version: number, why: string): SeedbankError {
  return new SeedbankError('MANIFEST_UNTRUSTED', `${setId} v${version}: ${why}`, { hint: 'the catalogue or the path to it served altered metadata; do not restore from it' });
}

/**
 * Fetches and verifies a version's manifest and signature (the latest when `version` is null)
 * and writes them into `dir`, with a whole version's pages.xml.gz once it matches the manifest.
 */
export async function fetchVersionMetadata(catalogue: CatalogueApi, setId: string, version: number | null, dir: string): Promise<VersionMetadata> {
  const found = await catalogue.findSet(setId);
  if (!found) throw unknownSetsError(catalogue.baseUrl, [setId], (await catalogue.sets()).map((s) => s.id));
  const { set } = found;
  const v = version ?? set.latestVersion;
  if (v < 1) throw new SeedbankError('VERSION_NOT_FOUND', `set ${setId} has no published version yet`);
  const [manifestBytes, signatureBytes] = await Promise.all([catalogue.metadataFile(setId, v, 'manifest.json'), catalogue.metadataFile(setId, v, 'manifest.sig')]);
  const manifestText = manifestBytes.toString('utf8');
  const signatureText = signatureBytes.toString('utf8');
  const manifest = versionManifestOf(manifestText, dir, `manifest of ${setId} v${v}`);
  const { head } = manifest;
  if (head.set.id !== setId || head.version !== v) throw untrusted(setId, v, `the manifest is of ${head.set.id} v${head.version}`);
  const bySelf = checkManifestSignature(manifestText, signatureText, head.set.publicKey);
  if (bySelf) throw untrusted(setId, v, bySelf);
  const registeredKey = set.publicKey || null;
  if (registeredKey) {
    const byRegistered = checkManifestSignature(manifestText, signatureText, registeredKey);
    // A key rotated after this version was published leaves older versions signed by the previous key.
    if (byRegistered && v === set.latestVersion) throw untrusted(setId, v, byRegistered);
  }
  await mkdir(dir, { recursive: true });
  if (manifest.whole) {
    const pages = manifest.whole.pages;
    await fetchParts(catalogue, setId, v, dir, [{ ...pages, file: 'pages.xml.gz' }]);
  }
  await Promise.all([writeFile(path.join(dir, 'manifest.json'), manifestText), writeFile(path.join(dir, 'manifest.sig'), signatureText)]);
  return { manifest, manifestText, signatureText, registeredKey };
}

/**
 * Puts metadata files named by a verified manifest into `dir`: each is fetched unless it is
 * already there with the right SHA-256 (a resumed restore), and checked before it is written.
 */
export async function fetchParts(catalogue: CatalogueApi, setId: string, version: number, dir: string, refs: readonly PartRef[]): Promise<{ fetchedBytes: number }> {
  let fetchedBytes = 0;
  for (const ref of refs) {
    if ((await checkPartFile(dir, ref)) === null) continue;
    const bytes = await catalogue.metadataFile(setId, version, ref.file);
    const problem = partProblem(bytes, ref);
    if (problem) throw untrusted(setId, version, problem);
    await writeFileAtomic(path.join(dir, ...ref.file.split('/')), bytes, { mkdir: true });
    fetchedBytes += bytes.length;
  }
  return { fetchedBytes };
}
