/**
 * The catalogue's store: published sets and versions, their volumes and files, the bytes the
 * metadata web seed serves, publishing tokens, tracker swarm history and census observations,
 * all in one LMDB environment so a restart loses nothing. Pages, APIs and the census build on
 * the read methods here; only the publish path calls `putVersion`.
 */
import path from 'node:path';
import type { Manifest, ManifestFile } from '../../../shared/formats/manifest.ts';
import type { VersionManifest } from '../../../shared/formats/version-manifest.ts';
import { TitleIndex, type RebuildOptions, type TitleSearchOptions, type TitleSearchPage } from '../search/title-index.ts';
import { isEmptyTable, openCatalogueTables, prefixRange, tableBytes, type CatalogueTables, type LmdbOptions } from './open-lmdb.ts';
import { SetFileIndex } from './set-files.ts';
import { TitleIds } from './title-ids.ts';
import { FileLookup } from './file-lookup.ts';
import { RecordCache } from './record-cache.ts';
import { ensureStoreFormat } from './store-format.ts';
import { fillPendingPositions, positionFillPending, type PositionFillOptions } from './position-fill.ts';
import { latestSummary, prefetchSetList, trackedSlice, volumeSizes, type TrackedCursor } from './start-reads.ts';
import { VersionFiles } from './version-files.ts';
import { readSetPage, type SetPage } from './set-page.ts';
import { StoreHistory } from './history.ts';
import { StoreObservations, StoreTokens } from './access-records.ts';
import { VersionParts } from './version-parts.ts';
import { VersionManifests } from './version-manifests.ts';
import type { BulkIndex } from './bulk-index.ts';
import type { NewSplitVersion, NewVersion } from './new-version.ts';
import { rotateKey, writeVersionSync } from './write-version.ts';
import type {
  IndexedFile,
  PersistedSetFigures,
  SetRecord,
  SetSummary,
  VersionRecord,
  VolumeRecord,
} from './records.ts';

export * from './records.ts';
export type { TrackedCursor } from './start-reads.ts';
export type { SetPage } from './set-page.ts';
export type { HistoryQuery } from './history.ts';
export { CHANGES_EXCERPT_TITLES, publishedFileOf, type NewSplitVersion, type NewVersion, type VolumeFileLists } from './new-version.ts';

/** The catalogue's one store: every read the pages, APIs and census make, and the publish write. */
export class CatalogueStore {
  private readonly t: CatalogueTables;
  /** Parsed manifests, a few kept (version-manifests.ts). */
  private readonly manifests: VersionManifests;
  private readonly trackedListeners = new Set<(infoHashes: string[]) => void>();
  /** The word-prefix title search (search/title-index.ts); `t.titleIndex` is the exact-title table. */
  private readonly wordIndex: TitleIndex;
  /** A number per title, for the search keys and the set file lists (title-ids.ts). */
  private readonly titleIds: TitleIds;

  /** Each version's files by title: paged and searched by the set page, read by the file page. */
  readonly setFiles: SetFileIndex;
  /** Copy, swarm and set-seeder samples over time (history.ts). */
  readonly history: StoreHistory;
  /** Publishing and census tokens (access-records.ts). */
  readonly tokens: StoreTokens;
  /** The census's last observation of each (torrent, peer) (access-records.ts). */
  readonly observations: StoreObservations;
  /** Decoded set and volume records of the current sets generation (record-cache.ts). */
  private readonly records: RecordCache;
  /** "setId\0version" → the version's number: set file reads need it, and decoding the whole version record for it cost more than the read. */
  private readonly versionNos = new Map<string, number>();
  /** The per-file reads (file-lookup.ts). */
  readonly lookup: FileLookup;

  /** The parts of split versions, beside the LMDB environment (version-parts.ts). */
  readonly parts: VersionParts;
  /** A version's metadata torrent and its files, preview and page facts (version-files.ts). */
  readonly versionFiles: VersionFiles;

  /** Where the store is and how it was opened: a worker thread opens the same environment (redundancy/warm-worker.ts). */
  readonly location: { dataDir: string; lmdb: LmdbOptions };

