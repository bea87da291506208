/**
 * Everything the catalogue checks before it accepts a set version, in an order that gives each
 * problem its own status: a readable canonical manifest (400); the very version already
 * published (200, nothing to do); the set's registered key (403); another version under the
 * same number (409); the signatures and the other files against the manifest (400, hostile
 * torrent paths included); then its place in the version sequence (409).
 */
import { sha256Hex } from '../../../shared/canonical-json.ts';
import { SeedbankError, type ErrorCode } from '../../../shared/errors.ts';
import { manifestSha256, parseManifest, serializeManifest, type Manifest } from '../../../shared/formats/manifest.ts';
import { pointerSchema, verifyPointer, type SetPointer } from '../../../shared/formats/pointer.ts';
import { checkManifestSignature, manifestSignatureSchema } from '../../../shared/formats/signature.ts';
import type { CatalogueStore, NewVersion, VersionRecord } from '../store/catalogue-store.ts';
import { checkMetadataTorrent, checkVolumeTorrents } from './check-torrents.ts';

/** The files of one version upload, read from staging. */
export interface VersionUpload {
  manifestText: string;
  signatureText: string;
  pagesGz: Uint8Array;
  metadataTorrent: Uint8Array;
  pointerText: string;
  /** info hash → torrent bytes */
  volumeTorrents: Map<string, Uint8Array>;
}

/** What the catalogue should do with an upload that passed the checks. */
export type CheckedVersion = { kind: 'new'; version: NewVersion } | { kind: 'unchanged'; record: VersionRecord };

function bad(code: ErrorCode, message: string, hint?: string): SeedbankError {
  return new SeedbankError(code, message, { hint });
}

function parsePointer(text: string): SetPointer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('POINTER_INVALID', 'pointer.json is not JSON');
  }
  const r = pointerSchema.safeParse(value);
  if (!r.success) throw bad('POINTER_INVALID', `pointer.json is not a seedbank-pointer/1: ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** The manifest must be the canonical bytes the signature and children's parent hash refer to. */
function checkManifest(setId: string, version: number, text: string): Manifest {
  const manifest = parseManifest(text, 'manifest.json');
  if (serializeManifest(manifest) !== text) {
    throw bad('MANIFEST_NOT_CANONICAL', 'manifest.json is not in canonical form (sorted keys, no spaces, final newline)', 'upload the file the builder wrote, byte for byte');
  }
  if (manifest.set.id !== setId || manifest.version !== version) {
    throw bad('MANIFEST_MISMATCH', `manifest.json is ${manifest.set.id} v${manifest.version}, uploaded as ${setId} v${version}`);
  }
  return manifest;
}

/** Checks the other files of the upload against the manifest; returns what the store needs. */
function checkConsistency(manifest: Manifest, u: VersionUpload) {
  const setId = manifest.set.id;
  const version = manifest.version;
  if (sha256Hex(u.pagesGz) !== manifest.pages.sha256 || u.pagesGz.length !== manifest.pages.size) {
    throw bad('PAGES_MISMATCH', 'pages.xml.gz is not the file the manifest describes (SHA-256 or size differ)');
  }
  const volumes = checkVolumeTorrents(manifest, u.volumeTorrents);
  const metadataInfoHash = checkMetadataTorrent(setId, version, u.metadataTorrent, {
    'manifest.json': Buffer.from(u.manifestText, 'utf8'),
    'manifest.sig': Buffer.from(u.signatureText, 'utf8'),
    'pages.xml.gz': u.pagesGz,
  });
  const pointer = parsePointer(u.pointerText);
  if (pointer.salt !== setId || pointer.seq !== version || pointer.ih !== metadataInfoHash) {
    throw bad('POINTER_MISMATCH', `pointer.json points at ${pointer.salt} v${pointer.seq} → ${pointer.ih}, expected ${setId} v${version} → ${metadataInfoHash} (the metadata torrent)`);
  }
  if (pointer.k !== manifest.set.publicKey || !verifyPointer(pointer)) {
    throw bad('POINTER_INVALID', "pointer.json is not signed by the set's key", 'the pointer was altered after the build');
  }
  return { volumes, metadataInfoHash, pointer };
}

/** The set's registered key (the first publish registers it): another key is refused with 403. */
function checkKey(store: CatalogueStore, manifest: Manifest): void {
  const setId = manifest.set.id;
  const registered = store.getSet(setId)?.publicKey;
  if (registered !== undefined && manifest.set.publicKey !== registered) {
    throw new SeedbankError('KEY_MISMATCH', `${setId} is registered here with key ${registered.slice(0, 16)}…, but this version is signed by ${manifest.set.publicKey.slice(0, 16)}…`, {
      hint: `if the set's key really changed, the catalogue operator runs \`seedbank catalogue rotate-key --data DIR ${setId} ${manifest.set.publicKey}\``,
    });
  }
}

