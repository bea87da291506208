/**
 * What a publish hands the catalogue store (`putVersion`): a whole-manifest version with every
 * file, or a split version read volume by volume from its parts folder; and the few manifest
 * facts the store keeps from one parse at publish.
 */
import type { Manifest, ManifestChanges, ManifestFile } from '../../../shared/formats/manifest.ts';
import { regionLabel } from '../views/region-label.ts';
import type { PublishedFile } from './set-files.ts';
import { PAGE_TITLES_PER_CHANGE, versionPageFacts, type VersionPageFacts } from './version-page.ts';
import type { SetRecord, VersionRecord, VolumeRecord } from './records.ts';

/** Titles a split version's publish keeps of each kind of change: what the set page shows. */
export const CHANGES_EXCERPT_TITLES = PAGE_TITLES_PER_CHANGE;

/**
 * The files of a split version, read volume by volume from its parts folder (adopted with
 * `store.parts.adopt` before putVersion), so a million-file version is never one array.
 */
export interface VolumeFileLists {
  /** One volume's files, in title order (each volume's list is read when asked, as often as asked). */
  files(infoHash: string): Iterable<PublishedFile>;
}

/** What every publish writes, checked by the publish path before it gets here. */
interface NewVersionCommon {
  set: Pick<SetRecord, 'id' | 'title' | 'description' | 'tags' | 'publicKey' | 'copyTarget'>;
  record: VersionRecord;
  manifestText: string;
  signatureText: string;
  metadataTorrent: Uint8Array;
  volumes: Array<Omit<VolumeRecord, 'setId' | 'versions'> & { torrent: Uint8Array }>;
}

/** A whole-manifest (/1, /2) version: its pages archive and every file. */
export interface NewVersion extends NewVersionCommon {
  pagesGz: Uint8Array;
  /** With their facts (licence, author, upload date) from current publishers, in any order. */
  files: PublishedFile[];
}

/** A split (/3) version: its parts already in `store.parts` (adopted by the publish path), its files read from them. */
export interface NewSplitVersion extends NewVersionCommon {
  lists: VolumeFileLists;
  /** The first titles of each kind of change ({@link CHANGES_EXCERPT_TITLES}), for the set page. */
  changesExcerpt: ManifestChanges;
}

/** The facts a split list's record gives the store, as a publish hands them over. */
export function publishedFileOf(setId: string, version: number, f: ManifestFile): PublishedFile {
  return {
    sha1: f.sha1, setId, version, title: f.title, path: f.path, size: f.size, volume: f.volume, categories: f.categories,
    mime: f.mime, license: f.license, author: f.author, uploaded: f.uploadTimestamp,
  };
}

/**
 * The few manifest facts list pages show (region, links) and the set page's own (version-page.ts),
 * from one parse at publish, so no page parses a manifest per request.
 */
export function manifestFacts(text: string): { facts: VersionRecord['facts']; page: VersionPageFacts | undefined } {
  try {
    const m = JSON.parse(text) as Partial<Manifest>;
    return { facts: { regionLabel: regionLabel(m.recipe), articleUrl: m.source?.articleUrl ?? null, uploadBase: m.source?.uploadBase ?? null }, page: versionPageFacts(m) };
  } catch {
    return { facts: undefined, page: undefined };
  }
}
