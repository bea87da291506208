/**
 * The publish transaction of the catalogue store: a checked version's set, version, volume and
 * metadata rows, its per-file index rows (straight in, or into a bulk load) and its set file
 * rows, all in one LMDB write transaction.
 */
import type { ManifestVolume } from '../../../shared/formats/manifest.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { TitleIndex } from '../search/title-index.ts';
import type { BulkIndex } from './bulk-index.ts';
import { EMPTY_VALUE } from './file-index.ts';
import { manifestFacts, type NewSplitVersion, type NewVersion } from './new-version.ts';
import type { CatalogueTables } from './open-lmdb.ts';
import { inTitleOrder, type PublishedFile, type SetFileIndex } from './set-files.ts';
import type { TitleIds } from './title-ids.ts';
import { indexVersionFiles, type IndexSink } from './version-index.ts';
import { splitPageFacts } from './version-page.ts';
import { mergeByTitle } from './version-parts.ts';

/** storeInfo key of the counter every change to the set list bumps. */
export const SETS_GENERATION_KEY = 'setsGeneration';

/** The parts of the store a publish writes through. */
export interface VersionWriteContext {
  t: CatalogueTables;
  titleIds: TitleIds;
  wordIndex: TitleIndex;
  setFiles: SetFileIndex;
}

/** Marks the set list changed (inside a write transaction), so every process's cached list is dropped. */
export function bumpSetsGeneration(t: CatalogueTables): void {
  t.storeInfo.putSync(SETS_GENERATION_KEY, (t.storeInfo.get(SETS_GENERATION_KEY) ?? 0) + 1);
}

/**
 * Writes a checked version in one transaction; re-checks, inside it, that the version is the
 * set's next one and the key is still the registered one, so two racing publishes cannot both win.
 */
export function writeVersionSync(c: VersionWriteContext, v: NewVersion | NewSplitVersion, now: number, bulk: BulkIndex | undefined): void {
  const { t } = c;
  const { sets, versions, volumes, metadataTorrents, blobs, fileIndex, titleIndex, categoryIndex } = t;
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
  // In a bulk load, new titles' id keys wait in memory and are written in key order at the end.
  c.titleIds.deferKeys(bulk?.titleKeys ?? null);
  t.env.transactionSync(() => {
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
    bumpSetsGeneration(t);
    sets.putSync(setId, {
      ...v.set,
      previousKeys: current?.previousKeys ?? [],
      latestVersion: version,
      registeredAt: current?.registeredAt ?? now,
      updatedAt: now,
    });
    const versionNo = nextNumber(t.versionNumbers);
    t.versionNumbers.putSync(versionNo, [setId, version]);
    versions.putSync([setId, version], { ...v.record, publishedAt: now, no: versionNo, facts: facts.facts });
    if (facts.page) t.versionPages.putSync([setId, version], facts.page);
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
        no = nextNumber(t.volumeNumbers);
        t.volumeNumbers.putSync(no, vol.infoHash);
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
        const { id, created } = c.titleIds.assignSync(f.title);
        if (keep) ids.set(f.title, id);
        if (created) newTitles.push([f.title, id]);
      }
      c.wordIndex.addTitleIdsSync(newTitles, bulk ? (key) => bulk.words.add(key, EMPTY_VALUE) : undefined);
    };
    const direct: IndexSink = {
      file: (k, val) => fileIndex.putSync(k, val),
      title: (k, val) => titleIndex.putSync(k, val),
      category: (k, val) => categoryIndex.putSync(k, val),
    };
    const numbers = {
      versionNo,
      volumeNo: (ih: string) => volumeNos.get(ih) ?? volumes.get(ih)?.no ?? 0,
      categoryNo: (name: string) => categoryNo(t, name),
    };
    if (lists) {
      // A split version: one volume's files at a time (no map of a million titles), then every
      // list merged in title order into the set file rows, at the table's end (the newest version).
      for (const vol of v.volumes) {
        const files = [...lists.files(vol.infoHash)];
        assignIds(files, false);
        indexVersionFiles(files, new Map([[vol.infoHash, vol.torrent]]), numbers, bulk?.sink ?? direct);
      }
      c.setFiles.putSync(setId, version, mergeByTitle(v.volumes.map((vol) => lists.files(vol.infoHash))), { append: true });
    } else {
      assignIds(ordered, true);
      indexVersionFiles(ordered, new Map(v.volumes.map((vol) => [vol.infoHash, vol.torrent] as const)), numbers, bulk?.sink ?? direct);
      c.setFiles.putSync(setId, version, ordered, { append: true, ids });
    }
  });
}

/** The next free number of a numbering table (inside a write transaction). */
function nextNumber(table: CatalogueTables['versionNumbers'] | CatalogueTables['volumeNumbers']): number {
  for (const key of table.getKeys({ reverse: true, limit: 1 })) return (key as number) + 1;
  return 1;
}

/** A category's number, handed out on first use (inside a write transaction). */
function categoryNo(t: CatalogueTables, name: string): number {
  const known = t.categories.get(name);
  if (known !== undefined) return known;
  const no = (t.storeInfo.get('nextCategoryNo') ?? 1);
  t.storeInfo.putSync('nextCategoryNo', no + 1);
  t.categories.putSync(name, no);
  return no;
}

/**
 * Replaces a set's registered key (an operator's decision after a key loss or compromise);
 * the next version must be signed by the new key. Returns the old key.
 */
export async function rotateKey(t: CatalogueTables, setId: string, newPublicKey: string, now: number): Promise<string> {
  if (!/^[0-9a-f]{64}$/.test(newPublicKey)) {
    throw new SeedbankError('KEY_INVALID', 'the new key must be a raw ed25519 public key: 64 lower-case hex digits');
  }
  return t.sets.transaction(() => {
    const current = t.sets.get(setId);
    if (!current) {
      throw new SeedbankError('SET_NOT_FOUND', `no set "${setId}" in this catalogue`, { hint: 'a set registers its key with its first publish' });
    }
    if (current.publicKey === newPublicKey) return current.publicKey;
    bumpSetsGeneration(t);
    t.sets.putSync(setId, {
      ...current,
      publicKey: newPublicKey,
      previousKeys: [...current.previousKeys, { publicKey: current.publicKey, replacedAt: now }],
      updatedAt: now,
    });
    return current.publicKey;
  });
}