  private constructor(tables: CatalogueTables, parts: VersionParts, location: { dataDir: string; lmdb: LmdbOptions }) {
    this.t = tables;
    this.location = location;
    this.parts = parts;
    this.history = new StoreHistory(tables);
    this.tokens = new StoreTokens(tables);
    this.observations = new StoreObservations(tables);
    this.lookup = new FileLookup(tables);
    this.records = new RecordCache(tables);
    this.versionFiles = new VersionFiles(tables, (setId, version) => this.manifest(setId, version));
    this.manifests = new VersionManifests({
      manifestText: (setId, version) => this.versionFiles.manifestText(setId, version),
      manifestSha256: (setId, version) => this.getVersion(setId, version)?.manifestSha256,
      parts,
    });
    this.titleIds = new TitleIds(tables.titleNames, tables.titleIds);
    this.setFiles = new SetFileIndex(tables.env, { rows: tables.setRows, positions: tables.setPositions, facts: tables.setFacts, strings: tables.factStrings }, {
      titles: this.titleIds,
      versionNo: (setId, version) => this.versionNo(setId, version),
      volumeNo: (ih) => this.getVolume(ih)?.no ?? 0,
      volumeOfNo: (no) => this.volumeOfNo(no),
      manifestOf: (setId, version) => this.manifest(setId, version),
    });
    this.wordIndex = new TitleIndex(tables.env, tables.titleWords, this.titleIds);
    // A new catalogue has nothing to index; an older one is indexed by rebuildTitleIndex.
    if (isEmptyTable(this.t.fileIndex)) this.wordIndex.markEmptyComplete();
  }

  /**
   * Opens the store under `dataDir/catalogue.lmdb`, creating it on first use. A store written
   * by an older Seedbank (format 1) has its per-file index rebuilt here from the manifests it
   * holds; one written by a newer Seedbank is refused (STORE_FORMAT_NEWER).
   */
  static open(dataDir: string, o: LmdbOptions = {}): CatalogueStore {
    const tables = openCatalogueTables(dataDir, o);
    const parts = new VersionParts(dataDir);
    try {
      ensureStoreFormat(tables, parts);
    } catch (err) {
      void tables.env.close();
      throw err;
    }
    return new CatalogueStore(tables, parts, { dataDir: path.resolve(dataDir), lmdb: o });
  }

  /** Flushes pending writes and closes the environment. */
  async close(): Promise<void> {
    await this.t.env.close();
  }

  /** Resolves once every write issued so far is on disk. */
  async flushed(): Promise<void> {
    await this.t.env.flushed;
  }

  // ---- sets and versions -------------------------------------------------------------------

  /** Every set, sorted by id, each with its latest version's summary. */
  listSets(): SetSummary[] {
    // Kept until a publish or a key rotation (from any process) bumps the sets generation: a request costs one read.
    return [...this.records.list(() => [...this.t.sets.getRange()].map(({ value }) => ({ ...value, latest: latestSummary(this.getVersion(value.id, value.latestVersion)) })))];
  }

  /** Up to `limit` sets in id order after the set id `after`: only the page's records are read (set-page.ts). */
  setPage(after: string | undefined, limit: number): SetPage {
    return readSetPage(this.t.sets, after, limit);
  }

  /** A number that changes whenever the set list does (a publish, a key rotation, from any process): pages key what they derive from the sets on it. */
  setsGeneration(): number {
    return this.records.current();
  }

  /**
   * Brings the set list's version records into the page cache from several threads before
   * {@link listSets} reads them (start-reads.ts): on a cold start the list is what waits for the
   * disk. Pure read-ahead: it changes no answer.
   */
  async prefetchSetList(): Promise<void> {
    await prefetchSetList(this.t);
  }

  /** Every set's id, sorted, without reading the sets (cheap for background walks over a large catalogue). */
  setIds(): string[] {
    return [...this.t.sets.getKeys()];
  }

  /** One set, or undefined when it was never published here (`cache: false`: read past the record cache, for walks over every set). */
  getSet(setId: string, o: { cache?: boolean } = {}): SetRecord | undefined {
    return o.cache === false ? this.records.peekSet(setId) : this.records.set(setId);
  }

  /** The set's highest published version, 0 when none. */
  latestVersion(setId: string): number {
    return this.records.set(setId)?.latestVersion ?? 0;
  }

  /** A version's number in the per-file index and set file rows (numbers never change once committed). */
  private versionNo(setId: string, version: number): number | undefined {
    const key = `${setId}\u0000${version}`;
    let no = this.versionNos.get(key);
    if (no === undefined) {
      no = this.getVersion(setId, version)?.no;
      if (no !== undefined) this.versionNos.set(key, no);
    }
    return no;
  }

  /** One version's summary. */
  getVersion(setId: string, version: number): VersionRecord | undefined {
    return this.t.versions.get([setId, version]);
  }

