import type { ManifestChanges } from '../../shared/formats/manifest.ts';
import { IndexedFiles, type FileList } from './listing/file-table.ts';

/** What the diff needs of a file. */
export interface DiffFile {
  title: string;
  sha1: string;
  revisionId: number;
  categories: string[];
}

/** The next version's files as the diff reads them: by position, with a title lookup. */
interface NextFiles {
  length: number;
  titleAt(i: number): string;
  at(i: number): DiffFile;
}

/**
 * The change from the parent version, by title and SHA-1: added, removed, changed (same
 * title, new bytes), renamed (same bytes, new title, old title gone), and pages updated
 * (same bytes, new description page revision).
 */
export function diffVersions(parent: Iterable<DiffFile> | null, next: FileList | DiffFile[]): ManifestChanges {
  if (parent === null) return firstVersion(next);
  const diff = new ParentDiff(nextFiles(next));
  for (const p of parent) diff.add(p);
  return diff.finish();
}

/**
 * {@link diffVersions} with the parent's records streamed (a split parent list by list): only
 * the titles and SHA-1s of the parent's files that left the set are kept, never its records.
 */
export async function diffAgainstParent(parent: AsyncIterable<DiffFile> | null, next: FileList | DiffFile[]): Promise<ManifestChanges> {
  if (parent === null) return firstVersion(next);
  const diff = new ParentDiff(nextFiles(next));
  for await (const p of parent) diff.add(p);
  return diff.finish();
}

/** A first version: everything is added, and no title map of a million files is needed to say so. */
function firstVersion(next: FileList | DiffFile[]): ManifestChanges {
  // From a table, the titles alone: making each record to read its title was ~1 KB of garbage a file.
  const added = next instanceof IndexedFiles ? Array.from({ length: next.length }, (_, i) => next.titleAt(i)) : Array.from(next as Iterable<DiffFile>, (f) => f.title);
  return { added: added.sort(), removed: [], changed: [], renamed: [], pagesUpdated: [] };
}

function nextFiles(next: FileList | DiffFile[]): NextFiles {
  if (next instanceof IndexedFiles) return { length: next.length, titleAt: (i) => next.titleAt(i), at: (i) => next.at(i)! };
  const list = [...(next as Iterable<DiffFile>)];
  return { length: list.length, titleAt: (i) => list[i]!.title, at: (i) => list[i]! };
}

/** The diff, fed the parent's records one at a time, against the next files looked up by title. */
class ParentDiff {
  private readonly changes: ManifestChanges = { added: [], removed: [], changed: [], renamed: [], pagesUpdated: [] };
  /** Next files the parent also had (by title). */
  private readonly matched: Uint8Array;
  /** Parent files whose title left the set, in the parent's order: removed, or renamed. */
  private readonly gone: Array<{ title: string; sha1: string }> = [];
  private readonly find: (title: string) => number;

  constructor(private readonly next: NextFiles) {
    this.matched = new Uint8Array(next.length);
    this.find = titleLookup(next);
  }

  add(old: DiffFile): void {
    const j = this.find(old.title);
    if (j < 0) {
      this.gone.push({ title: old.title, sha1: old.sha1 });
      return;
    }
    this.matched[j] = 1;
    const f = this.next.at(j);
    if (old.sha1 !== f.sha1) this.changes.changed.push(f.title);
    else if (old.revisionId !== f.revisionId || old.categories.join('\n') !== f.categories.join('\n')) this.changes.pagesUpdated.push(f.title);
  }

  finish(): ManifestChanges {
    const changes = this.changes;
    // Old titles that left the set, by their bytes: candidates for a rename.
    const goneBySha1 = new Map<string, string[]>();
    for (const g of this.gone) {
      const list = goneBySha1.get(g.sha1) ?? [];
      list.push(g.title);
      goneBySha1.set(g.sha1, list);
    }
    const renamedFrom = new Set<string>();
    for (let j = 0; j < this.next.length; j++) {
      if (this.matched[j] === 1) continue;
      const f = this.next.at(j);
      const from = goneBySha1.get(f.sha1)?.shift();
      if (from !== undefined) {
        changes.renamed.push({ from, to: f.title });
        renamedFrom.add(from);
      } else {
        changes.added.push(f.title);
      }
    }
    for (const g of this.gone) if (!renamedFrom.has(g.title)) changes.removed.push(g.title);
    for (const list of [changes.added, changes.removed, changes.changed, changes.pagesUpdated]) list.sort();
    changes.renamed.sort((a, b) => (a.to < b.to ? -1 : 1));
    return changes;
  }
}

/** Position of a title among the next files: a binary search when they are in title order (as listings hand them over), else a map. */
function titleLookup(next: NextFiles): (title: string) => number {
  let sorted = true;
  for (let i = 1; i < next.length && sorted; i++) sorted = next.titleAt(i - 1) < next.titleAt(i);
  if (!sorted) {
    const at = new Map<string, number>();
    for (let i = 0; i < next.length; i++) at.set(next.titleAt(i), i);
    return (title) => at.get(title) ?? -1;
  }
  return (title) => {
    let lo = 0;
    let hi = next.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = next.titleAt(mid);
      if (t === title) return mid;
      if (t < title) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
}

/** True when a diff holds nothing a new version would record. */
export function isEmptyDiff(c: ManifestChanges): boolean {
  return c.added.length + c.removed.length + c.changed.length + c.renamed.length + c.pagesUpdated.length === 0;
}
