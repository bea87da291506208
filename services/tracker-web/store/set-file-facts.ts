/**
 * What the catalogue knows of one file of a set version beyond where its bytes sit (media type,
 * licence, author, upload date), the figures of a whole version, and the orders the set page
 * lists them in. The binary rows that store them are set-files.ts.
 */
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
  return sortLicences(by.values());
}

/** Most files first, then by name: the order the set page lists licences in. */
export function sortLicences(counts: Iterable<LicenceCount>): LicenceCount[] {
  return [...counts].sort((a, b) => b.files - a.files || String(a.licence).localeCompare(String(b.licence)));
}

/** The files in the order the list shows them: by title (UTF-16 code units, as JavaScript compares). */
export function inTitleOrder<T extends { title: string }>(files: readonly T[]): T[] {
  return [...files].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
}