  /** Every published version of a set, oldest first. */
  getVersions(setId: string): VersionRecord[] {
    return [...this.t.versions.getRange(prefixRange([setId]))].map((e) => e.value);
  }

  /**
   * The whole parsed manifest of a /1 or /2 version (cached); undefined for a split (/3)
   * version, whose files are in its lists: read those through {@link versionManifest},
   * {@link volumeFiles} or `setFiles`.
   */
  manifest(setId: string, version: number): Manifest | undefined {
    return this.versionManifest(setId, version)?.whole ?? undefined;
  }

  /** A version's manifest in any format (cached): its head, and for a whole one every file. */
  versionManifest(setId: string, version: number): VersionManifest | undefined {
    return this.manifests.get(setId, version);
  }

  /**
   * One volume's files in a version, in the manifest's order: from the whole manifest, or read
   * synchronously from a split version's list (checked at publish), a volume at a time.
   */
  *volumeFiles(setId: string, version: number, infoHash: string): Generator<ManifestFile> {
    yield* this.manifests.volumeFiles(setId, version, infoHash);
  }

  /**
   * Where a part of a split version's metadata torrent is on disk (`changes.ndjson`,
   * `lists/<ih>.ndjson`, `pages/<ih>.xml.gz`), or undefined when the version has no such part.
   */
  metadataPartPath(setId: string, version: number, name: string): string | undefined {
    return this.manifests.partPath(setId, version, name);
  }

  // ---- volumes and files ---------------------------------------------------------------------

  /** One volume's record (`cache: false`: read past the record cache, for walks over every volume). */
  getVolume(infoHash: string, o: { cache?: boolean } = {}): VolumeRecord | undefined {
    return o.cache === false ? this.records.peekVolume(infoHash) : this.records.volume(infoHash);
  }

  /** A volume's .torrent bytes as published. */
  volumeTorrent(infoHash: string): Buffer | undefined {
    return this.t.blobs.get(['volume-torrent', infoHash]);
  }

  /** The volumes of one version, in manifest order. */
  volumesOf(setId: string, version: number): VolumeRecord[] {
    return (this.getVersion(setId, version)?.volumes ?? []).flatMap((ih) => this.records.volume(ih) ?? []);
  }

  /** True for the info hash of a published volume or metadata torrent: what the tracker tracks. */
  isTracked(infoHash: string): boolean {
    return this.t.volumes.doesExist(infoHash) || this.t.metadataTorrents.doesExist(infoHash);
  }

  /** Every info hash the tracker tracks. */
  trackedInfoHashes(): string[] {
    return [...this.t.volumes.getKeys(), ...this.t.metadataTorrents.getKeys()];
  }

  /**
   * Up to `limit` tracked info hashes from `cursor` on (volumes, then metadata torrents, each in
   * key order), and where the next slice starts (null: none left): the tracker loads them a
   * slice per event-loop turn after start.
   */
  trackedSlice(cursor: TrackedCursor, limit: number): { infoHashes: string[]; next: TrackedCursor | null } {
    return trackedSlice(this.t, cursor, limit);
  }

  /**
   * Writes the set positions a format-3 store was opened without (position-fill.ts), in the
   * background; lookups find rows by binary search meanwhile. Resolves when done or stopped;
   * resumes at the next call where a stopped one left off.
   */
  fillPendingPositions(o: PositionFillOptions = {}): Promise<number> {
    return fillPendingPositions({ rows: this.t.setRows, positions: this.t.setPositions, storeInfo: this.t.storeInfo, title: (id) => this.titleIds.title(id) }, o);
  }

  /** Whether set positions are still to be written (a format-3 store being upgraded). */
  positionFillPending(): boolean {
    return positionFillPending(this.t);
  }

  /** Every latest-or-not volume's size by info hash, in one pass over the volumes table (no record cache: a walk over 40,000 volumes would only evict it). */
  volumeSizes(): Map<string, number> {
    return volumeSizes(this.t);
  }

  /**
   * Calls `listener` with the info hashes each publish through this store adds to
   * {@link trackedInfoHashes}, right after the publish commits (the tracker keeps them in
   * memory). Returns the function that stops the calls.
   */
  onTracked(listener: (infoHashes: string[]) => void): () => void {
    this.trackedListeners.add(listener);
    return () => void this.trackedListeners.delete(listener);
  }

  /** The set version a version number in the per-file index stands for. */
  versionOfNo(no: number): { setId: string; version: number } | undefined {
    return this.lookup.versionOfNo(no);
  }

