/**
 * The catalogue's store: published sets and versions, their volumes and files, the bytes the
 * metadata web seed serves, publishing tokens, tracker swarm history and census observations,
 * all in one LMDB environment so a restart loses nothing. Pages, APIs and the census build on
 * the read methods here; only the publish path calls `putVersion`.
 */
import { declaredFormat, parseManifest, type Manifest, type ManifestChanges, type ManifestFile, type ManifestVolume } from '../../../shared/formats/manifest.ts';
import { splitPartNames } from '../../../shared/formats/split-manifest.ts';
import { versionManifestOf, type VersionManifest } from '../../../shared/formats/version-manifest.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { TitleIndex, type RebuildOptions, type TitleSearchOptions, type TitleSearchPage } from '../search/title-index.ts';
import { openCatalogueTables, prefixRange, type CatalogueTables } from './open-lmdb.ts';
import { inTitleOrder, SetFileIndex, type PublishedFile } from './set-files.ts';
import { TitleIds } from './title-ids.ts';
import { categoryRange, decodeCategoryKey, decodeFileRow, EMPTY_VALUE, fileRange, sha1OfTitleKey, titleRange, UNKNOWN_OFFSET } from './file-index.ts';
import { ensureStoreFormat } from './store-format.ts';
import { PAGE_TITLES_PER_CHANGE, splitPageFacts, versionPageFacts, type VersionPageFacts } from './version-page.ts';
import { StoreHistory } from './history.ts';
import { regionLabel } from '../views/region-label.ts';
import { indexVersionFiles, type IndexSink } from './version-index.ts';
import { listRecordsSync, mergeByTitle, VersionParts } from './version-parts.ts';
import type { BulkIndex } from './bulk-index.ts';
import type {
  FileLocation,
  IndexedFile,
  PersistedSetFigures,
  MetadataFileName,
  Observation,
  PeerObservation,
  SetRecord,
  SetSummary,
  SwarmSample,
  TokenRecord,
  VersionRecord,
  VolumeRecord,
} from './records.ts';

export * from './records.ts';

/** storeInfo key of the counter every change to the set list bumps. */
const SETS_GENERATION_KEY = 'setsGeneration';
/** Parsed manifests kept in memory; pages tend to show the same few versions. */
const MANIFEST_CACHE_ENTRIES = 8;

/** Titles a split version's publish keeps of each kind of change: what the set page shows. */
export const CHANGES_EXCERPT_TITLES = PAGE_TITLES_PER_CHANGE;

/**
 * The files of a split version, read volume by volume from its parts folder (adopted with
 * `store.parts.adopt` before putVersion), so a million-file version is never one array.
 */
export interface VolumeFileLists {
  /** One volume's files, in title order (each volume's list is read when asked, as often as asked). */
  files(infoHash: string): Iterable<PublishedFile>;
}

/** What every publish writes, checked by the publish path before it gets here. */
interface NewVersionCommon {
  set: Pick<SetRecord, 'id' | 'title' | 'description' | 'tags' | 'publicKey' | 'copyTarget'>;
  record: VersionRecord;
  manifestText: string;
  signatureText: string;
  metadataTorrent: Uint8Array;
  volumes: Array<Omit<VolumeRecord, 'setId' | 'versions'> & { torrent: Uint8Array }>;
}

/** A whole-manifest (/1, /2) version: its pages archive and every file. */
export interface NewVersion extends NewVersionCommon {
  pagesGz: Uint8Array;
  /** With their facts (licence, author, upload date) from current publishers, in any order. */
  files: PublishedFile[];
}

/** A split (/3) version: its parts already in `store.parts` (adopted by the publish path), its files read from them. */
export interface NewSplitVersion extends NewVersionCommon {
  lists: VolumeFileLists;
  /** The first titles of each kind of change ({@link CHANGES_EXCERPT_TITLES}), for the set page. */
  changesExcerpt: ManifestChanges;
}

/** The facts a split list's record gives the store, as a publish hands them over. */
export function publishedFileOf(setId: string, version: number, f: ManifestFile): PublishedFile {
  return {
    sha1: f.sha1, setId, version, title: f.title, path: f.path, size: f.size, volume: f.volume, categories: f.categories,
    mime: f.mime, license: f.license, author: f.author, uploaded: f.uploadTimestamp,
  };
}

export type { HistoryQuery } from './history.ts';

/**
 * The few manifest facts list pages show (region, links) and the set page's own (version-page.ts),
 * from one parse at publish, so no page parses a manifest per request.
 */
