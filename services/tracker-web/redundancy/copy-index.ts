import { performance } from 'node:perf_hooks';
import { addOperatorKeys, copiesPerFile, networkOf, type FileCopies } from '../census/index.ts';
import { copyFigures, type CopyFigures, type CopyMode } from '../operators/copy-figures.ts';
import { ApprovedOperators } from '../operators/operator-list.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { DEFAULT_COPY_MAX_AGE_MS, type CensusRunner } from './census-runner.ts';
import { didYouMean } from '../../../shared/closest-match.ts';
import { SeedbankError } from '../../../shared/errors.ts';

/** How long one slice of the background warm-up may hold the event loop (it finishes the volume it is in). */
const WARM_SLICE_MS = 2;

/** Copies of one file's bytes, added up over every set and version that holds them. */
export interface FileCopyCount extends CopyFigures {
  sha1: string;
  /** Every audited holder's address (relays included: see `notIndependent`). */
  hosts: string[];
  networks: string[];
  flagged: string[];
}

/** What the headline copy count counts, and who is approved (re-read as the list changes). */
export interface CopyCounting {
  mode: CopyMode;
  operators: () => ApprovedOperators;
}

const NO_OPERATORS = new ApprovedOperators([]);

/** Copy figures of one set's latest version. */
export interface SetCopyStats {
  files: number;
  bytes: number;
  min: number;
  median: number;
  /** copies → number of files. */
  histogram: Map<number, number>;
  bytesUnderTarget: number;
  filesUnderTarget: number;
  /** The least copies of any file as the other mode counts them (the headline's `min` is in `copiesMode`). */
  otherMin: number;
  copiesMode: CopyMode;
}

/**
 * Copy counts derived from the census: per volume (cached until the next census round),
 * per file by SHA-1 (the union of hosts over every volume holding the same bytes, so sets
 * and versions add up), per set. Lookups are map reads; nothing here touches the network.
 */
export class CopyIndex {
  private readonly perVolume = new Map<string, Map<string, FileCopies>>();
  private readonly perSet = new Map<string, SetCopyStats>();
  /** The last figures computed per set, kept across invalidations for readers that must not wait. */
  private readonly lastPerSet = new Map<string, SetCopyStats>();
  /** Each volume's copy count (its least-copied file), this census round, and the last one computed. */
  private readonly perVolumeMin = new Map<string, number>();
  private readonly lastVolumeMin = new Map<string, number>();

  constructor(
    private readonly store: CatalogueStore,
    private readonly census: CensusRunner,
    private readonly window: {
      maxAgeMs?: number;
      now?: () => number;
      /** Requests the server has answered so far: the background warm-up makes room when some arrive. */
      requestsServed?: () => number;
      /** Default: any audited host, nobody approved. */
      counting?: CopyCounting;
    } = {},
  ) {}

  /** The configured headline mode. */
  get mode(): CopyMode {
    return this.window.counting?.mode ?? 'any';
  }

  private approved(): ApprovedOperators {
    return this.window.counting?.operators() ?? NO_OPERATORS;
  }

  /** Headline counts by holder set: a volume's files mostly share their holders, so each set is counted once. */
  private readonly headlineMemo = new Map<string, number>();

  /** The copy count of one file in one volume, as `mode` (default: the headline's) counts. */
  private headline(c: FileCopies | undefined, mode: CopyMode = this.mode): number {
    if (!c || c.hosts.length === 0) return 0;
    if (mode === 'any' && c.operatorKeys.size === 0) return c.hosts.length;
    if (mode === 'approved' && this.approved().list.length === 0) return 0;
    const memoKey = `${mode}|${c.infoHash}|${c.hosts.join(',')}`;
    let n = this.headlineMemo.get(memoKey);
    if (n === undefined) {
      n = copyFigures(c.hosts, c.operatorKeys, this.approved(), mode).copies;
      this.headlineMemo.set(memoKey, n);
    }
    return n;
  }

  /** Drops cached figures (after a census round or a publish). */
  invalidate(): void {
    this.perVolume.clear();
    this.perVolumeMin.clear();
    this.perSet.clear();
    this.headlineMemo.clear();
    this.warmGeneration++;
  }

  private warmGeneration = 0;

