/**
 * Opens the catalogue's one LMDB environment (`DIR/catalogue.lmdb`) and its named tables.
 * Several processes may open it at once (the server and `seedbank catalogue token create`):
 * LMDB is multi-process safe, and each write below is its own transaction.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import type { FileLocation, Observation, PersistedSetFigures, SetRecord, TokenRecord, VersionRecord, VolumeRecord } from './records.ts';
import type { SetFactsTable, SetFilesTable, SetOrderTable } from './set-files.ts';

/** The environment folder inside the catalogue's data folder. */
export const LMDB_FOLDER = 'catalogue.lmdb';
/** Named tables; more than we use so later modules can add theirs without a migration. */
const MAX_TABLES = 32;
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
  /** [setId, version, title] → the file's location and facts (see set-files.ts) */
  setFiles: SetFilesTable;
  /** [setId, version, position in title order] → title */
  setOrder: SetOrderTable;
  /** [setId, version] → the version's file count and licence figures */
  setFacts: SetFactsTable;
  /** folded word, 0, title → empty: the word-prefix search index (search/title-index.ts owns its key format) */
  titleWords: Database<Buffer, Buffer>;
}

/** Opens (creating when missing) the catalogue tables under `dataDir/catalogue.lmdb`. */
export function openCatalogueTables(dataDir: string): CatalogueTables {
  const dir = path.join(path.resolve(dataDir), LMDB_FOLDER);
  mkdirSync(dir, { recursive: true });
  // lmdb-js takes a path with an extension for a file name unless told otherwise.
  const env = open({ path: dir, maxDbs: MAX_TABLES, noSubdir: false });
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
    setFiles: env.openDB({ name: 'set-files' }),
    setOrder: env.openDB({ name: 'set-order' }),
    setFacts: env.openDB({ name: 'set-facts' }),
    setSeeders: env.openDB({ name: 'set-seeders-history' }),
    titleWords: env.openDB({ name: 'title-words', keyEncoding: 'binary', encoding: 'binary' }),
  };
}

/** Range options selecting every key that starts with the given parts. */
export function prefixRange(prefix: Key[]): { start: Key[]; end: Key[] } {
  return { start: prefix, end: [...prefix, MAXIMUM_KEY_PART] };
}
