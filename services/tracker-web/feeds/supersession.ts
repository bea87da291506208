/**
 * Which volumes of a set's previous version a new version supersedes, and which of those
 * conflict on disk. Every volume torrent is named `commons`, so a stock client (qBittorrent,
 * Transmission) puts every version's volumes in one tree: a path both versions hold with
 * different bytes (a re-upload) is written with the new bytes, and the old volume goes on
 * claiming pieces it no longer has. The catalogue says so in its feeds and JSON, so operators
 * remove superseded volumes (keeping the files), and the census audits exactly those pieces of
 * a host that claims both (census/double-claims.ts).
 *
 * Computed from the two versions once per version (versions are immutable) and kept: every
 * census round asks for each set's latest version, and a bounded cache smaller than the number
 * of sets would parse two manifests per set per round. What is kept grows with versions and
 * their superseded volumes (at most MAX_CONFLICTS_LISTED paths each), never with a set's files;
 * the computation reads only the superseded volumes' files and looks each up in the new
 * version's file list by title, so a split (/3) version is never read whole either.
 */
import type { CatalogueStore } from '../store/catalogue-store.ts';

/** Conflicting paths listed per superseded volume; `conflictCount` says how many there are in all. */
export const MAX_CONFLICTS_LISTED = 1_000;

/** The part of a manifest the computation reads (any manifest format that has these fields). */
export interface SupersessionInput {
  files: ReadonlyArray<{ path: string; sha1: string; volume: string }>;
  volumes: ReadonlyArray<{ infoHash: string; prefix: string }>;
}

/** A path two volumes hold with different bytes. */
export interface PathConflict {
  /** Commons layout path inside the volumes, "a/ab/Name.jpg". */
  path: string;
  /** SHA-1 (hex) of the old volume's file. */
  oldSha1: string;
  /** SHA-1 (hex) of the new version's file at the same path. */
  newSha1: string;
  /** The new version's volume holding the new bytes. */
  volume: string;
}

/** A volume of the previous version that the new version no longer lists. */
export interface SupersededVolume {
  infoHash: string;
  prefix: string;
  /** The new version's volumes that took over its files (same or nested prefix bits, or shared paths); empty when its files left the set. */
  supersededBy: string[];
  /** Paths it shares with the new version with different SHA-1 (at most MAX_CONFLICTS_LISTED). */
  conflicts: PathConflict[];
  /** How many such paths there are in all. */
  conflictCount: number;
}

/** What one version supersedes of its parent. */
export interface Supersession {
  setId: string;
  version: number;
  /** The version it replaces, null for a first version. */
  previousVersion: number | null;
  /** Volumes of the previous version that this one does not list, in the previous manifest's order. */
  volumes: SupersededVolume[];
}

const prefixRelated = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

/** The previous version's side: its volumes, and the files of one volume read when asked. */
export interface PreviousSide {
  volumes: ReadonlyArray<{ infoHash: string; prefix: string }>;
  filesOf(infoHash: string): Iterable<{ title?: string; path: string; sha1: string; volume: string }>;
}

/** The next version's side: its volumes, and what it holds at a path (the file of that title, when titles are known). */
export interface NextSide {
  volumes: ReadonlyArray<{ infoHash: string; prefix: string }>;
  at(file: { title?: string; path: string }): { sha1: string; volume: string } | undefined;
}

/** The previous version's volumes the next version no longer lists, with their replacements and on-disk conflicts. */
export function supersededVolumes(previous: SupersessionInput, next: SupersessionInput, maxListed = MAX_CONFLICTS_LISTED): SupersededVolume[] {
  const nextByPath = new Map<string, { sha1: string; volume: string }>();
  for (const f of next.files) nextByPath.set(f.path, { sha1: f.sha1, volume: f.volume });
  return supersededVolumesOf(
    { volumes: previous.volumes, filesOf: (ih) => previous.files.filter((f) => f.volume === ih) },
    { volumes: next.volumes, at: (f) => nextByPath.get(f.path) },
    maxListed,
  );
}

