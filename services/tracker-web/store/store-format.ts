/**
 * The store's format, checked when it opens. Format 2 keeps the per-file index as compact
 * binary rows (file-index.ts). A format-1 store (per-file rows keyed by hex SHA-1, set id and
 * title, with msgpack values) is migrated in place: the index is rebuilt from the manifests
 * and volume torrents the store holds (the source of truth), then the old tables are
 * emptied. A store from a newer Seedbank is refused rather than misread.
 */
import { declaredFormat, parseManifest, type ManifestFile } from '../../../shared/formats/manifest.ts';
import { parseSplitManifest, SPLIT_MANIFEST_FORMAT } from '../../../shared/formats/split-manifest.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { CatalogueTables } from './open-lmdb.ts';
import { indexVersionFiles } from './version-index.ts';
import { listRecordsSync, type VersionParts } from './version-parts.ts';

/** The format this code writes. */
export const STORE_FORMAT = 2;
const FORMAT_KEY = 'format';

/** Migrates a format-1 store, marks a new one, refuses a newer one. */
export function ensureStoreFormat(t: CatalogueTables, parts: VersionParts): void {
  const format = t.storeInfo.get(FORMAT_KEY);
  if (format === STORE_FORMAT) return;
  if (format !== undefined && format > STORE_FORMAT) {
    throw new SeedbankError('STORE_FORMAT_NEWER', `this catalogue store is in format ${format}; this Seedbank reads formats up to ${STORE_FORMAT}`, { context: { format, supported: STORE_FORMAT } });
  }
  const hasData = t.versions.getKeysCount({ limit: 1 }) > 0 || t.legacyFilesBySha1.getKeysCount({ limit: 1 }) > 0;
  if (hasData) {
    try {
      migrateFromFormat1(t, parts);
    } catch (err) {
      throw new SeedbankError('STORE_MIGRATION_FAILED', `the catalogue store could not be moved to format ${STORE_FORMAT}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  t.storeInfo.putSync(FORMAT_KEY, STORE_FORMAT);
}

/** Rebuilds the per-file index of every version from its manifest, numbering versions and volumes. */
function migrateFromFormat1(t: CatalogueTables, parts: VersionParts): void {
  t.env.transactionSync(() => {
    for (const db of [t.fileIndex, t.titleIndex, t.categoryIndex, t.categories, t.versionNumbers, t.volumeNumbers]) db.clearSync();
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
