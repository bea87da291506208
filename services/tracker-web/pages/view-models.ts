// The typed data each catalogue page needs. The pages are pure functions of these models, so
// the server fills them from the store and the tests fill them from fixtures. Conventions:
// dates are UTC ISO 8601 strings, sizes are bytes, counts are plain integers, and every
// string may come from a user (a recipe, a wiki title) and is escaped by the pages.

/** A UTC ISO 8601 timestamp such as `2025-03-01T12:00:00Z`. */
export type IsoDate = string;

/** Copy counts over a set's files: the least-copied file and the median file. */
export interface CopyStats {
  /** Fewest distinct hosts holding any one file of the set (0 when a file has no copy). */
  min: number;
  /** Median distinct hosts per file. */
  median: number;
}

/** Network-wide totals shown at the top of the home page. */
export interface NetworkTotals {
  sets: number;
  files: number;
  bytes: number;
  /** Bytes of the files whose copy count is below their set's copy target. */
  bytesUnderTarget: number;
  /** Space the seeders seen recently offer (their quotas, capped at what each holds plus its free disk). */
  offeredBytes: number;
  /** What those seeders already hold (part of `offeredBytes`). */
  usedBytes: number;
  /** Bytes still to store to bring every volume to its copy target: per volume, size × missing copies. */
  neededBytes: number;
  /** Seeders whose space counts: their last report came within three of their poll intervals. */
  reportingSeeders: number;
  /** Distinct hosts seeding anything right now. */
  seedersNow: number;
}

/** One set as a row of the home page table. */
export interface SetSummary {
  id: string;
  title: string;
  tags: string[];
  /** A human label for the recipe's region ("Paris, 20 km"), null when the set has none. */
  regionLabel: string | null;
  bytes: number;
  files: number;
  /** The newest version, null before the first build is published. */
  latestVersion: { n: number; builtAt: IsoDate } | null;
  seedersNow: number;
  copies: CopyStats;
  copyTarget: number;
  /** Risk score from 0 (safe) to 1 (files with no copy at all); see `riskLevel` in format.ts. */
  risk: number;
}

/** Orders the home page table accepts; `risk` (most at risk first) is the default. */
export const HOME_SORTS = ['risk', 'title', 'size', 'updated', 'seeders'] as const;
export type HomeSort = (typeof HOME_SORTS)[number];

/** The home page's search and filters, as read from the query string (`?q=&tag=&region=&sort=`). */
export interface HomeQuery {
  /** Free text matched against titles, ids and tags; '' when none. */
  q: string;
  tag: string | null;
  /** A region filter value, one of `HomePageModel.regions[].value`. */
  region: string | null;
  sort: HomeSort;
  /** 1-based page of the sets table (HOME_SETS_PER_PAGE sets a page); absent: the first. */
  page?: number;
}

/** One restore drill: a random sample restored from peers only. */
export interface DrillSummary {
  at: IsoDate;
  setId: string;
  setTitle: string;
  version: number;
  ok: boolean;
  filesChecked: number;
  filesOk: number;
  bytes: number;
  /** Restore speed, bytes per second; null when the drill did not finish. */
  bytesPerSecond: number | null;
  /** What went wrong, null when it succeeded. */
  error: string | null;
}

/** Everything the home page shows. */
export interface HomePageModel {
  /** The time the page describes, so relative times ("3 min ago") are testable. */
  now: IsoDate;
  totals: NetworkTotals;
  /** The sets matching `query` on the page asked for, already filtered and sorted by the server. */
  sets: SetSummary[];
  /** How many sets match `query` over every page, and which page this is. */
  paging?: { matching: number; page: number; pages: number; perPage: number };
  query: HomeQuery;
  /** Tags for the filter control, with how many sets carry each. */
  tags: Array<{ tag: string; sets: number }>;
  /** Regions for the filter control. */
  regions: Array<{ value: string; label: string }>;
  /** The latest drills, newest first; may be empty. */
  drills: DrillSummary[];
  /** What the copies columns count (default 'any': audited hosts). */
  copiesMode?: 'any' | 'approved';
}

