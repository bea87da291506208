import type { ManifestChanges, ManifestFile } from '../../shared/formats/manifest.ts';

/** What the diff needs of a file. */
export interface DiffFile {
  title: string;
  sha1: string;
  revisionId: number;
  categories: string[];
}

/**
 * The change from the parent version, by title and SHA-1: added, removed, changed (same
 * title, new bytes), renamed (same bytes, new title, old title gone), and pages updated
 * (same bytes, new description page revision).
 */
export function diffVersions(parent: ManifestFile[] | null, next: Iterable<DiffFile>): ManifestChanges {
  const changes: ManifestChanges = { added: [], removed: [], changed: [], renamed: [], pagesUpdated: [] };
  if (parent === null) {
    // A first version: everything is added, and no title map of a million files is needed to say so.
    changes.added = Array.from(next, (f) => f.title).sort();
    return changes;
  }
  const before = new Map((parent ?? []).map((f) => [f.title, f]));
  const after = new Map(Array.from(next, (f) => [f.title, f]));
  // Old titles that left the set, by their bytes: candidates for a rename.
  const goneBySha1 = new Map<string, string[]>();
  for (const f of parent ?? []) {
    if (after.has(f.title)) continue;
    const list = goneBySha1.get(f.sha1) ?? [];
    list.push(f.title);
    goneBySha1.set(f.sha1, list);
  }
  const renamedFrom = new Set<string>();
  for (const f of next) {
    const old = before.get(f.title);
    if (old) {
      if (old.sha1 !== f.sha1) changes.changed.push(f.title);
      else if (old.revisionId !== f.revisionId || old.categories.join('\n') !== f.categories.join('\n')) changes.pagesUpdated.push(f.title);
      continue;
    }
    const candidates = goneBySha1.get(f.sha1);
    const from = candidates?.shift();
    if (parent && from !== undefined) {
      changes.renamed.push({ from, to: f.title });
      renamedFrom.add(from);
    } else {
      changes.added.push(f.title);
    }
  }
  for (const f of parent ?? []) if (!after.has(f.title) && !renamedFrom.has(f.title)) changes.removed.push(f.title);
  for (const list of [changes.added, changes.removed, changes.changed, changes.pagesUpdated]) list.sort();
  changes.renamed.sort((a, b) => (a.to < b.to ? -1 : 1));
  return changes;
}

/** True when a diff holds nothing a new version would record. */
export function isEmptyDiff(c: ManifestChanges): boolean {
  return c.added.length + c.removed.length + c.changed.length + c.renamed.length + c.pagesUpdated.length === 0;
}