  /** The info hash a volume number in the per-file index stands for. */
  volumeOfNo(no: number): string | undefined {
    return this.lookup.volumeOfNo(no);
  }

  /** Every set version holding these bytes (by SHA-1, hex), with each file's offset in its volume. */
  filesBySha1(sha1: string): IndexedFile[] {
    return this.lookup.filesBySha1(sha1);
  }

  /** Every SHA-1 a title ("File:Name.jpg") has had across the published versions. */
  sha1sForTitle(title: string): string[] {
    return this.lookup.sha1sForTitle(title);
  }

  /** Every set version holding a file of this title, whatever its content. */
  filesByTitle(title: string): IndexedFile[] {
    return this.lookup.filesByTitle(title);
  }

  /** One page of the titles with a word beginning with each word of `query` (see search/title-index.ts). */
  searchTitles(query: string, o: TitleSearchOptions): TitleSearchPage {
    return this.wordIndex.search(query, o);
  }

  /**
   * Indexes the title words of a catalogue made before the search index (or migrated from an
   * older store format); resumable, a no-op when complete. It walks the per-file index in key
   * order (a title held by several versions is indexed again, which changes nothing); the
   * cursor is the last key read, in hex.
   */
  async rebuildTitleIndex(o: RebuildOptions = {}): Promise<void> {
    await this.wordIndex.rebuild((after, limit) => this.lookup.titlesAfter(after, limit), o);
  }

  /** The files directly in a category (name without "Category:"), in every version that lists them; null for a category no file is in. */
  categoryFiles(name: string): Array<{ sha1: string; setId: string; version: number }> | null {
    return this.lookup.categoryFiles(name);
  }

  /** Every category name the index knows (for suggestions when a name is not found). */
  categoryNames(): Iterable<string> {
    return this.t.categories.getKeys() as Iterable<string>;
  }

  // ---- precomputed set figures -----------------------------------------------------------------

  /** Keeps a set's copy figures for the next start. */
  async putSetFigures(setId: string, figures: PersistedSetFigures): Promise<void> {
    await this.t.setFigures.put(setId, figures);
  }

  /** Every set's last kept copy figures. */
  allSetFigures(): Map<string, PersistedSetFigures> {
    return new Map([...this.t.setFigures.getRange()].map(({ key, value }) => [key, value]));
  }

  // ---- publishing ------------------------------------------------------------------------------

  /**
   * Writes a checked version in one transaction. Re-checks, inside it, that the version is the
   * set's next one and the key is still the registered one, so two racing publishes cannot both win.
   */
  putVersion(v: NewVersion | NewSplitVersion, now = Date.now(), bulk?: BulkIndex): void {
    try {
      writeVersionSync({ t: this.t, titleIds: this.titleIds, wordIndex: this.wordIndex, setFiles: this.setFiles }, v, now, bulk);
    } catch (err) {
      // Numbers handed out inside a failed transaction were rolled back with it.
      this.setFiles.forgetCached();
      this.versionNos.clear();
      throw err;
    }
    const tracked = [v.record.metadataInfoHash, ...v.volumes.map((vol) => vol.infoHash)];
    for (const listener of this.trackedListeners) listener(tracked);
  }

  /** Writes the rows a bulk load collected (after the last putVersion of the load), in key order. */
  finishBulkIndex(bulk: BulkIndex): { files: number; titles: number; categories: number; words: number; titleIds: number } {
    this.titleIds.deferKeys(null);
    return {
      files: bulk.files.finish(this.t.env, this.t.fileIndex),
      titles: bulk.titles.finish(this.t.env, this.t.titleIndex),
      categories: bulk.categories.finish(this.t.env, this.t.categoryIndex),
      words: bulk.words.finish(this.t.env, this.t.titleWords),
      titleIds: bulk.titleKeys.finish(this.t.env, this.t.titleIds),
    };
  }

  /** Runs `fn` (putVersion calls of a bulk load, each a nested transaction) in one write transaction: one commit for many versions. */
  bulkTransactionSync<T>(fn: () => T): T {
    return this.t.env.transactionSync(fn);
  }

  /** Bytes each table takes on disk (LMDB pages), for the bench's bytes-per-file figures. */
  tableBytes(): Record<string, number> {
    return tableBytes(this.t);
  }

  /**
   * Replaces a set's registered key (an operator's decision after a key loss or compromise);
   * the next version must be signed by the new key. Returns the old key.
   */
  async rotateKey(setId: string, newPublicKey: string, now = Date.now()): Promise<string> {
    return rotateKey(this.t, setId, newPublicKey, now);
  }
}