function manifestFacts(text: string): { facts: VersionRecord['facts']; page: VersionPageFacts | undefined } {
  try {
    const m = JSON.parse(text) as Partial<Manifest>;
    return { facts: { regionLabel: regionLabel(m.recipe), articleUrl: m.source?.articleUrl ?? null, uploadBase: m.source?.uploadBase ?? null }, page: versionPageFacts(m) };
  } catch {
    return { facts: undefined, page: undefined };
  }
}

export class CatalogueStore {
  private readonly t: CatalogueTables;
  private readonly manifests = new Map<string, VersionManifest>();
  private readonly trackedListeners = new Set<(infoHashes: string[]) => void>();
  /** The word-prefix title search (search/title-index.ts); `t.titleIndex` is the exact-title table. */
  private readonly wordIndex: TitleIndex;
  /** A number per title, for the search keys and the set file lists (title-ids.ts). */
  private readonly titleIds: TitleIds;

  /** Each version's files by title: paged and searched by the set page, read by the file page. */
  readonly setFiles: SetFileIndex;
  /** Copy, swarm and set-seeder samples over time (history.ts). */
  readonly history: StoreHistory;
  /** version no → set version, volume no → info hash: both grow with versions and volumes, not files. */
  private readonly versionByNo = new Map<number, { setId: string; version: number }>();
  private readonly volumeByNo = new Map<number, string>();

  /** The parts of split versions, beside the LMDB environment (version-parts.ts). */
  readonly parts: VersionParts;

  private constructor(tables: CatalogueTables, parts: VersionParts) {
    this.t = tables;
    this.parts = parts;
    this.history = new StoreHistory(tables);
    this.titleIds = new TitleIds(tables.titleNames, tables.titleIds);
    this.setFiles = new SetFileIndex(tables.env, { rows: tables.setRows, facts: tables.setFacts, strings: tables.factStrings }, {
      titles: this.titleIds,
      versionNo: (setId, version) => this.getVersion(setId, version)?.no,
      volumeNo: (ih) => this.getVolume(ih)?.no ?? 0,
      volumeOfNo: (no) => this.volumeOfNo(no),
      manifestOf: (setId, version) => this.manifest(setId, version),
    });
    this.wordIndex = new TitleIndex(tables.env, tables.titleWords, this.titleIds);
    // A new catalogue has nothing to index; an older one is indexed by rebuildTitleIndex.
    if (this.t.fileIndex.getKeysCount({ limit: 1 }) === 0) this.wordIndex.markEmptyComplete();
  }

  /**
   * Opens the store under `dataDir/catalogue.lmdb`, creating it on first use. A store written
   * by an older Seedbank (format 1) has its per-file index rebuilt here from the manifests it
   * holds; one written by a newer Seedbank is refused (STORE_FORMAT_NEWER).
   */
  static open(dataDir: string): CatalogueStore {
    const tables = openCatalogueTables(dataDir);
    const parts = new VersionParts(dataDir);
    try {
      ensureStoreFormat(tables, parts);
    } catch (err) {
      void tables.env.close();
      throw err;
    }
    return new CatalogueStore(tables, parts);
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
    // Pages and /metrics list every set per request: the list is kept until a publish or a key
    // rotation (from any process) bumps the sets generation, so a request costs one read.
    const generation = this.t.storeInfo.get(SETS_GENERATION_KEY) ?? 0;
    if (this.setList?.generation !== generation) {
      const rows = [...this.t.sets.getRange()].map(({ value }) => ({ ...value, latest: this.getVersion(value.id, value.latestVersion) ?? null }));
      this.setList = { generation, rows };
    }
    return [...this.setList.rows];
  }

  private setList: { generation: number; rows: SetSummary[] } | null = null;

  /** Marks the set list changed (inside a write transaction). */
  private bumpSetsGeneration(): void {
    this.t.storeInfo.putSync(SETS_GENERATION_KEY, (this.t.storeInfo.get(SETS_GENERATION_KEY) ?? 0) + 1);
  }

  /** Every set's id, sorted, without reading the sets (cheap for background walks over a large catalogue). */
  setIds(): string[] {
    return [...this.t.sets.getKeys()];
  }

  /** One set, or undefined when it was never published here. */
  getSet(setId: string): SetRecord | undefined {
    return this.t.sets.get(setId);
  }

  /** The set's highest published version, 0 when none. */
  latestVersion(setId: string): number {
    return this.t.sets.get(setId)?.latestVersion ?? 0;
  }

