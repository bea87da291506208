/**
 * The commit of a split (seedbank-manifest/3) version, and the cleanup of parts folders nobody
 * uses. A commit moves the checked parts out of staging into `DATA/catalogue-parts/<manifest
 * SHA-256>/` and then stores the version; the folder is held from before the move until the
 * version is stored or refused, so a cleanup running meanwhile (another publish's) leaves it.
 * A folder no stored version names is an orphan: a publish refused after its parts moved, a
 * catalogue stopped between the move and the store, a version gone from the store. Orphans are
 * removed at start-up and after each refused commit.
 */
import type { Logger } from '../../../shared/log.ts';
import type { CatalogueStore, NewSplitVersion } from '../store/catalogue-store.ts';
import type { Staging } from './staging.ts';

/** The manifest SHA-256 of every version the store holds (the folders of live versions). */
export function liveManifests(store: CatalogueStore): Set<string> {
  const out = new Set<string>();
  for (const setId of store.setIds()) for (const v of store.getVersions(setId)) out.add(v.manifestSha256);
  return out;
}

/** Removes the parts folders no stored version and no commit in progress uses; returns how many went. */
export async function removeOrphanParts(store: CatalogueStore, logger: Logger): Promise<number> {
  const removed = await store.parts.removeOrphans(() => liveManifests(store));
  if (removed.length > 0) logger.info({ folders: removed.length, example: removed[0] }, 'removed parts folders no published version uses');
  return removed.length;
}

/**
 * Moves a checked split version's parts out of staging into the store's parts folder, then
 * stores the version (which reads its lists from there). A commit refused at that point (it lost
 * a race to another publish of the same version, or the set's key was rotated meanwhile)
 * removes the parts it moved, unless they are the winner's own (same manifest), and any other
 * orphan it finds.
 */
export async function commitSplitVersion(store: CatalogueStore, staging: Staging, v: NewSplitVersion, parts: readonly string[], logger: Logger): Promise<void> {
  const { setId, version, manifestSha256 } = v.record;
  const release = store.parts.hold(manifestSha256);
  try {
    await store.parts.adopt(manifestSha256, parts, (name) => staging.file(setId, version, name));
    store.putVersion(v);
  } catch (err) {
    release();
    await removeOrphanParts(store, logger).catch((e: unknown) => logger.warn({ err: e }, 'removing orphaned parts folders failed'));
    throw err;
  } finally {
    release();
  }
}