/** The detached signature must hold for the exact manifest bytes under the manifest's key. */
function checkSignature(manifest: Manifest, u: VersionUpload, sha256: string): void {
  const reason = checkManifestSignature(u.manifestText, u.signatureText, manifest.set.publicKey);
  if (reason) throw bad('SIGNATURE_INVALID', `manifest.sig does not hold: ${reason}`, 'the manifest or its signature was altered after the build');
  const sig = manifestSignatureSchema.parse(JSON.parse(u.signatureText));
  if (sig.manifestSha256 !== sha256) throw bad('SIGNATURE_INVALID', `manifest.sig names manifest SHA-256 ${sig.manifestSha256}, the manifest's is ${sha256}`);
}

/** The version must be the set's next one, and its parent the catalogue's latest. */
function checkSequence(store: CatalogueStore, manifest: Manifest): void {
  const setId = manifest.set.id;
  const latest = store.latestVersion(setId);
  const version = manifest.version;
  if (version > latest + 1) {
    const missing = latest + 1 === version - 1 ? `v${latest + 1} is` : `v${latest + 1}–v${version - 1} are`;
    throw new SeedbankError('VERSION_OUT_OF_ORDER', `${setId} v${version} cannot be published yet: ${missing} missing here (the catalogue has ${latest === 0 ? 'no version' : `up to v${latest}`})`, {
      hint: `publish ${setId} v${latest + 1} first, or publish the set folder (DATA/sets/${setId}) to send every missing version in order`,
    });
  }
  if (version === 1) {
    if (manifest.parent !== null) throw new SeedbankError('PARENT_MISMATCH', `${setId} v1 names a parent (v${manifest.parent.version})`);
    return;
  }
  const parent = store.getVersion(setId, latest)!;
  if (!manifest.parent || manifest.parent.version !== latest || manifest.parent.manifestSha256 !== parent.manifestSha256) {
    throw new SeedbankError('PARENT_MISMATCH', `${setId} v${version} does not descend from the v${latest} published here (manifest SHA-256 ${parent.manifestSha256.slice(0, 16)}…)`, {
      hint: 'the set was rebuilt from another history; publish from the data folder that built the published versions',
    });
  }
}

/** Runs every check on an upload of `setId` v`version` against the store. */
export function checkVersion(store: CatalogueStore, setId: string, version: number, u: VersionUpload): CheckedVersion {
  const manifest = checkManifest(setId, version, u.manifestText);
  const sha256 = manifestSha256(manifest);
  const existing = store.getVersion(setId, version);
  if (existing?.manifestSha256 === sha256) return { kind: 'unchanged', record: existing };
  checkKey(store, manifest);
  if (existing) {
    throw new SeedbankError('VERSION_EXISTS', `${setId} v${version} is already published here with other content; a published version never changes`, {
      hint: `build a new version (v${store.latestVersion(setId) + 1}) instead`,
    });
  }
  checkSignature(manifest, u, sha256);
  const { volumes, metadataInfoHash, pointer } = checkConsistency(manifest, u);
  checkSequence(store, manifest);
  const c = manifest.changes;
  return {
    kind: 'new',
    version: {
      set: { id: setId, title: manifest.set.title, description: manifest.set.description, tags: manifest.set.tags, publicKey: manifest.set.publicKey, copyTarget: manifest.set.copyTarget },
      record: {
        setId,
        version,
        manifestSha256: sha256,
        publishedAt: 0,
        builtAt: manifest.snapshot.builtAt,
        metadataInfoHash,
        pointer,
        volumes: manifest.volumes.map((v) => v.infoHash),
        totals: manifest.totals,
        changes: { added: c.added.length, removed: c.removed.length, changed: c.changed.length, renamed: c.renamed.length, pagesUpdated: c.pagesUpdated.length },
        parent: manifest.parent,
      },
      manifestText: u.manifestText,
      signatureText: u.signatureText,
      pagesGz: u.pagesGz,
      metadataTorrent: u.metadataTorrent,
      volumes: manifest.volumes.map((v, i) => ({
        infoHash: v.infoHash,
        prefix: v.prefix,
        size: v.size,
        files: v.files,
        pieceLength: v.pieceLength,
        pieces: v.pieces,
        torrent: u.volumeTorrents.get(volumes[i]!.infoHash)!,
      })),
      files: manifest.files.map((f) => ({
        sha1: f.sha1, setId, version, title: f.title, path: f.path, size: f.size, volume: f.volume, categories: f.categories,
        mime: f.mime, license: f.license, author: f.author, uploaded: f.uploadTimestamp,
      })),
    },
  };
}
