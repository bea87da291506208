/**
 * The store's format, checked when it opens. Format 2 keeps the per-file index as compact
 * binary rows (file-index.ts). Format 3 numbers titles (title-ids.ts) and keeps the set file
 * lists as binary rows by version number and position (set-files.ts), and the word search
 * keys hold title ids. Format 4 adds each title's position in its version's list
 * (set-positions.ts): a format-3 store has it written from its rows in the background
 * (position-fill.ts), the open only marks the fill pending. A format-1 store (per-file rows keyed by hex SHA-1, set id and title,
 * with msgpack values) is migrated in place: the index is rebuilt from the manifests and
 * volume torrents the store holds (the source of truth), then the old tables are emptied. A
 * format-2 store has its file lists rewritten from its format-2 lists; its word search is
 * rebuilt in the background by the server (the index's own format says it is stale). A store
 * from a newer Seedbank is refused rather than misread.
 */
import { declaredFormat, parseManifest, type ManifestFile } from '../../../shared/formats/manifest.ts';
import { parseSplitManifest, SPLIT_MANIFEST_FORMAT } from '../../../shared/formats/split-manifest.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { isEmptyTable, prefixRange, type CatalogueTables } from './open-lmdb.ts';
import { SetFileIndex, type PublishedFile } from './set-files.ts';
import { markPositionFillPending } from './position-fill.ts';
import { TitleIds } from './title-ids.ts';
import { indexVersionFiles } from './version-index.ts';
import { listRecordsSync, type VersionParts } from './version-parts.ts';

/** The format this code writes. */
export const STORE_FORMAT = 4;
/** The format whose stores need only their set positions written. */
const FORMAT_WITHOUT_POSITIONS = 3;
const FORMAT_KEY = 'format';