  /** One version's summary. */
  getVersion(setId: string, version: number): VersionRecord | undefined {
    return this.t.versions.get([setId, version]);
  }

  /** Every published version of a set, oldest first. */
  getVersions(setId: string): VersionRecord[] {
    return [...this.t.versions.getRange(prefixRange([setId]))].map((e) => e.value);
  }

  /** The exact manifest bytes (canonical JSON) of a version, as signed. */
  manifestText(setId: string, version: number): string | undefined {
    return this.metadataFile(setId, version, 'manifest.json')?.toString('utf8');
  }

  /** The detached signature (manifest.sig) of a version. */
  signatureText(setId: string, version: number): string | undefined {
    return this.metadataFile(setId, version, 'manifest.sig')?.toString('utf8');
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
    const key = `${setId}\u0000${version}`;
    const cached = this.manifests.get(key);
    if (cached) return cached;
    const text = this.manifestText(setId, version);
    if (text === undefined) return undefined;
    const sha256 = this.getVersion(setId, version)?.manifestSha256;
    const dir = declaredFormat(text) === 'seedbank-manifest/3' && sha256 ? this.parts.dir(sha256) : this.parts.root;
    const parsed = versionManifestOf(text, dir, `${setId} v${version} in the catalogue`);
    if (this.manifests.size >= MANIFEST_CACHE_ENTRIES) this.manifests.delete(this.manifests.keys().next().value!);
    this.manifests.set(key, parsed);
    return parsed;
  }

  /**
   * One volume's files in a version, in the manifest's order: from the whole manifest, or read
   * synchronously from a split version's list (checked at publish), a volume at a time.
   */
  *volumeFiles(setId: string, version: number, infoHash: string): Generator<ManifestFile> {
    const m = this.versionManifest(setId, version);
    if (m?.whole) {
      for (const f of m.whole.files) if (f.volume === infoHash) yield f;
      return;
    }
    const vol = m?.split?.volumes.find((v) => v.infoHash === infoHash);
    if (m && vol) yield* listRecordsSync(this.parts.file(m.sha256, vol.list.file), infoHash);
  }

  /**
   * Where a part of a split version's metadata torrent is on disk (`changes.ndjson`,
   * `lists/<ih>.ndjson`, `pages/<ih>.xml.gz`), or undefined when the version has no such part.
   */
  metadataPartPath(setId: string, version: number, name: string): string | undefined {
    const m = this.versionManifest(setId, version);
    if (!m?.split || !splitPartNames(m.split).includes(name)) return undefined;
    return this.parts.file(m.sha256, name);
  }

  /**
   * What the set page shows of a version's manifest (version-page.ts): written at publish; for a
   * version published before that, worked out from the manifest on first read and kept.
   */
  versionPage(setId: string, version: number): VersionPageFacts | undefined {
    const known = this.t.versionPages.get([setId, version]);
    if (known) return known;
    const manifest = this.manifest(setId, version);
    if (!manifest) return undefined;
    const page = versionPageFacts(manifest);
    this.t.versionPages.putSync([setId, version], page);
    return page;
  }

  /** Stores a version's preview mosaic (optional, cosmetic). */
  async putPreview(setId: string, version: number, jpeg: Uint8Array): Promise<void> {
    await this.t.blobs.put(['preview', setId, version], Buffer.from(jpeg));
  }

  /** A version's preview mosaic, when its builder made one. */
  preview(setId: string, version: number): Buffer | undefined {
    return this.t.blobs.get(['preview', setId, version]) as Buffer | undefined;
  }

  /** One file of a version's metadata torrent (manifest.json, manifest.sig, pages.xml.gz). */
  metadataFile(setId: string, version: number, name: MetadataFileName): Buffer | undefined {
    return this.t.blobs.get(['meta', setId, version, name]);
  }

  /** The metadata torrent of a version, as the builder made it (without the catalogue's url-list). */
  metadataTorrent(setId: string, version: number): Buffer | undefined {
    return this.t.blobs.get(['metadata-torrent', setId, version]);
  }

  /** Which set version a metadata torrent belongs to. */
  metadataTorrentOwner(infoHash: string): { setId: string; version: number } | undefined {
    return this.t.metadataTorrents.get(infoHash);
  }

  // ---- volumes and files ---------------------------------------------------------------------

  /** One volume's record. */
  getVolume(infoHash: string): VolumeRecord | undefined {
    return this.t.volumes.get(infoHash);
  }

  /** A volume's .torrent bytes as published. */
  volumeTorrent(infoHash: string): Buffer | undefined {
    return this.t.blobs.get(['volume-torrent', infoHash]);
  }

