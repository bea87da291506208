/**
 * The files of each set version, by title, in LMDB: what the set page pages through and
 * searches, and the licence, author and upload date the file page shows. A page reads at most
 * a page of records (or a bounded run of keys when searching), never the whole manifest, so a
 * million-file set costs the same per request as a small one. Written with each publish; a
 * version published before this table existed is indexed from its manifest on first read.
 */
import type { Database, RootDatabase } from 'lmdb';
import type { Manifest } from '../../../shared/formats/manifest.ts';
import { prefixRange } from './open-lmdb.ts';
import type { FileLocation } from './records.ts';

/** What a publish knows of a file beyond where its bytes sit (from the manifest). */
export interface FileFacts {
  mime: string;
  license: string | null;
  author: string | null;
  /** The upload timestamp the wiki reported (ISO 8601). */
  uploaded: string;
}

/** One file of one set version, as the set page lists it. */
export interface SetFileRow extends FileFacts {
  /** "File:Name.jpg" */
  title: string;
  sha1: string;
  /** Commons layout path, "a/ab/Name.jpg". */
  path: string;
  size: number;
  /** Info hash of the volume holding it. */
  volume: string;
}

/** Files and bytes under one licence (null: the page states none). */
export interface LicenceCount {
  licence: string | null;
  files: number;
  bytes: number;
}

/** Figures of a whole version, computed once when it is indexed. */
export interface SetVersionFacts {
  files: number;
  /** Most files first. */
  licences: LicenceCount[];
}

/** The result of a title search inside one version. */
export interface SetFileSearch {
  /** The requested slice of the matches, in title order. */
  rows: SetFileRow[];
  /** Matches among the titles scanned. */
  matches: number;
  /** Titles scanned (all of them unless `complete` is false). */
  scanned: number;
  /** False when the scan stopped at its cap before the end of the list. */
  complete: boolean;
}

/** A row as stored: a tuple, about half the bytes and write time of an object with its field names. */
type StoredRow = [sha1: string, path: string, size: number, volume: string, mime: string, license: string | null, author: string | null, uploaded: string];
export type SetFilesTable = Database<StoredRow, [string, number, string]>;
/** [setId, version, position in title order] → title: a page is a range read however deep it is. */
export type SetOrderTable = Database<string, [string, number, number]>;
export type SetFactsTable = Database<SetVersionFacts, [string, number]>;

function rowOf(title: string, v: StoredRow): SetFileRow {
  const [sha1, path, size, volume, mime, license, author, uploaded] = v;
  return { title, sha1, path, size, volume, mime, license, author, uploaded };
}

/** A file as a publish hands it over: location plus, from current publishers, its facts. */
export type PublishedFile = FileLocation & Partial<FileFacts>;

/** Licence figures of a list of files, most files first. */
export function licenceCounts(files: Iterable<{ license?: string | null; size: number }>): LicenceCount[] {
  const by = new Map<string | null, LicenceCount>();
  for (const f of files) {
    const licence = f.license ?? null;
    const c = by.get(licence) ?? { licence, files: 0, bytes: 0 };
    c.files++;
    c.bytes += f.size;
    by.set(licence, c);
  }
  return [...by.values()].sort((a, b) => b.files - a.files || String(a.licence).localeCompare(String(b.licence)));
}

/** The files in the order the list shows them: by title (UTF-16 code units, as JavaScript compares). */
export function inTitleOrder<T extends { title: string }>(files: readonly T[]): T[] {
  return [...files].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
}

/**
 * Writes one version's files (already in title order: see inTitleOrder) and figures; call
 * inside the publish transaction so a version is never visible without its file list.
 */
export function putSetFilesSync(t: SetFileTables, setId: string, version: number, ordered: Iterable<PublishedFile>): void {
  // One pass over an iterable: a split version's files stream from its lists, never one array.
  let i = 0;
  function* written(): Generator<PublishedFile> {
    for (const f of ordered) {
      t.files.putSync([setId, version, f.title], [f.sha1, f.path, f.size, f.volume, f.mime ?? '', f.license ?? null, f.author ?? null, f.uploaded ?? '']);
      t.order.putSync([setId, version, i], f.title);
      i++;
      yield f;
    }
  }
  const licences = licenceCounts(written());
  t.facts.putSync([setId, version], { files: i, licences });
}

/** The tables of the per-version file lists. */
export interface SetFileTables {
  files: SetFilesTable;
  order: SetOrderTable;
  facts: SetFactsTable;
}

/** Reads the per-version file lists; see the module comment. */
export class SetFileIndex {
  constructor(
    private readonly env: RootDatabase,
    private readonly t: SetFileTables,
    /** The manifest of a version, for versions published before this index existed. */
    private readonly manifestOf: (setId: string, version: number) => Manifest | undefined,
  ) {}

  /** The version's figures (indexing it first if it predates the index), or undefined for an unknown version. */
  versionFacts(setId: string, version: number): SetVersionFacts | undefined {
    const known = this.t.facts.get([setId, version]);
    if (known) return known;
    const manifest = this.manifestOf(setId, version);
    if (!manifest) return undefined;
    const list: PublishedFile[] = manifest.files.map((f) => ({
      sha1: f.sha1, setId, version, title: f.title, path: f.path, size: f.size, volume: f.volume,
      mime: f.mime, license: f.license, author: f.author, uploaded: f.uploadTimestamp,
    }));
    // Once per old version, in one transaction; every later read is a range read.
    const ordered = inTitleOrder(list);
    this.env.transactionSync(() => putSetFilesSync(this.t, setId, version, ordered));
    return this.t.facts.get([setId, version]);
  }

  /** `limit` files from position `offset`, in title order: two range reads of `limit` entries, however deep. */
  page(setId: string, version: number, offset: number, limit: number): SetFileRow[] {
    if (!this.versionFacts(setId, version)) return [];
    const titles = [...this.t.order.getRange({ start: [setId, version, offset], end: [setId, version, offset + limit] })].map((e) => e.value);
    return titles.flatMap((title) => this.get(setId, version, title) ?? []);
  }

  /** One file of a version by exact title. */
  get(setId: string, version: number, title: string): SetFileRow | undefined {
    if (!this.versionFacts(setId, version)) return undefined;
    const value = this.t.files.get([setId, version, title]);
    return value ? rowOf(title, value) : undefined;
  }

  /**
   * Titles containing `needle` (case-insensitive, `_` as a space), scanning at most
   * `scanCap` titles in order: the work per request is bounded whatever the set's size.
   */
  search(setId: string, version: number, needle: string, o: { offset: number; limit: number; scanCap: number }): SetFileSearch {
    if (!this.versionFacts(setId, version)) return { rows: [], matches: 0, scanned: 0, complete: true };
    const wanted = needle.replace(/_/g, ' ').toLowerCase();
    const titles: string[] = [];
    let matches = 0;
    let scanned = 0;
    let complete = true;
    for (const key of this.t.files.getKeys({ ...prefixRange([setId, version]), limit: o.scanCap + 1 })) {
      if (scanned === o.scanCap) {
        complete = false;
        break;
      }
      scanned++;
      const title = key[2];
      if (!title.toLowerCase().includes(wanted)) continue;
      if (matches >= o.offset && titles.length < o.limit) titles.push(title);
      matches++;
    }
    const rows = titles.flatMap((title) => this.get(setId, version, title) ?? []);
    return { rows, matches, scanned, complete };
  }
}
