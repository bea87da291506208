/**
 * Opens the catalogue's one LMDB environment (`DIR/catalogue.lmdb`) and its named tables.
 * Several processes may open it at once (the server and `seedbank catalogue token create`):
 * LMDB is multi-process safe, and each write below is its own transaction.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import type { FileLocation, Observation, PersistedSetFigures, SetRecord, TokenRecord, VersionRecord, VolumeRecord } from './records.ts';
import type { FactStringsTable, SetFactsTable, SetRowsTable } from './set-files.ts';
import type { SetPositionsTable } from './set-positions.ts';
import type { TitleIdsTable, TitleNamesTable } from './title-ids.ts';
import type { VersionPageFacts } from './version-page.ts';

/** The environment folder inside the catalogue's data folder. */
export const LMDB_FOLDER = 'catalogue.lmdb';
/** Named tables; more than we use so later modules can add theirs (LMDB keeps no such limit on disk). */
const MAX_TABLES = 48;
/** Sorts after any string or number in ordered-binary keys, so [p, MAXIMUM] closes a prefix range. */
const MAXIMUM_KEY_PART = new Uint8Array([0xff]);

/** Every table of the catalogue, typed. */
export interface CatalogueTables {
  env: RootDatabase;
  /** setId → SetRecord */
  sets: Database<SetRecord, string>;
  /** [setId, version] → VersionRecord */
  versions: Database<VersionRecord, [string, number]>;
  /** infoHash → VolumeRecord */
  volumes: Database<VolumeRecord, string>;
  /** metadata torrent infoHash → its set version */
  metadataTorrents: Database<{ setId: string; version: number }, string>;
  /** Store format 1's per-file index ([sha1, setId, version, title] → where the bytes sit): read only to migrate. */
  legacyFilesBySha1: Database<Pick<FileLocation, 'path' | 'size' | 'volume'>, [string, string, number, string]>;
  /** Store format 1's [title, sha1] → 1: read only to migrate. */
  legacyTitles: Database<number, [string, string]>;
  /** Per-file index, raw bytes (see file-index.ts): sha1 · version no · title → volume no, size, offset. */
  fileIndex: Database<Buffer, Buffer>;
  /** title · sha1 → (empty): every content a title has had. */
  titleIndex: Database<Buffer, Buffer>;
  /** category no · sha1 · version no → (empty): the files directly in a category. */
  categoryIndex: Database<Buffer, Buffer>;
  /** category name (without "Category:") → its number in categoryIndex keys. */
  categories: Database<number, string>;
  /** version no → [setId, version]: the numbers file rows use for set versions. */
  versionNumbers: Database<[string, number], number>;
  /** volume no → info hash: the numbers file rows use for volumes. */
  volumeNumbers: Database<string, number>;
  /** Store-wide facts: the store format, counters. */
  storeInfo: Database<number, string>;
  /** setId → the set's last computed copy figures (see redundancy/set-figures.ts), so a restart shows them at once. */
  setFigures: Database<PersistedSetFigures, string>;
  /** [kind, ...id] → raw bytes (manifests, signatures, pages, torrents) */
  blobs: Database<Buffer, Key[]>;
  /** sha256(token) hex → TokenRecord */
  tokens: Database<TokenRecord, string>;
  /** [infoHash, unix ms] → [complete, incomplete] */
  swarmHistory: Database<[number, number], [string, number]>;
  /** [infoHash, host, port] → Observation (the census writes these) */
  observations: Database<Observation, [string, string, number]>;
  /** [setId, unix ms] → distinct hosts seeding any volume of the set's latest version (the set page's plot) */
  setSeeders: Database<number, [string, number]>;
  /** [setId, unix ms] → [min copies, median copies, files under target, bytes under target] after a census round */
  copyHistory: Database<[number, number, number, number], [string, number]>;
  /** Store format 2's [setId, version, title] → file row: read only to migrate. */
  legacySetFiles: Database<unknown[], [string, number, string]>;
  /** Store format 2's [setId, version, position] → title: read only to migrate. */
  legacySetOrder: Database<string, [string, number, number]>;
  /** versionNo · position in title order → one file of the version, binary (see set-files.ts) */
  setRows: SetRowsTable;
  /** versionNo · title id → the title's position in the version's list (see set-positions.ts) */
  setPositions: SetPositionsTable;
  /** The media types, licences and authors set rows refer to by number (see set-files.ts) */
  factStrings: FactStringsTable;
  /** title id → title (see title-ids.ts) */
  titleNames: TitleNamesTable;
  /** hash of a title · its id → empty (see title-ids.ts) */
  titleIds: TitleIdsTable;
  /** [setId, version] → the version's file count and licence figures */
  setFacts: SetFactsTable;
  /** [setId, version] → what the set page shows of the version's manifest (see version-page.ts) */
  versionPages: Database<VersionPageFacts, [string, number]>;
  /** folded word, 0, title id → empty: the word-prefix search index (search/title-index.ts owns its key format) */
  titleWords: Database<Buffer, Buffer>;
}

/** How the environment maps the file (for benches that compare; the catalogue uses the defaults). */
export interface LmdbOptions {
  /** Map the file in 64 KiB chunks, unmapped when unused (default true): see openCatalogueTables. */
  remapChunks?: boolean;
}