  /** The volumes of one version, in manifest order. */
  volumesOf(setId: string, version: number): VolumeRecord[] {
    return (this.getVersion(setId, version)?.volumes ?? []).flatMap((ih) => this.t.volumes.get(ih) ?? []);
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
    let v = this.versionByNo.get(no);
    if (!v) {
      const row = this.t.versionNumbers.get(no);
      if (!row) return undefined;
      this.versionByNo.set(no, (v = { setId: row[0], version: row[1] }));
    }
    return v;
  }

  /** The info hash a volume number in the per-file index stands for. */
  volumeOfNo(no: number): string | undefined {
    let ih = this.volumeByNo.get(no);
    if (!ih) {
      ih = this.t.volumeNumbers.get(no);
      if (ih) this.volumeByNo.set(no, ih);
    }
    return ih;
  }

  /** Every set version holding these bytes (by SHA-1, hex), with each file's offset in its volume. */
  filesBySha1(sha1: string): IndexedFile[] {
    if (!/^[0-9a-f]{40}$/i.test(sha1)) return [];
    const out: IndexedFile[] = [];
    for (const { key, value } of this.t.fileIndex.getRange(fileRange(sha1))) {
      const row = decodeFileRow(key, value);
      const sv = this.versionOfNo(row.versionNo);
      const volume = this.volumeOfNo(row.volumeNo);
      if (!sv || !volume) continue;
      out.push({
        sha1: row.sha1, setId: sv.setId, version: sv.version, title: row.title, path: row.path, size: row.size, volume,
        ...(row.offset === UNKNOWN_OFFSET ? {} : { offset: row.offset }),
      });
    }
    // The order format 1 gave (set id, version, title), whatever numbers the versions got.
    return out.sort((a, b) => (a.setId < b.setId ? -1 : a.setId > b.setId ? 1 : a.version - b.version || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0)));
  }

  /** Every SHA-1 a title ("File:Name.jpg") has had across the published versions. */
  sha1sForTitle(title: string): string[] {
    // Title rows hold a short hash of the title: a rare collision is weeded out by the file rows.
    return [...this.t.titleIndex.getKeys(titleRange(title))].map((k) => sha1OfTitleKey(k)).filter((sha1) => this.filesBySha1(sha1).some((f) => f.title === title));
  }

  /** Every set version holding a file of this title, whatever its content. */
  filesByTitle(title: string): IndexedFile[] {
    return this.sha1sForTitle(title).flatMap((sha1) => this.filesBySha1(sha1).filter((f) => f.title === title));
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
    await this.wordIndex.rebuild((after, limit) => {
      const titles: string[] = [];
      let last: string | null = after;
      const start = after === null ? undefined : Buffer.concat([Buffer.from(after, 'hex'), Buffer.from([0])]);
      for (const { key, value } of this.t.fileIndex.getRange({ start })) {
        const title = decodeFileRow(key as Uint8Array, value as Uint8Array).title;
        if (titles.at(-1) !== title) titles.push(title);
        last = Buffer.from(key as Uint8Array).toString('hex');
        if (titles.length === limit) break;
      }
      return { titles, next: last };
    }, o);
  }

  /** The files directly in a category (name without "Category:"), in every version that lists them; null for a category no file is in. */
  categoryFiles(name: string): Array<{ sha1: string; setId: string; version: number }> | null {
    const no = this.t.categories.get(name);
    if (no === undefined) return null;
    const out: Array<{ sha1: string; setId: string; version: number }> = [];
    for (const key of this.t.categoryIndex.getKeys(categoryRange(no))) {
      const { sha1, versionNo } = decodeCategoryKey(key);
      const sv = this.versionOfNo(versionNo);
      if (sv) out.push({ sha1, ...sv });
    }
    return out;
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
      this.writeVersion(v, now, bulk);
    } catch (err) {
      // Numbers handed out inside a failed transaction were rolled back with it.
      this.setFiles.forgetCached();
      throw err;
    }
  }

  /** putVersion's work: one write transaction, then the tracked-hash listeners. */
  private writeVersion(v: NewVersion | NewSplitVersion, now: number, bulk: BulkIndex | undefined): void {
    const { sets, versions, volumes, metadataTorrents, blobs, fileIndex, titleIndex, categoryIndex } = this.t;
    const setId = v.set.id;
    const version = v.record.version;
    const lists = 'lists' in v ? v.lists : null;
    // Sorted before the write transaction, which should hold the lock for writes only.
    const ordered = 'files' in v ? inTitleOrder(v.files) : [];
    const facts = manifestFacts(v.manifestText);
    if (lists && 'changesExcerpt' in v) {
      const top = JSON.parse(v.manifestText) as { volumes: ManifestVolume[] };
      facts.page = splitPageFacts(facts.page, v.changesExcerpt, v.record.changes, top.volumes, (ih) => lists.files(ih));
    }
    this.titleIds.deferKeys(bulk?.titleKeys ?? null);
    this.t.env.transactionSync(() => {
      const current = sets.get(setId);
      const latest = current?.latestVersion ?? 0;
      if (versions.doesExist([setId, version])) {
        throw new SeedbankError('VERSION_EXISTS', `${setId} v${version} was published a moment ago by another request`);
      }
      if (version !== latest + 1) {
        throw new SeedbankError('VERSION_OUT_OF_ORDER', `${setId} is at v${latest} here; v${version} cannot follow it`);
      }
      if (current && current.publicKey !== v.set.publicKey) {
        throw new SeedbankError('KEY_MISMATCH', `${setId} is registered with another key`);
      }
      this.bumpSetsGeneration();
      sets.putSync(setId, {
        ...v.set,
        previousKeys: current?.previousKeys ?? [],
        latestVersion: version,
        registeredAt: current?.registeredAt ?? now,
        updatedAt: now,
      });
      const versionNo = this.nextNumber(this.t.versionNumbers);
      this.t.versionNumbers.putSync(versionNo, [setId, version]);
      versions.putSync([setId, version], { ...v.record, publishedAt: now, no: versionNo, facts: facts.facts });
      if (facts.page) this.t.versionPages.putSync([setId, version], facts.page);
      blobs.putSync(['meta', setId, version, 'manifest.json'], Buffer.from(v.manifestText, 'utf8'));
      blobs.putSync(['meta', setId, version, 'manifest.sig'], Buffer.from(v.signatureText, 'utf8'));
      if ('pagesGz' in v) blobs.putSync(['meta', setId, version, 'pages.xml.gz'], Buffer.from(v.pagesGz));
      blobs.putSync(['metadata-torrent', setId, version], Buffer.from(v.metadataTorrent));
      metadataTorrents.putSync(v.record.metadataInfoHash, { setId, version });
      const volumeNos = new Map<string, number>();
      for (const vol of v.volumes) {
        const { torrent, ...fields } = vol;
        const existing = volumes.get(vol.infoHash);
        const holders = [...(existing?.versions ?? []), { setId, version }];
        let no = existing?.no;
        if (no === undefined) {
          no = this.nextNumber(this.t.volumeNumbers);
          this.t.volumeNumbers.putSync(no, vol.infoHash);
        }
        volumeNos.set(vol.infoHash, no);
        volumes.putSync(vol.infoHash, { ...fields, setId: existing?.setId ?? setId, versions: holders, no });
        // The first bytes win: an unchanged volume keeps its torrent byte for byte anyway.
        if (!existing) blobs.putSync(['volume-torrent', vol.infoHash], Buffer.from(torrent));
      }
      // Every title gets its id once here; only titles new to the catalogue get index words.
      const ids = new Map<string, number>();
      const assignIds = (files: Iterable<PublishedFile>, keep: boolean) => {
        const newTitles: Array<[string, number]> = [];
        for (const f of files) {
          if (ids.has(f.title)) continue;
          const { id, created } = this.titleIds.assignSync(f.title);
          if (keep) ids.set(f.title, id);
          if (created) newTitles.push([f.title, id]);
        }
        this.wordIndex.addTitleIdsSync(newTitles, bulk ? (key) => bulk.words.add(key, EMPTY_VALUE) : undefined);
      };
      const direct: IndexSink = {
        file: (k, val) => fileIndex.putSync(k, val),
        title: (k, val) => titleIndex.putSync(k, val),
        category: (k, val) => categoryIndex.putSync(k, val),
      };
      const numbers = {
        versionNo,
        volumeNo: (ih: string) => volumeNos.get(ih) ?? volumes.get(ih)?.no ?? 0,
        categoryNo: (name: string) => this.categoryNo(name),
      };
      if (lists) {
        // A split version: one volume's files at a time (no map of a million titles), then every
        // list merged in title order into the set file rows, at the table's end (the newest version).
        for (const vol of v.volumes) {
          const files = [...lists.files(vol.infoHash)];
          assignIds(files, false);
          indexVersionFiles(files, new Map([[vol.infoHash, vol.torrent]]), numbers, bulk?.sink ?? direct);
        }
        this.setFiles.putSync(setId, version, mergeByTitle(v.volumes.map((vol) => lists.files(vol.infoHash))), { append: true });
      } else {
        assignIds(ordered, true);
        indexVersionFiles(ordered, new Map(v.volumes.map((vol) => [vol.infoHash, vol.torrent] as const)), numbers, bulk?.sink ?? direct);
        this.setFiles.putSync(setId, version, ordered, { append: true, ids });
      }
    });
    const tracked = [v.record.metadataInfoHash, ...v.volumes.map((vol) => vol.infoHash)];
    for (const listener of this.trackedListeners) listener(tracked);
  }

  /** The next free number of a numbering table (inside a write transaction). */
  private nextNumber(table: CatalogueTables['versionNumbers'] | CatalogueTables['volumeNumbers']): number {
    for (const key of table.getKeys({ reverse: true, limit: 1 })) return (key as number) + 1;
    return 1;
  }

  /** A category's number, handed out on first use (inside a write transaction). */
  private categoryNo(name: string): number {
    const known = this.t.categories.get(name);
    if (known !== undefined) return known;
    const no = (this.t.storeInfo.get('nextCategoryNo') ?? 1);
    this.t.storeInfo.putSync('nextCategoryNo', no + 1);
    this.t.categories.putSync(name, no);
    return no;
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
    const out: Record<string, number> = {};
    for (const [name, db] of Object.entries(this.t)) {
      if (name === 'env') continue;
      const st = (db as { getStats(): Record<string, number> }).getStats();
      out[name] = ((st.treeBranchPageCount ?? 0) + (st.treeLeafPageCount ?? 0) + (st.overflowPages ?? 0)) * (st.pageSize ?? 4096);
    }
    return out;
  }

  /**
   * Replaces a set's registered key (an operator's decision after a key loss or compromise);
   * the next version must be signed by the new key. Returns the old key.
   */
  async rotateKey(setId: string, newPublicKey: string, now = Date.now()): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(newPublicKey)) {
      throw new SeedbankError('KEY_INVALID', 'the new key must be a raw ed25519 public key: 64 lower-case hex digits');
    }
    return this.t.sets.transaction(() => {
      const current = this.t.sets.get(setId);
      if (!current) {
        throw new SeedbankError('SET_NOT_FOUND', `no set "${setId}" in this catalogue`, { hint: 'a set registers its key with its first publish' });
      }
      if (current.publicKey === newPublicKey) return current.publicKey;
      this.bumpSetsGeneration();
      this.t.sets.putSync(setId, {
        ...current,
        publicKey: newPublicKey,
        previousKeys: [...current.previousKeys, { publicKey: current.publicKey, replacedAt: now }],
        updatedAt: now,
      });
      return current.publicKey;
    });
  }

  // ---- tokens ----------------------------------------------------------------------------------

  /** Stores a token's SHA-256 (hex) with its label. */
  async addToken(tokenSha256: string, record: TokenRecord): Promise<void> {
    await this.t.tokens.put(tokenSha256, record);
  }

  /** The token record for a token's SHA-256, if it is valid. */
  tokenByHash(tokenSha256: string): TokenRecord | undefined {
    return this.t.tokens.get(tokenSha256);
  }

  /** Every token (by hash) with its label. */
  listTokens(): Array<TokenRecord & { sha256: string }> {
    return [...this.t.tokens.getRange()].map(({ key, value }) => ({ sha256: key, ...value }));
  }

  /** Revokes a token; true when it existed. */
  async removeToken(tokenSha256: string): Promise<boolean> {
    return this.t.tokens.remove(tokenSha256);
  }

  // ---- census observations ---------------------------------------------------------------------

  /** Records what the census saw of one peer for one torrent (replacing the previous observation). */
  async putObservation(infoHash: string, host: string, port: number, observation: Observation): Promise<void> {
    await this.t.observations.put([infoHash, host, port], observation);
  }

  /** Every peer observation of one torrent. */
  observationsFor(infoHash: string): PeerObservation[] {
    return [...this.t.observations.getRange(prefixRange([infoHash]))].map(({ key: [ih, host, port], value }) => ({ infoHash: ih, host, port, ...value }));
  }

  /** Forgets one peer's observation of one torrent. */
  async removeObservation(infoHash: string, host: string, port: number): Promise<boolean> {
    return this.t.observations.remove([infoHash, host, port]);
  }
}