  /**
   * Recomputes every set's figures in the background, so the first page view after a census
   * round does not pay for a million files at once, while the tracker keeps answering: the
   * work goes in slices of about WARM_SLICE_MS (one volume at a time), the event loop serves
   * what arrived between slices, and when requests did arrive the warm-up also rests as long
   * as its slice took, so a busy server keeps about half the CPU. With no requests it never
   * rests. A newer invalidation abandons an older warm-up.
   */
  warm(): Promise<void> {
    const run = this.warmOnce();
    this.warming = run;
    void run.finally(() => {
      if (this.warming === run) this.warming = null;
    }).catch(() => undefined);
    return run;
  }

  /** Resolves once no warm-up is running (a newer one started meanwhile is waited for too). */
  async whenWarm(): Promise<void> {
    while (this.warming) await this.warming.catch(() => undefined);
  }

  private warming: Promise<void> | null = null;

  private async warmOnce(): Promise<void> {
    const generation = this.warmGeneration;
    const served = this.window.requestsServed ?? (() => 0);
    let sliceStart = performance.now();
    /** Lets the event loop in when the slice is used up; false once a newer invalidation came. */
    const pause = async (): Promise<boolean> => {
      const worked = performance.now() - sliceStart;
      if (worked >= WARM_SLICE_MS) {
        const before = served();
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (served() !== before) await new Promise<void>((resolve) => setTimeout(resolve, worked));
        sliceStart = performance.now();
      }
      return generation === this.warmGeneration;
    };
    for (const setId of this.store.setIds()) {
      if (!(await pause())) return;
      const record = this.store.getSet(setId);
      const volumes = record ? (this.store.getVersion(setId, record.latestVersion)?.volumes ?? []) : [];
      for (const ih of volumes) {
        this.volumeCopies(ih);
        if (!(await pause())) return;
      }
      this.set(setId);
    }
  }

  /** Per-file copies inside one volume, by path. */
  volume(infoHash: string): Map<string, FileCopies> {
    const cached = this.perVolume.get(infoHash);
    if (cached) return cached;
    const layout = this.census.layout(infoHash);
    const out = new Map<string, FileCopies>();
    if (layout) {
      const counts = copiesPerFile(
        { infoHash, pieceLength: layout.pieceLength, files: layout.files },
        this.census.results(infoHash),
        { now: (this.window.now ?? Date.now)(), maxAgeMs: this.window.maxAgeMs ?? DEFAULT_COPY_MAX_AGE_MS },
      );
      for (const c of counts) out.set(c.path, c);
    }
    this.perVolume.set(infoHash, out);
    return out;
  }

  /** The fewest copies any file of the volume has: the volume's own copy count. */
  volumeCopies(infoHash: string): number {
    const cached = this.perVolumeMin.get(infoHash);
    if (cached !== undefined) return cached;
    let min = Infinity;
    for (const c of this.volume(infoHash).values()) min = Math.min(min, this.headline(c));
    const n = Number.isFinite(min) ? min : 0;
    this.perVolumeMin.set(infoHash, n);
    this.lastVolumeMin.set(infoHash, n);
    return n;
  }

  /**
   * A volume's copy count without recomputing after a census round (the last one computed,
   * until the warm-up replaces it); computed only for a volume never seen: for /metrics.
   */
  peekVolumeCopies(infoHash: string): number {
    return this.perVolumeMin.get(infoHash) ?? this.lastVolumeMin.get(infoHash) ?? this.volumeCopies(infoHash);
  }

  /** Copies of one file inside one volume, as the headline counts them (the set page's per-file figure). */
  copiesIn(infoHash: string, path: string): number {
    return this.headline(this.volume(infoHash).get(path));
  }

  /** Copies of a file by SHA-1 across every location the catalogue knows. */
  file(sha1: string): FileCopyCount {
    const hosts = new Set<string>();
    const flagged = new Set<string>();
    const keys = new Map<string, Set<string>>();
    for (const loc of this.store.filesBySha1(sha1)) {
      const c = this.volume(loc.volume).get(loc.path);
      for (const h of c?.hosts ?? []) hosts.add(h);
      for (const h of c?.flagged ?? []) flagged.add(h);
      if (c) addOperatorKeys(keys, c.operatorKeys, c.hosts);
    }
    const sortedHosts = [...hosts].sort();
    return {
      sha1,
      hosts: sortedHosts,
      networks: [...new Set(sortedHosts.map(networkOf))].sort(),
      flagged: [...flagged].sort(),
      ...copyFigures(sortedHosts, keys, this.approved(), this.mode),
    };
  }

