/**
 * What a set page shows of a version beyond the store's records (recipe, source, a sample of
 * the change lists, the unportable-names note), worked out once from the manifest at publish
 * and kept in its own small table. The set page then never parses a manifest: at 1,000 files a
 * manifest is half a megabyte and its parse and validation were most of a first view's time
 * (and of its garbage), and a million-file manifest cannot be parsed per request at all.
 */
import type { Manifest, ManifestChanges, ManifestVolume } from '../../../shared/formats/manifest.ts';
import { unportableNamesView, unportableSplitView } from '../views/unportable-model.ts';

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

/** A split (/3) manifest's changes are counts, not lists: those give no titles here. */
const sample = <T>(xs: readonly T[] | number | undefined): { count: number; titles: T[] } =>
  Array.isArray(xs) ? { count: xs.length, titles: xs.slice(0, PAGE_TITLES_PER_CHANGE) } : { count: typeof xs === 'number' ? xs : 0, titles: [] };

/**
 * The page facts of a manifest (parsed, or as plain JSON checked by the publish path); fields a
 * manifest lacks are left out rather than failing the publish.
 */
export function versionPageFacts(manifest: Partial<Manifest>): VersionPageFacts {
  const c = manifest.changes as Partial<Record<keyof ManifestChanges, string[] | number>> | undefined;
  let unportable: VersionPageFacts['unportable'] = null;
  if (Array.isArray(manifest.files) && Array.isArray(manifest.volumes)) unportable = unportableNamesView(manifest as Manifest) ?? null;
  return {
    recipe: manifest.recipe ?? {},
    source: manifest.source ? { siteName: manifest.source.siteName, wiki: manifest.source.wiki, uploadBase: manifest.source.uploadBase ?? null } : null,
    changes: c ? { added: sample(c.added as string[]), removed: sample(c.removed as string[]), changed: sample(c.changed as string[]), renamed: sample(c.renamed as unknown as ManifestChanges['renamed']) } : null,
    unportable,
  };
}

/**
 * The page facts of a split (/3) version, from what its publish has at hand: the top manifest's
 * facts, the first titles of each kind of change the publish kept (counts from the summary), and
 * the unportable-names note read from the `u` volumes' lists only.
 */
export function splitPageFacts(
  top: VersionPageFacts | undefined,
  excerpt: ManifestChanges,
  counts: Record<'added' | 'removed' | 'changed' | 'renamed', number>,
  volumes: readonly ManifestVolume[],
  filesOf: (infoHash: string) => Iterable<{ title: string }>,
): VersionPageFacts {
  const titles = <T>(xs: readonly T[], count: number) => ({ count, titles: xs.slice(0, PAGE_TITLES_PER_CHANGE) });
  return {
    recipe: top?.recipe ?? {},
    source: top?.source ?? null,
    changes: {
      added: titles(excerpt.added, counts.added),
      removed: titles(excerpt.removed, counts.removed),
      changed: titles(excerpt.changed, counts.changed),
      renamed: titles(excerpt.renamed, counts.renamed),
    },
    unportable: unportableSplitView(volumes, filesOf) ?? null,
  };
}