/** {@link supersededVolumes} reading only the superseded volumes' files and looking each up in the next version. */
export function supersededVolumesOf(previous: PreviousSide, next: NextSide, maxListed = MAX_CONFLICTS_LISTED): SupersededVolume[] {
  const nextIds = new Set(next.volumes.map((v) => v.infoHash));
  const gone = previous.volumes.filter((v) => !nextIds.has(v.infoHash));
  if (gone.length === 0) return [];
  const order = new Map(next.volumes.map((v, i) => [v.infoHash, i]));
  return gone.map((v) => {
    const by = new Set(next.volumes.filter((n) => prefixRelated(n.prefix, v.prefix)).map((n) => n.infoHash));
    const conflicts: PathConflict[] = [];
    let conflictCount = 0;
    for (const f of previous.filesOf(v.infoHash)) {
      const now = next.at(f);
      if (!now) continue;
      by.add(now.volume);
      if (now.sha1 === f.sha1) continue;
      conflictCount++;
      if (conflicts.length < maxListed) conflicts.push({ path: f.path, oldSha1: f.sha1, newSha1: now.sha1, volume: now.volume });
    }
    return { infoHash: v.infoHash, prefix: v.prefix, supersededBy: [...by].sort((a, b) => order.get(a)! - order.get(b)!), conflicts, conflictCount };
  });
}

/** Supersessions of a store's versions, computed on first use and cached (versions never change). */
export class SupersessionIndex {
  private readonly cache = new Map<string, Supersession>();

  constructor(private readonly store: CatalogueStore) {}

  /** What `version` of `setId` supersedes of its parent; undefined when the version is unknown. */
  of(setId: string, version: number): Supersession | undefined {
    const key = `${setId}\u0000${version}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const record = this.store.getVersion(setId, version);
    if (!record) return undefined;
    const previousVersion = record.parent?.version ?? null;
    let volumes: SupersededVolume[] = [];
    if (previousVersion !== null) {
      const before = this.store.versionManifest(setId, previousVersion)?.head;
      const after = this.store.versionManifest(setId, version)?.head;
      if (before && after) {
        volumes = supersededVolumesOf(
          { volumes: before.volumes, filesOf: (ih) => this.store.volumeFiles(setId, previousVersion, ih) },
          {
            volumes: after.volumes,
            // Same title, same stored name, same path: the new version's file list answers by title.
            at: (f) => {
              const row = f.title === undefined ? undefined : this.store.setFiles.get(setId, version, f.title);
              return row && row.path === f.path ? row : undefined;
            },
          },
        );
      }
    }
    const s: Supersession = { setId, version, previousVersion, volumes };
    this.cache.set(key, s);
    return s;
  }

  /**
   * The later volumes that replaced `infoHash` in each set version after the last one listing
   * it (one entry per set whose next version dropped it): what the volume API reports.
   */
  supersededBy(infoHash: string, listedIn: ReadonlyArray<{ setId: string; version: number }>): Array<{ setId: string; version: number; supersededBy: string[]; conflictCount: number }> {
    const last = new Map<string, number>();
    for (const v of listedIn) last.set(v.setId, Math.max(last.get(v.setId) ?? 0, v.version));
    const out: Array<{ setId: string; version: number; supersededBy: string[]; conflictCount: number }> = [];
    for (const [setId, version] of last) {
      const s = this.of(setId, version + 1);
      const entry = s?.volumes.find((v) => v.infoHash === infoHash);
      if (s && entry) out.push({ setId, version: s.version, supersededBy: entry.supersededBy, conflictCount: entry.conflictCount });
    }
    return out;
  }
}

const indexes = new WeakMap<CatalogueStore, SupersessionIndex>();

/** The one SupersessionIndex of a store, shared by the feeds, the JSON API and the census. */
export function supersessionIndex(store: CatalogueStore): SupersessionIndex {
  let index = indexes.get(store);
  if (!index) indexes.set(store, (index = new SupersessionIndex(store)));
  return index;
}