/** Migrates a format-1 store, marks a new one, refuses a newer one. */
export function ensureStoreFormat(t: CatalogueTables, parts: VersionParts): void {
  const format = t.storeInfo.get(FORMAT_KEY);
  if (format === STORE_FORMAT) return;
  if (format !== undefined && format > STORE_FORMAT) {
    throw new SeedbankError('STORE_FORMAT_NEWER', `this catalogue store is in format ${format}; this Seedbank reads formats up to ${STORE_FORMAT}`, { context: { format, supported: STORE_FORMAT } });
  }
  const hasData = !isEmptyTable(t.versions) || !isEmptyTable(t.legacyFilesBySha1);
  if (hasData) {
    try {
      if (format === FORMAT_WITHOUT_POSITIONS) {
        // Written in the background while the catalogue serves (position-fill.ts): 654 s at 10M files.
        t.env.transactionSync(() => {
          markPositionFillPending({ rows: t.setRows, positions: t.setPositions, storeInfo: t.storeInfo });
          t.storeInfo.putSync(FORMAT_KEY, STORE_FORMAT);
        });
        return;
      }
      else {
        if (format === undefined) migrateFromFormat1(t, parts);
        // Rewriting a format-2 list writes its positions too.
        migrateSetFilesFromFormat2(t);
      }
    } catch (err) {
      throw new SeedbankError('STORE_MIGRATION_FAILED', `the catalogue store could not be moved to format ${STORE_FORMAT}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  t.storeInfo.putSync(FORMAT_KEY, STORE_FORMAT);
}

/** Rebuilds the per-file index of every version from its manifest, numbering versions and volumes. */
function migrateFromFormat1(t: CatalogueTables, parts: VersionParts): void {
  t.env.transactionSync(() => {
    // Set file rows are keyed by version number: they are indexed again from the manifests on first read.
    for (const db of [t.fileIndex, t.titleIndex, t.categoryIndex, t.categories, t.versionNumbers, t.volumeNumbers, t.setRows, t.setPositions, t.setFacts]) db.clearSync();
    t.storeInfo.removeSync('nextCategoryNo');
    let volumeNo = 0;
    for (const { key, value } of [...t.volumes.getRange()]) {
      volumeNo++;
      t.volumes.putSync(key, { ...value, no: volumeNo });
      t.volumeNumbers.putSync(volumeNo, key);
    }
    let versionNo = 0;
    let categoryNo = 0;
    const categories = new Map<string, number>();
    for (const { key, value } of [...t.versions.getRange()]) {
      versionNo++;
      t.versions.putSync(key, { ...value, no: versionNo });
      t.versionNumbers.putSync(versionNo, key);
      const text = t.blobs.get(['meta', key[0], key[1], 'manifest.json'])?.toString('utf8');
      if (text === undefined) throw new SeedbankError('STORE_MIGRATION_FAILED', `${key[0]} v${key[1]} has no manifest in the store`);
      const torrents = new Map(value.volumes.map((ih) => [ih, t.blobs.get(['volume-torrent', ih])] as const));
      const located = (f: ManifestFile) => ({ sha1: f.sha1, setId: key[0], version: key[1], title: f.title, path: f.path, size: f.size, volume: f.volume, categories: f.categories });
      // A split (/3) version's files are in its lists beside the store, read a volume at a time.
      const batches: Array<() => ManifestFile[]> = declaredFormat(text) === SPLIT_MANIFEST_FORMAT
        ? parseSplitManifest(text, `${key[0]} v${key[1]} in the catalogue`).volumes.map((v) => () => [...listRecordsSync(parts.file(value.manifestSha256, v.list.file), v.infoHash)])
        : [() => parseManifest(text, `${key[0]} v${key[1]} in the catalogue`).files];
      for (const batch of batches) indexVersionFiles(batch().map(located), torrents, {
        versionNo,
        volumeNo: (ih) => t.volumes.get(ih)?.no ?? 0,
        categoryNo: (name) => {
          let no = categories.get(name);
          if (no === undefined) {
            categories.set(name, (no = ++categoryNo));
            t.categories.putSync(name, no);
          }
          return no;
        },
      }, {
        file: (k, v) => t.fileIndex.putSync(k, v),
        title: (k, v) => t.titleIndex.putSync(k, v),
        category: (k, v) => t.categoryIndex.putSync(k, v),
      });
    }
    t.storeInfo.putSync('nextCategoryNo', categoryNo + 1);
    t.legacyFilesBySha1.clearSync();
    t.legacyTitles.clearSync();
  });
}

/** A format-2 set file row: [sha1, path, size, volume, mime, license, author, uploaded]. */
type Format2Row = [string, string, number, string, string, string | null, string | null, string];

/**
 * Rewrites the format-2 file lists ([setId, version, title] rows plus a position table) as
 * format-3 rows, a version per transaction, then empties the old tables.
 */
function migrateSetFilesFromFormat2(t: CatalogueTables): void {
  const titles = new TitleIds(t.titleNames, t.titleIds);
  const index = new SetFileIndex(t.env, { rows: t.setRows, positions: t.setPositions, facts: t.setFacts, strings: t.factStrings }, {
    titles,
    versionNo: (setId, version) => t.versions.get([setId, version])?.no,
    volumeNo: (ih) => t.volumes.get(ih)?.no ?? 0,
    volumeOfNo: (no) => t.volumeNumbers.get(no),
    manifestOf: () => undefined,
  });
  const listed = [...t.legacySetOrder.getKeys()].filter((k) => k[2] === 0).map((k) => [k[0], k[1]] as const);
  for (const [setId, version] of listed) {
    if (t.versions.get([setId, version])?.no === undefined) continue; // a version without a number has no rows to keep
    const files: PublishedFile[] = [];
    for (const { value: title } of t.legacySetOrder.getRange(prefixRange([setId, version]))) {
      const row = t.legacySetFiles.get([setId, version, title]) as Format2Row | undefined;
      if (!row) continue;
      const [sha1, path, size, volume, mime, license, author, uploaded] = row;
      files.push({ sha1, setId, version, title, path, size, volume, mime, license, author, uploaded });
    }
    t.env.transactionSync(() => index.putSync(setId, version, files));
  }
  t.env.transactionSync(() => {
    t.legacySetFiles.clearSync();
    t.legacySetOrder.clearSync();
  });
}