/** Opens (creating when missing) the catalogue tables under `dataDir/catalogue.lmdb`. */
export function openCatalogueTables(dataDir: string, o: LmdbOptions = {}): CatalogueTables {
  const dir = path.join(path.resolve(dataDir), LMDB_FOLDER);
  mkdirSync(dir, { recursive: true });
  // lmdb-js takes a path with an extension for a file name unless told otherwise.
  // No read-ahead: reads are B-tree page hops all over a file many times the size of a page, and
  // read-ahead filled the map (and RSS) with neighbouring pages no request asked for.
  // (lmdb-js reads `noReadAhead`, MDB_NORDAHEAD, but its types do not list it.)
  // Chunked maps (MDB_REMAP_CHUNKS): LMDB maps the file 64 KiB at a time (a large value's pages
  // together) and unmaps unused chunks once about 8,000–16,000 are mapped, so the pages a
  // long-running catalogue has read (every volume torrent over a few census rounds, the per-file
  // index under lookups) stop counting in its RSS: reading every key of a 1.3 GB store peaked at
  // 1.0 GiB mapped and fell back to 0.25 GiB, against 1.24 GiB kept with one whole-file map; the
  // same CPU. A chunk per large value (a 0.5 MB manifest) is not bounded in bytes, only in count.
  //
  // The cost (measured at 10M files, bench/catalogue/lookup-probe.ts): LMDB unmaps those chunks
  // all at once, about 7,000-8,000 munmap calls in one read, 1.3-1.6 s of CPU on this 2-core VM:
  // the one long stall per bench section at 10M. The thresholds are compiled into lmdb-js
  // (MDB_ERPAGE_SIZE); fewer chunks touched per request make the stall rarer, not shorter. And a
  // read transaction may hold at most 4,095 chunks: one synchronous turn that reads more than
  // that (256 MiB of distinct pages) fails with MDB_TXN_FULL.
  const env = open({ path: dir, maxDbs: MAX_TABLES, noSubdir: false, remapChunks: o.remapChunks ?? true, ...({ noReadAhead: true } as object) });
  return {
    env,
    sets: env.openDB({ name: 'sets' }),
    versions: env.openDB({ name: 'versions' }),
    volumes: env.openDB({ name: 'volumes' }),
    metadataTorrents: env.openDB({ name: 'metadata-torrents' }),
    legacyFilesBySha1: env.openDB({ name: 'files-by-sha1' }),
    legacyTitles: env.openDB({ name: 'titles' }),
    fileIndex: env.openDB({ name: 'file-index', keyEncoding: 'binary', encoding: 'binary' }),
    titleIndex: env.openDB({ name: 'title-index', keyEncoding: 'binary', encoding: 'binary' }),
    categoryIndex: env.openDB({ name: 'category-index', keyEncoding: 'binary', encoding: 'binary' }),
    categories: env.openDB({ name: 'categories' }),
    versionNumbers: env.openDB({ name: 'version-numbers', keyEncoding: 'uint32' }),
    volumeNumbers: env.openDB({ name: 'volume-numbers', keyEncoding: 'uint32' }),
    storeInfo: env.openDB({ name: 'store-info' }),
    setFigures: env.openDB({ name: 'set-figures' }),
    blobs: env.openDB({ name: 'blobs', encoding: 'binary' }),
    tokens: env.openDB({ name: 'tokens' }),
    swarmHistory: env.openDB({ name: 'swarm-history' }),
    observations: env.openDB({ name: 'observations' }),
    copyHistory: env.openDB({ name: 'copy-history' }),
    legacySetFiles: env.openDB({ name: 'set-files' }),
    legacySetOrder: env.openDB({ name: 'set-order' }),
    setRows: env.openDB({ name: 'set-rows', keyEncoding: 'binary', encoding: 'binary' }),
    setPositions: env.openDB({ name: 'set-positions', keyEncoding: 'binary', encoding: 'binary' }),
    factStrings: env.openDB({ name: 'set-fact-strings' }),
    titleNames: env.openDB({ name: 'title-names', keyEncoding: 'uint32', encoding: 'binary' }),
    titleIds: env.openDB({ name: 'title-ids', keyEncoding: 'binary', encoding: 'binary' }),
    setFacts: env.openDB({ name: 'set-facts' }),
    setSeeders: env.openDB({ name: 'set-seeders-history' }),
    titleWords: env.openDB({ name: 'title-words', keyEncoding: 'binary', encoding: 'binary' }),
    versionPages: env.openDB({ name: 'version-pages' }),
  };
}

/**
 * True when a table holds no entry. Reads the table's header (its entry count), not its pages:
 * lmdb-js's getKeysCount ignores `limit` and walks every key, which at open read the whole
 * per-file index (170 MiB of mapped pages at 1M files, 1.7 GB at 10M) to learn it was not empty.
 */
export function isEmptyTable(db: { getStats(): unknown }): boolean {
  return (db.getStats() as { entryCount: number }).entryCount === 0;
}

/** Range options selecting every key that starts with the given parts. */
export function prefixRange(prefix: Key[]): { start: Key[]; end: Key[] } {
  return { start: prefix, end: [...prefix, MAXIMUM_KEY_PART] };
}

/** Bytes each table takes on disk (LMDB pages), for the bench's bytes-per-file figures. */
export function tableBytes(t: CatalogueTables): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, db] of Object.entries(t)) {
    if (name === 'env') continue;
    const st = (db as { getStats(): Record<string, number> }).getStats();
    out[name] = ((st.treeBranchPageCount ?? 0) + (st.treeLeafPageCount ?? 0) + (st.overflowPages ?? 0)) * (st.pageSize ?? 4096);
  }
  return out;
}