/** A list of titles in a version's change, truncated for the page: `count` is the full size. */
export interface TitleList {
  count: number;
  /** Up to a page-sized sample of the titles; fewer than `count` when truncated. */
  titles: string[];
}

/** The change from a version's parent. */
export interface VersionChanges {
  added: TitleList;
  removed: TitleList;
  changed: TitleList;
  renamed: { count: number; titles: Array<{ from: string; to: string }> };
}

/** One immutable version of a set. */
export interface VersionView {
  n: number;
  builtAt: IsoDate;
  files: number;
  bytes: number;
  /** Null for version 1, which has no parent. */
  changes: VersionChanges | null;
}

/** One volume torrent of a version. */
export interface VolumeView {
  /** 40 hex digits (v1 info hash). */
  infoHash: string;
  bytes: number;
  files: number;
  /** `magnet:?xt=urn:btih:...` with trackers and web seeds; see `magnetUri` in urls.ts. */
  magnetUri: string;
  /** Where the `.torrent` file is served. */
  torrentUrl: string;
  seedersNow: number;
  /** Distinct hosts holding every piece of the volume. */
  copiesNow: number;
}

/**
 * Files whose stored names stock clients or case-insensitive disks rewrite (see
 * shared/formats/portable-name.ts), so no client seeds them in place from a Commons tree.
 */
export interface UnportableNamesView {
  files: number;
  /** True when they sit in volumes of their own (manifest /2), false in a /1 version that mixes them in. */
  keptApart: boolean;
  /** The volumes holding them, with how many of them each holds. */
  volumes: Array<{ infoHash: string; files: number }>;
  /** A few of their titles. */
  examples: string[];
}

/** Everything the set page shows. */
export interface SetPageModel {
  now: IsoDate;
  set: SetSummary & { description: string };
  /** The recipe as its author wrote it, plus a few key fields for a definition list. */
  recipe: { format: 'yaml' | 'json'; text: string; summary: Array<{ term: string; detail: string }> };
  /** A mosaic of thumbnails of the latest version, null when none was made. */
  previewMosaicUrl: string | null;
  /** Newest first. */
  versions: VersionView[];
  /** The volumes of `volumesVersion` (normally the latest). */
  volumesVersion: number | null;
  volumes: VolumeView[];
  /** Seeders of the set over time, oldest first, for the plot. */
  seedersOverTime: Array<{ at: IsoDate; seeders: number }>;
  /** Copies per file: how many files have exactly `copies` copies. Missing counts mean 0 files. */
  copiesHistogram: Array<{ copies: number; files: number }>;
  /**
   * What the headline copies count (`copiesMode`), and the least copies of any file as the other
   * mode counts them; absent before the census has figures.
   */
  copiesModes?: { mode: 'any' | 'approved'; otherMin: number };
  /** The latest version's files with unportable names; absent when it has none. */
  unportableNames?: UnportableNamesView;
  feeds: { rssUrl: string; atomUrl: string; jsonUrl: string };
  /** One page of the latest version's files; absent in models made without a store. */
  files?: SetFilesSection;
  /** What to copy to host or restore the set; absent in models made without a store. */
  actions?: SetActions;
}

/** One file in the set page's list. */
export interface SetFileView {
  title: string;
  sha1: string;
  bytes: number;
  /** Copies inside this set's volumes (the file page adds other sets holding the same bytes). */
  copies: number;
  license: string | null;
  /** Upload timestamp on the wiki, '' when unknown. */
  uploaded: IsoDate;
}

/** What the file list was asked for (`?q=&under=1&page=`). */
export interface SetFilesQuery {
  /** Title contains this, case-insensitive; '' for all. */
  q: string;
  /** Only files under the copy target. */
  under: boolean;
  /** 1-based. */
  page: number;
}

