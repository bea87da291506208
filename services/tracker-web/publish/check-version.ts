/**
 * Everything the catalogue checks before it accepts a set version, in an order that gives each
 * problem its own status: a readable canonical manifest (400); the very version already
 * published (200, nothing to do); the set's registered key (403); another version under the
 * same number (409); the signatures and the other files against the manifest (400, hostile
 * torrent paths included); then its place in the version sequence (409). A split (/3)
 * version's parts are checked as they lie in staging, streamed (check-split.ts).
 */
import { sha256Hex } from '../../../shared/canonical-json.ts';
import { SeedbankError, type ErrorCode } from '../../../shared/errors.ts';
import { declaredFormat, manifestSha256, parseManifest, serializeManifest, type Manifest } from '../../../shared/formats/manifest.ts';
import { pointerSchema, verifyPointer, type SetPointer } from '../../../shared/formats/pointer.ts';
import { checkManifestSignature, manifestSignatureSchema } from '../../../shared/formats/signature.ts';
import { listFileName, parseSplitManifest, serializeSplitManifest, SPLIT_MANIFEST_FORMAT, type SplitManifest } from '../../../shared/formats/split-manifest.ts';
import type { ParsedVolumeTorrent } from '../../../shared/torrent/index.ts';
import { publishedFileOf, type CatalogueStore, type NewSplitVersion, type NewVersion, type VersionRecord } from '../store/catalogue-store.ts';
import { listRecordsSync } from '../store/version-parts.ts';
import { checkSplitUpload } from './check-split.ts';
import { checkMetadataTorrent, checkVolumeTorrents } from './check-torrents.ts';

/** The files of one version upload, read from staging. */
export interface VersionUpload {
  manifestText: string;
  signatureText: string;
  /** pages.xml.gz, null when not uploaded (a split version has none). */
  pagesGz: Uint8Array | null;
  /** The staging folder, where a split version's parts are (streamed, never read whole). */
  dir: string;
  metadataTorrent: Uint8Array;
  pointerText: string;
  /** info hash → torrent bytes */
  volumeTorrents: Map<string, Uint8Array>;
}

/**
 * What the catalogue should do with an upload that passed the checks: store a whole version;
 * store a split one after moving its parts (`parts`, relative names in staging) into
 * `store.parts`; or nothing, the very version being there already.
 */
export type CheckedVersion =
  | { kind: 'new'; version: NewVersion }
  | { kind: 'new-split'; version: NewSplitVersion; parts: string[] }
  | { kind: 'unchanged'; record: VersionRecord };

/** The parts of a manifest every format has, which the common checks read. */
type Head = Pick<Manifest, 'set' | 'version' | 'parent'>;

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
function checkManifest(setId: string, version: number, text: string): { whole: Manifest; split: null } | { whole: null; split: SplitManifest } {
  const split = declaredFormat(text) === SPLIT_MANIFEST_FORMAT;
  const parsed = split ? { whole: null, split: parseSplitManifest(text, 'manifest.json') } : { whole: parseManifest(text, 'manifest.json'), split: null };
  const manifest: Head = parsed.whole ?? parsed.split;
  if ((parsed.whole ? serializeManifest(parsed.whole) : serializeSplitManifest(parsed.split)) !== text) {
    throw bad('MANIFEST_NOT_CANONICAL', 'manifest.json is not in canonical form (sorted keys, no spaces, final newline)', 'upload the file the builder wrote, byte for byte');
  }
  if (manifest.set.id !== setId || manifest.version !== version) {
    throw bad('MANIFEST_MISMATCH', `manifest.json is ${manifest.set.id} v${manifest.version}, uploaded as ${setId} v${version}`);
  }
  return parsed;
}

/** pointer.json must be the set key's signed pointer to this version's metadata torrent. */
function checkPointer(manifest: Head, text: string, metadataInfoHash: string): SetPointer {
  const setId = manifest.set.id;
  const version = manifest.version;
  const pointer = parsePointer(text);
  if (pointer.salt !== setId || pointer.seq !== version || pointer.ih !== metadataInfoHash) {
    throw bad('POINTER_MISMATCH', `pointer.json points at ${pointer.salt} v${pointer.seq} → ${pointer.ih}, expected ${setId} v${version} → ${metadataInfoHash} (the metadata torrent)`);
  }
  if (pointer.k !== manifest.set.publicKey || !verifyPointer(pointer)) {
    throw bad('POINTER_INVALID', "pointer.json is not signed by the set's key", 'the pointer was altered after the build');
  }
  return pointer;
}

/** Checks the other files of the upload against the manifest; returns what the store needs. */
function checkConsistency(manifest: Manifest, u: VersionUpload) {
  const setId = manifest.set.id;
  const version = manifest.version;
  if (!u.pagesGz) throw bad('PUBLISH_INCOMPLETE', `${setId} v${version} cannot be committed: pages.xml.gz not uploaded`);
  if (sha256Hex(u.pagesGz) !== manifest.pages.sha256 || u.pagesGz.length !== manifest.pages.size) {
    throw bad('PAGES_MISMATCH', 'pages.xml.gz is not the file the manifest describes (SHA-256 or size differ)');
  }
  const volumes = checkVolumeTorrents(manifest, u.volumeTorrents);
  const metadataInfoHash = checkMetadataTorrent(setId, version, u.metadataTorrent, {
    'manifest.json': Buffer.from(u.manifestText, 'utf8'),
    'manifest.sig': Buffer.from(u.signatureText, 'utf8'),
    'pages.xml.gz': u.pagesGz,
  });
  return { volumes, metadataInfoHash, pointer: checkPointer(manifest, u.pointerText, metadataInfoHash) };
}

