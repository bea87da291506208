/**
 * What a set page shows of a version beyond the store's records (recipe, source, a sample of
 * the change lists, the unportable-names note), worked out once from the manifest at publish
 * and kept in its own small table. The set page then never parses a manifest: at 1,000 files a
 * manifest is half a megabyte and its parse and validation were most of a first view's time
 * (and of its garbage), and a million-file manifest cannot be parsed per request at all.
 */
import type { Manifest } from '../../../shared/formats/manifest.ts';
import { unportableNamesView } from '../views/unportable-model.ts';

/** Titles kept per kind of change; the count says how many there are. */
export const PAGE_TITLES_PER_CHANGE = 50;

/** A count and the first titles of one kind of change. */
export interface StoredTitleList {
  count: number;
  titles: string[];
}

/** The set page's facts of one version (see the module comment). */
export interface VersionPageFacts {
  /** The recipe the builder used, as the manifest records it. */
  recipe: Record<string, unknown>;
  source: { siteName: string; wiki: string; uploadBase: string | null } | null;
  /** Null when the manifest carries no change lists. */
  changes: {
    added: StoredTitleList;
    removed: StoredTitleList;
    changed: StoredTitleList;
    renamed: { count: number; titles: Array<{ from: string; to: string }> };
  } | null;
  /** The unportable-names note, null when the version has no such file. */
  unportable: { files: number; keptApart: boolean; volumes: Array<{ infoHash: string; files: number }>; examples: string[] } | null;
}

const sample = <T>(xs: readonly T[] | undefined): { count: number; titles: T[] } => ({ count: xs?.length ?? 0, titles: (xs ?? []).slice(0, PAGE_TITLES_PER_CHANGE) });

/**
 * The page facts of a manifest (parsed, or as plain JSON checked by the publish path); fields a
 * manifest lacks are left out rather than failing the publish.
 */
export function versionPageFacts(manifest: Partial<Manifest>): VersionPageFacts {
  const c = manifest.changes;
  let unportable: VersionPageFacts['unportable'] = null;
  if (Array.isArray(manifest.files) && Array.isArray(manifest.volumes)) unportable = unportableNamesView(manifest as Manifest) ?? null;
  return {
    recipe: manifest.recipe ?? {},
    source: manifest.source ? { siteName: manifest.source.siteName, wiki: manifest.source.wiki, uploadBase: manifest.source.uploadBase ?? null } : null,
    changes: c ? { added: sample(c.added), removed: sample(c.removed), changed: sample(c.changed), renamed: sample(c.renamed) } : null,
    unportable,
  };
}
