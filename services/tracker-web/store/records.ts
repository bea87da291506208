/**
 * The records the catalogue keeps in LMDB. Everything here is plain data (msgpack-encoded);
 * large byte payloads (manifests, pages, torrents) live in the blob table and are fetched on
 * demand, so listing sets or versions never decodes megabytes.
 */
import type { SetPointer } from '../../../shared/formats/pointer.ts';

/** One registered set: its identity, key and what its latest version says about it. */
export interface SetRecord {
  id: string;
  title: string;
  description: string;
  tags: string[];
  /** The ed25519 public key (hex) every version must be signed with. */
  publicKey: string;
  /** Keys used before an operator rotation, newest last, for the audit trail. */
  previousKeys: Array<{ publicKey: string; replacedAt: number }>;
  copyTarget: number;
  /** Highest published version; versions 1..latestVersion all exist. */
  latestVersion: number;
  /** Unix milliseconds of the first publish. */
  registeredAt: number;
  /** Unix milliseconds of the latest publish. */
  updatedAt: number;
}

/** One published, immutable set version (without its large texts; see VersionFiles.manifestText). */
export interface VersionRecord {
  setId: string;
  version: number;
  manifestSha256: string;
  /** Unix milliseconds when the catalogue accepted it. */
  publishedAt: number;
  /** The build time the manifest states (ISO 8601). */
  builtAt: string;
  /** Info hash (hex) of the metadata torrent (manifest, signature, pages). */
  metadataInfoHash: string;
  /** The signed BEP 44 pointer to this version, as pointer.json holds it. */
  pointer: SetPointer;
  /** Volume info hashes in manifest order. */
  volumes: string[];
  totals: { files: number; bytes: number };
  changes: { added: number; removed: number; changed: number; renamed: number; pagesUpdated: number };
  parent: { version: number; manifestSha256: string } | null;
  /** The version's number in per-file index rows (store format 2; absent only in records being migrated). */
  no?: number;
  /** What list pages show of the manifest, read from it once at publish (absent in versions published before). */
  facts?: { regionLabel: string | null; articleUrl: string | null; uploadBase: string | null };
}

/** One volume torrent; the same volume can belong to many versions (and even sets). */
export interface VolumeRecord {
  infoHash: string;
  /** The set that published it first. */
  setId: string;
  /** Every set version listing this volume, in publish order. */
  versions: Array<{ setId: string; version: number }>;
  /** The volume rule's MD5 prefix bits. */
  prefix: string;
  size: number;
  files: number;
  pieceLength: number;
  pieces: number;
  /** The volume's number in per-file index rows (store format 2). */
  no?: number;
}

/** Where a file's bytes (by SHA-1) can be found: one set version's copy of it. */
export interface FileLocation {
  sha1: string;
  setId: string;
  version: number;
  /** "File:Name.jpg" */
  title: string;
  /** Commons layout path inside the volume, "a/ab/Name.jpg". */
  path: string;
  size: number;
  /** Info hash of the volume holding it. */
  volume: string;
  /** Categories the file is directly in (from the manifest), for the category index; not returned by lookups. */
  categories?: string[];
}

/** A file location as the per-file index returns it: with where the file starts in its volume. */
export interface IndexedFile extends Omit<FileLocation, 'categories'> {
  /** Byte offset in the volume; absent when the volume's torrent could not be read at publish. */
  offset?: number;
}

/** A set's copy figures as kept on disk between restarts (histogram as [copies, files] pairs). */
export interface PersistedSetFigures {
  version: number;
  files: number;
  bytes: number;
  min: number;
  median: number;
  histogram: Array<[number, number]>;
  bytesUnderTarget: number;
  filesUnderTarget: number;
  otherMin: number;
  copiesMode: 'any' | 'approved';
  computedAt: number;
  /**
   * Each of the version's volumes' copy count (its least-copied file's) when computed, and the
   * signature of the holders it was computed from (redundancy/figure-basis.ts); absent in figures
   * kept before they existed (then the next warm-up walks the set and keeps both).
   */
  volumeCopies?: Array<[string, number] | [string, number, number]>;
}

/** A token: only its SHA-256 is stored. */
export interface TokenRecord {
  label: string;
  createdAt: number;
  /** What it may do; absent: publish (tokens made before scopes existed could only publish). */
  scope?: 'publish' | 'census';
}

/** One sample of a tracker swarm's live counts. */
export interface SwarmSample {
  infoHash: string;
  /** Unix milliseconds. */
  time: number;
  complete: number;
  incomplete: number;
}

/** What the census saw of one peer for one torrent (written by the census module). */
export interface Observation {
  /** Unix milliseconds the peer was last reachable. */
  lastSeen: number;
  /** The peer's bitfield claimed every piece. */
  complete: boolean;
  havePieces: number;
  /** Unix milliseconds of the last piece audit, null when never audited. */
  auditedAt: number | null;
  /** Whether the audited piece matched its hash, null when never audited. */
  auditOk: boolean | null;
  /** Why the peer failed or was skipped, when it did. */
  reason?: string;
  /** The bitfield the peer claimed (BEP 3, one bit per piece), so partial seeders count per file. */
  bitfield?: Uint8Array;
  /** The operator key (64 hex) the peer proved at its last audit. */
  operatorKey?: string;
}

/** An observation with the peer it is about. */
export interface PeerObservation extends Observation {
  infoHash: string;
  host: string;
  port: number;
}

/**
 * What the kept set list holds of a set's latest version: what lists, figures and the census
 * read. The signed pointer, the change counts and the parent (about half of a version record)
 * are read from the version itself when wanted (`getVersion`): the list is kept for every set.
 */
export type LatestVersionSummary = Pick<VersionRecord, 'setId' | 'version' | 'manifestSha256' | 'publishedAt' | 'builtAt' | 'metadataInfoHash' | 'volumes' | 'totals' | 'no' | 'facts'>;

/** A set with its latest version's summary, as lists show it. */
export interface SetSummary extends SetRecord {
  latest: LatestVersionSummary | null;
}

/** The names of the files a version's metadata torrent carries (its folder `<set>-v<N>/`). */
export const METADATA_FILE_NAMES = ['manifest.json', 'manifest.sig', 'pages.xml.gz'] as const;
export type MetadataFileName = (typeof METADATA_FILE_NAMES)[number];
