/**
 * A set version's metadata as a restore trusts it: the manifest, checked against its
 * signature (by the key it names and, when the catalogue registered one, by the set's key),
 * and the description pages, checked against the manifest's SHA-256 of them.
 */
import { createHash } from 'node:crypto';
import { SeedbankError } from '../../shared/errors.ts';
import { parseManifest, type Manifest } from '../../shared/formats/manifest.ts';
import { checkManifestSignature } from '../../shared/formats/signature.ts';
import type { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { unknownSetsError } from '../../shared/api/known-sets.ts';

/** A verified version. */
export interface VersionMetadata {
  manifest: Manifest;
  manifestText: string;
  signatureText: string;
  /** pages.xml.gz, as published. */
  pagesGz: Buffer;
  /** The key the catalogue registered for the set (what the signature was checked against too). */
  registeredKey: string | null;
}

/** Parses `set` or `set@3` (also `set@v3`). */
export function parseSetRef(ref: string): { setId: string; version: number | null } {
  const m = /^([a-z0-9][a-z0-9-]{0,62})(?:@v?([1-9][0-9]{0,8}))?$/.exec(ref);
  if (!m) throw new SeedbankError('SET_REF_INVALID', `"${ref}" is not a set reference`, { hint: 'write SET or SET@VERSION, e.g. paris or paris@3' });
  return { setId: m[1]!, version: m[2] ? Number(m[2]) : null };
}

/** Fetches and verifies a version's manifest, signature and pages (the latest when `version` is null). */
export async function fetchVersionMetadata(catalogue: CatalogueApi, setId: string, version: number | null): Promise<VersionMetadata> {
  const found = await catalogue.findSet(setId);
  if (!found) throw unknownSetsError(catalogue.baseUrl, [setId], (await catalogue.sets()).map((s) => s.id));
  const { set } = found;
  const v = version ?? set.latestVersion;
  if (v < 1) throw new SeedbankError('VERSION_NOT_FOUND', `set ${setId} has no published version yet`);
  const [manifestBytes, signatureBytes, pagesGz] = await Promise.all([
    catalogue.metadataFile(setId, v, 'manifest.json'),
    catalogue.metadataFile(setId, v, 'manifest.sig'),
    catalogue.metadataFile(setId, v, 'pages.xml.gz'),
  ]);
  const manifestText = manifestBytes.toString('utf8');
  const signatureText = signatureBytes.toString('utf8');
  const manifest = parseManifest(manifestText, `manifest of ${setId} v${v}`);
  const refuse = (why: string) => new SeedbankError('MANIFEST_UNTRUSTED', `${setId} v${v}: ${why}`, { hint: 'the catalogue or the path to it served altered metadata; do not restore from it' });
  if (manifest.set.id !== setId || manifest.version !== v) throw refuse(`the manifest is of ${manifest.set.id} v${manifest.version}`);
  const bySelf = checkManifestSignature(manifestText, signatureText, manifest.set.publicKey);
  if (bySelf) throw refuse(bySelf);
  const registeredKey = set.publicKey || null;
  if (registeredKey) {
    const byRegistered = checkManifestSignature(manifestText, signatureText, registeredKey);
    // A key rotated after this version was published leaves older versions signed by the previous key.
    if (byRegistered && v === set.latestVersion) throw refuse(byRegistered);
  }
  const pagesSha256 = createHash('sha256').update(pagesGz).digest('hex');
  if (pagesSha256 !== manifest.pages.sha256) throw refuse(`pages.xml.gz has SHA-256 ${pagesSha256}, the manifest says ${manifest.pages.sha256}`);
  return { manifest, manifestText, signatureText, pagesGz, registeredKey };
}
