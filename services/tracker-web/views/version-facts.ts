import { regionLabel } from './region-label.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { detachedString } from '../../../shared/detached-string.ts';

/** What pages need from a version's manifest beyond the store's records; tiny, and versions never change. */
export interface VersionFacts {
  regionLabel: string | null;
  articleUrl: string | null;
  uploadBase: string | null;
}

/** Versions whose facts are remembered; each entry is a few short strings. */
const MAX_CACHED_VERSIONS = 100_000;
const cache = new WeakMap<CatalogueStore, Map<string, VersionFacts>>();

/**
 * The facts of a version, read from its manifest once and remembered: a page listing 1,000
 * sets must not parse 1,000 manifests (half a megabyte each) on every request.
 */
export function versionFacts(store: CatalogueStore, setId: string, version: number): VersionFacts {
  let perStore = cache.get(store);
  if (!perStore) cache.set(store, (perStore = new Map()));
  const key = `${setId}@${version}`;
  const hit = perStore.get(key);
  if (hit) return hit;
  // Versions published by this code carry their facts; older ones are read from the manifest once.
  // Either way they are kept: decoding the whole version record per call was most of the home
  // page's per-set cost and a tenth of a copy lookup's.
  const recorded = store.getVersion(setId, version)?.facts;
  const manifest = recorded ? undefined : store.versionManifest(setId, version)?.head;
  const found = recorded ?? {
    regionLabel: regionLabel(manifest?.recipe),
    articleUrl: manifest?.source.articleUrl ?? null,
    uploadBase: manifest?.source.uploadBase ?? null,
  };
  // Flat copies: the decoded record's strings are slices of its whole text (record-cache.ts), 1.2 KB a set kept for three short strings.
  const flat = (v: string | null) => (v === null ? null : detachedString(v));
  const facts: VersionFacts = { regionLabel: flat(found.regionLabel), articleUrl: flat(found.articleUrl), uploadBase: flat(found.uploadBase) };
  // A version not (yet) in the store is not remembered: it may be published a moment later.
  if (!recorded && !manifest) return facts;
  if (perStore.size >= MAX_CACHED_VERSIONS) perStore.delete(perStore.keys().next().value!);
  perStore.set(key, facts);
  return facts;
}