/** The set page's file list: a page of the latest version's files, maybe filtered. */
export interface SetFilesSection {
  version: number;
  query: SetFilesQuery;
  perPage: number;
  /** Files in the version. */
  files: number;
  /** Files matching the query (among those scanned, see `scan`). */
  matching: number;
  /** Pages of matching files (at least 1). */
  pages: number;
  rows: SetFileView[];
  /** Set when a search stopped at its scan cap: only the first `titles` (in title order) were searched. */
  scan: { titles: number; complete: boolean };
  /** The page asked for is past the last one. */
  outOfRange: boolean;
  /** Files under the copy target, as the copies figures count them. */
  filesUnderTarget: number;
  /** Files and bytes per licence, most files first; null is "no licence stated". */
  licences: Array<{ licence: string | null; files: number; bytes: number }>;
}

/** Exact commands and URLs to host or restore a set. */
export interface SetActions {
  seedCommand: string;
  restoreCommand: string;
  /** The RSS feed a stock client's RSS downloader follows (qBittorrent, Transmission with a script, ...). */
  rssUrl: string;
  /** Every volume's magnet link and .torrent URL, one volume per line. */
  volumesListUrl: string;
  /** The quota the seed command suggests, in bytes (the set's size with room for new versions). */
  quotaBytes: number;
}

/** A network (/24 for IPv4, /48 for IPv6) holding a file. */
export interface NetworkHolding {
  /** The prefix, e.g. `192.0.2.0/24`. */
  network: string;
  hosts: number;
  lastSeen: IsoDate;
}

/** A set version that contains a file. */
export interface FileOccurrence {
  setId: string;
  setTitle: string;
  version: number;
  /** The file's path in the Commons layout, e.g. `a/ab/File.jpg`. */
  path: string;
  copyTarget: number;
}

/** One file with its copy counts. */
export interface FileView {
  title: string;
  sha1: string;
  bytes: number;
  mime: string;
  /** The headline: distinct approved operators or distinct holders (`copiesMode`), across every set and version. */
  copies: number;
  copiesMode: 'any' | 'approved';
  /** Distinct approved operators holding the file. */
  approvedCopies: number;
  /** Distinct holders, each address and each operator key counted once. */
  anyCopies: number;
  /** Holders that add no copy: they proved the key of a holder already counted (relays, second addresses). */
  notIndependent: string[];
  /** Holders that proved no operator key. */
  unproven: string[];
  /** Distinct networks among those hosts. */
  networksCount: number;
  networks: NetworkHolding[];
  containedIn: FileOccurrence[];
  /** The file's description page on its wiki, null when unknown. */
  descriptionUrl: string | null;
  /** Licence, author and upload date from the manifest; absent in models made without a store. */
  facts?: { license: string | null; author: string | null; uploaded: IsoDate };
  /** The image shown, on the source wiki: a small image itself or the wiki's thumbnail (nothing is stored here); null when there is none. */
  thumbnailUrl?: string | null;
}

/** A short row for a search that matched several files. */
export interface FileMatch {
  title: string;
  sha1: string;
  bytes: number;
  copies: number;
}

/** One file a word search found: its title, the sets holding it, how many contents the title has had. */
export interface FileSearchHit {
  title: string;
  sets: Array<{ id: string; title: string }>;
  contents: number;
}

/** One page of a word search over file titles (`/files?q=eiffel tow`). */
export interface FileSearchView {
  /** The folded word beginnings every hit has. */
  words: string[];
  hits: FileSearchHit[];
  /** Link target of the next page (`/files?q=…&after=…`), null on the last. */
  nextPath: string | null;
  /** The page stopped at the bound on index entries read before it was full. */
  capped: boolean;
  scanned: number;
  /** False while an older catalogue's titles are still being indexed. */
  indexComplete: boolean;
}

/** The file page: lookup by title or SHA-1, else a search by the beginnings of title words (`/files?q=`). */
export type FilePageModel =
  | { kind: 'found'; now: IsoDate; query: string; file: FileView }
  | { kind: 'matches'; now: IsoDate; query: string; matches: FileMatch[] }
  | { kind: 'search'; now: IsoDate; query: string; search: FileSearchView }
  | { kind: 'not-found'; now: IsoDate; query: string; note?: string };

/** A page that does not exist. */
export interface NotFoundModel {
  /** The path that was asked for, shown back to the reader. */
  path: string;
  /** What kind of thing was missing ("set", "page"), for the sentence. */
  what?: string;
}