/** The set's registered key (the first publish registers it): another key is refused with 403. */
function checkKey(store: CatalogueStore, manifest: Head): void {
  const setId = manifest.set.id;
  const registered = store.getSet(setId)?.publicKey;
  if (registered !== undefined && manifest.set.publicKey !== registered) {
    throw new SeedbankError('KEY_MISMATCH', `${setId} is registered here with key ${registered.slice(0, 16)}…, but this version is signed by ${manifest.set.publicKey.slice(0, 16)}…`, {
      hint: `if the set's key really changed, the catalogue operator runs \`seedbank catalogue rotate-key --data DIR ${setId} ${manifest.set.publicKey}\``,
    });
  }
}

/** The detached signature must hold for the exact manifest bytes under the manifest's key. */
function checkSignature(manifest: Head, u: VersionUpload, sha256: string): void {
  const reason = checkManifestSignature(u.manifestText, u.signatureText, manifest.set.publicKey);
  if (reason) throw bad('SIGNATURE_INVALID', `manifest.sig does not hold: ${reason}`, 'the manifest or its signature was altered after the build');
  const sig = manifestSignatureSchema.parse(JSON.parse(u.signatureText));
  if (sig.manifestSha256 !== sha256) throw bad('SIGNATURE_INVALID', `manifest.sig names manifest SHA-256 ${sig.manifestSha256}, the manifest's is ${sha256}`);
}

/** The version must be the set's next one, and its parent the catalogue's latest. */
function checkSequence(store: CatalogueStore, manifest: Head): void {
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
export async function checkVersion(store: CatalogueStore, setId: string, version: number, u: VersionUpload): Promise<CheckedVersion> {
  const parsed = checkManifest(setId, version, u.manifestText);
  const manifest: Head = parsed.whole ?? parsed.split;
  // Canonical, so the SHA-256 of the bytes is the manifest's.
  const sha256 = sha256Hex(u.manifestText);
  const existing = store.getVersion(setId, version);
  if (existing?.manifestSha256 === sha256) return { kind: 'unchanged', record: existing };
  checkKey(store, manifest);
  if (existing) {
    throw new SeedbankError('VERSION_EXISTS', `${setId} v${version} is already published here with other content; a published version never changes`, {
      hint: `build a new version (v${store.latestVersion(setId) + 1}) instead`,
    });
  }
  checkSignature(manifest, u, sha256);
  if (parsed.split) {
    const m = parsed.split;
    const checked = await checkSplitUpload(m, u);
    const pointer = checkPointer(m, u.pointerText, checked.metadataInfoHash);
    checkSequence(store, m);
    const lists = {
      // Read from the parts folder the publish path moves the checked parts into.
      files: (ih: string) => mapIterable(listRecordsSync(store.parts.file(sha256, listFileName(ih)), ih), (f) => publishedFileOf(setId, version, f)),
    };
    const c = m.changes;
    return {
      kind: 'new-split',
      parts: [c.list.file, ...m.volumes.flatMap((v) => [v.list.file, v.pages.file])],
      version: {
        ...common(m, u, checked.volumes),
        record: record(m, sha256, checked.metadataInfoHash, pointer, { added: c.added, removed: c.removed, changed: c.changed, renamed: c.renamed, pagesUpdated: c.pagesUpdated }),
        lists,
        changesExcerpt: checked.changesExcerpt,
      },
    };
  }
  const whole = parsed.whole;
  const { volumes, metadataInfoHash, pointer } = checkConsistency(whole, u);
  checkSequence(store, whole);
  const c = whole.changes;
  return {
    kind: 'new',
    version: {
      ...common(whole, u, volumes),
      record: record(whole, sha256, metadataInfoHash, pointer, { added: c.added.length, removed: c.removed.length, changed: c.changed.length, renamed: c.renamed.length, pagesUpdated: c.pagesUpdated.length }),
      pagesGz: u.pagesGz!,
      files: whole.files.map((f) => publishedFileOf(setId, version, f)),
    },
  };
}

/** Maps a (lazy) iterable. */
function* mapIterable<A, B>(items: Iterable<A>, f: (a: A) => B): Generator<B> {
  for (const a of items) yield f(a);
}

/** The store's record of a checked version. */
function record(m: Manifest | SplitManifest, sha256: string, metadataInfoHash: string, pointer: SetPointer, changes: VersionRecord['changes']): VersionRecord {
  return {
    setId: m.set.id,
    version: m.version,
    manifestSha256: sha256,
    publishedAt: 0,
    builtAt: m.snapshot.builtAt,
    metadataInfoHash,
    pointer,
    volumes: m.volumes.map((v) => v.infoHash),
    totals: m.totals,
    changes,
    parent: m.parent,
  };
}

/** What every format's new version holds besides its record and files. */
function common(m: Manifest | SplitManifest, u: VersionUpload, volumes: ParsedVolumeTorrent[]) {
  return {
    set: { id: m.set.id, title: m.set.title, description: m.set.description, tags: m.set.tags, publicKey: m.set.publicKey, copyTarget: m.set.copyTarget },
    manifestText: u.manifestText,
    signatureText: u.signatureText,
    metadataTorrent: u.metadataTorrent,
    volumes: m.volumes.map((v, i) => ({
      infoHash: v.infoHash,
      prefix: v.prefix,
      size: v.size,
      files: v.files,
      pieceLength: v.pieceLength,
      pieces: v.pieces,
      torrent: u.volumeTorrents.get(volumes[i]!.infoHash)!,
    })),
  };
}