  /**
   * Copy figures of a set's latest version against its copy target, from the set's own
   * volumes (torrent layouts and census results, all in memory): no manifest is read and no
   * per-file index lookup is made, so a 100,000-file set costs milliseconds. Copies the same
   * bytes have in other sets are not added here (a lower bound); the file view adds them.
   */
  set(setId: string): SetCopyStats | null {
    const cached = this.perSet.get(setId);
    if (cached) return cached;
    const record = this.store.getSet(setId);
    const latest = record && record.latestVersion > 0 ? this.store.getVersion(setId, record.latestVersion) : undefined;
    if (!record || !latest) return null;
    const counts: number[] = [];
    const histogram = new Map<number, number>();
    let bytes = 0;
    let bytesUnderTarget = 0;
    let filesUnderTarget = 0;
    let otherMin = Infinity;
    const other: CopyMode = this.mode === 'any' ? 'approved' : 'any';
    for (const ih of latest.volumes) {
      const layout = this.census.layout(ih);
      const perFile = this.volume(ih);
      for (const f of layout?.files ?? []) {
        const n = this.headline(perFile.get(f.path));
        otherMin = Math.min(otherMin, this.headline(perFile.get(f.path), other));
        counts.push(n);
        histogram.set(n, (histogram.get(n) ?? 0) + 1);
        bytes += f.length;
        if (n < record.copyTarget) {
          bytesUnderTarget += f.length;
          filesUnderTarget++;
        }
      }
    }
    const stats: SetCopyStats = {
      ...spread(counts),
      bytes,
      histogram,
      bytesUnderTarget,
      filesUnderTarget,
      otherMin: Number.isFinite(otherMin) ? otherMin : 0,
      copiesMode: this.mode,
    };
    this.perSet.set(setId, stats);
    this.lastPerSet.set(setId, stats);
    return stats;
  }

  /**
   * A set's latest computed figures without computing anything (possibly from before the
   * last census round, until the background warm-up replaces them): for /metrics, which
   * must never stall the event loop, and with it the tracker.
   */
  peekSet(setId: string): SetCopyStats | null {
    return this.perSet.get(setId) ?? this.lastPerSet.get(setId) ?? null;
  }

  /** Copy figures of every file (by SHA-1, once) in a category, across the sets' latest versions. */
  category(name: string): { category: string; files: number; bytes: number; min: number; median: number; filesUnderTarget: number; bytesUnderTarget: number } {
    const bare = name.replace(/^Category:/i, '').replace(/_/g, ' ');
    const target = new Map<string, { size: number; copyTarget: number }>();
    // Gathered in the same pass, for the error only: no index kept for a rare question.
    const known = new Set<string>();
    for (const row of this.store.listSets()) {
      if (!row.latest) continue;
      for (const f of this.store.manifest(row.id, row.latest.version)?.files ?? []) {
        for (const c of f.categories) known.add(c);
        if (!f.categories.includes(bare)) continue;
        const seen = target.get(f.sha1);
        target.set(f.sha1, { size: f.size, copyTarget: Math.max(seen?.copyTarget ?? 0, row.copyTarget) });
      }
    }
    if (target.size === 0) {
      throw new SeedbankError('CATEGORY_NOT_FOUND', `no file of a published set is directly in the category "${bare}".${didYouMean(bare, known)}`, {
        context: { category: bare, knownCategories: known.size },
      });
    }
    const counts: number[] = [];
    let bytes = 0;
    let bytesUnderTarget = 0;
    let filesUnderTarget = 0;
    for (const [sha1, f] of target) {
      const n = this.file(sha1).copies;
      counts.push(n);
      bytes += f.size;
      if (n < f.copyTarget) {
        filesUnderTarget++;
        bytesUnderTarget += f.size;
      }
    }
    return {
      category: bare,
      ...spread(counts),
      bytes,
      filesUnderTarget,
      bytesUnderTarget,
    };
  }
}

/** How many files, and the least and median copy counts among them (sorts `counts`). */
function spread(counts: number[]): { files: number; min: number; median: number } {
  counts.sort((a, b) => a - b);
  return { files: counts.length, min: counts[0] ?? 0, median: counts.length ? counts[Math.floor((counts.length - 1) / 2)]! : 0 };
}
