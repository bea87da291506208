import { fileCopies, hasAllPieces, type VolumeHolders } from '../census/index.ts';
import type { CopyMode } from '../operators/copy-figures.ts';
import { fileCopyCount, type FileCopyCount } from './file-copies.ts';
import { HeadlineCounts } from './headline.ts';
import type { CopyIndexOptions } from './copy-index-options.ts';
import { ApprovedOperators } from '../operators/operator-list.ts';
import type { CatalogueStore, IndexedFile } from '../store/catalogue-store.ts';
import type { CensusRunner } from './census-runner.ts';
import { LayoutCache } from './layout-cache.ts';
import { computeSetFigures, latestVolumes, persistedFigures, SetFigureWalk, type SetCopyStats, type SetFigureJob } from './set-figures.ts';
import { categoryCopies, type CategoryCopies } from './category-copies.ts';
import { WarmSlicer, type WarmSlice, type WarmSliceFigures } from './warm-slices.ts';
import { warmInWorker, type WorkerWarmUpResult } from './warm-in-worker.ts';
import { WARM_WORKER_MIN_CORES, WARM_WORKER_MIN_VOLUMES } from './warm-protocol.ts';
import { availableParallelism } from 'node:os';
import { HolderCache } from './holder-cache.ts';
import { KeptFigures, type VersionFigures } from './kept-figures.ts';

export type { SetCopyStats } from './set-figures.ts';
export type { FileCopyCount } from './file-copies.ts';
export type { WarmSlice } from './warm-slices.ts';
export type { CopyCounting, CopyIndexOptions } from './copy-index-options.ts';

const NO_OPERATORS = new ApprovedOperators([]);

/**
 * Copy counts derived from the census, with memory that grows with volumes and hosts, not
 * files: per volume, who holds what (holder-cache.ts: each host's bitfield, from the census
 * results); per file, on demand, from the per-file index (volume and offset) and its volume's
 * holders; per set, precomputed figures (set-figures.ts, kept-figures.ts). No network.
 */
export class CopyIndex {
  /** Each volume's holders and their signatures (holder-cache.ts). */
  private readonly volumes: HolderCache;
  /** Per set and per volume, this round's figures and the last known, with what they were computed from (kept-figures.ts). */
  private readonly kept: KeptFigures;
  private readonly layouts: LayoutCache;

  constructor(
    private readonly store: CatalogueStore,
    private readonly census: Pick<CensusRunner, 'results' | 'countedResults'> & Partial<Pick<CensusRunner, 'auditedVolumes' | 'holderSignature'>>,
    private readonly window: CopyIndexOptions = {},
  ) {
    this.layouts = new LayoutCache(store, window.layoutCacheBytes);
    this.volumes = new HolderCache(census, window);
    this.headlines = new HeadlineCounts(this.mode, () => this.approved());
    this.kept = new KeptFigures(store.allSetFigures(), this.mode);
    this.volumes.reserve(this.kept.volumeKeys());
  }

  /** The configured headline mode. */
  get mode(): CopyMode {
    return this.window.counting?.mode ?? 'any';
  }

  private approved(): ApprovedOperators {
    return this.window.counting?.operators() ?? NO_OPERATORS;
  }

  /** Headline counts by holder set (headline.ts). */
  private readonly headlines: HeadlineCounts;

  /** The copy count of a holder set of one volume, as `mode` counts. */
  private headline(infoHash: string, hosts: string[], keys: VolumeHolders['operatorKeys'], mode: CopyMode = this.mode): number {
    return this.headlines.count(infoHash, hosts, keys, mode);
  }

  /**
   * Bumped whenever a figure a reader sees may change (a warm-up done, a set's figures computed
   * on demand): pages that derive from the figures keep what they derived while it stays the same.
   */
  get figuresVersion(): number {
    return this.figureChanges;
  }

  private figureChanges = 0;

  /**
   * Drops cached figures (after a census round, a publish or an operator list change); the last
   * figures stay readable. What pages see does not change until the warm-up that follows is
   * done (it counts the change then), so a view right after a round keeps what it derived.
   * `scope`: what changed. `census` (a round's verdicts): the warm-up that follows walks only the
   * sets with a volume whose holders changed; `publish` (a new version): only the sets whose latest
   * version is not the one their figures are for; `all` (the operator list, or unknown): every set.
   */
  invalidate(scope: 'all' | 'census' | 'publish' = 'all'): void {
    // Holders and signatures read anew (presence and ages move): a basis signs the holders its figures came from.
    this.volumes.clear();
    this.kept.roll(scope === 'all');
    this.headlines.clear();
    this.warmGeneration++;
    this.warmAbort?.abort();
  }

  /** Ends the running warm-up's worker thread (invalidate). */
  private warmAbort: AbortController | null = null;

  private warmGeneration = 0;
  private warming: Promise<void> | null = null;

  /**
   * Recomputes every set's figures in the background (writing them to the store, and to the
   * copy history when `roundStartedAt` is given), so no page view pays for a whole catalogue,
   * while the tracker keeps answering: the work goes in slices of about WARM_SLICE_MS (one set
   * at a time), the event loop serves what arrived between slices, and while requests keep
   * arriving the warm-up rests (up to WARM_MAX_REST_MS at a time). A newer invalidation abandons it.
   */
  warm(roundStartedAt?: number): Promise<void> {
    // A round's samples are owed until a warm-up finishes: a publish or an operator change that
    // abandons the round's warm-up must not lose the round from the copy history.
    if (roundStartedAt !== undefined) this.roundOwed = roundStartedAt;
    const run = this.warmOnce(this.roundOwed);
    this.warming = run;
    void run.finally(() => {
      if (this.warming === run) this.warming = null;
    }).catch(() => undefined);
    return run;
  }

  /** Whether a warm-up is running now (the bench times lookups made meanwhile). */
  get warmingNow(): boolean {
    return this.warming !== null;
  }

  /** Resolves once no warm-up is running (a newer one started meanwhile is waited for too). */
  async whenWarm(): Promise<void> {
    while (this.warming) await this.warming.catch(() => undefined);
  }

  private async warmOnce(roundStartedAt?: number): Promise<void> {
    const generation = this.warmGeneration;
    const slicer = new WarmSlicer(this.window.requestsServed ?? (() => 0), () => this.layouts.reads, () => this.sliceObserver);
    this.warmSlices = slicer.figures;
    this.lastWarmUp = null;
    // The round's copy-history samples, written as the sets go; only the last write is awaited
    // (writes commit in order, so it resolves after every earlier one) and a failure is kept.
    // Awaiting each (its commit, 1-2 ms) made a round that walks few sets last seconds; holding
    // 10,000 promises until the end made them and their writes survive young collections.
    let lastSample: Promise<void> | null = null;
    let failed: unknown = null;
    const sample = (setId: string, stats: SetCopyStats) => {
      if (roundStartedAt === undefined) return;
      lastSample = this.store.history.addCopySample(setId, roundStartedAt, stats);
      lastSample.catch((err: unknown) => (failed ??= err));
    };
    try {
      if (!(await this.warmSets(generation, slicer, sample, roundStartedAt))) return;
    } finally {
      await (lastSample as Promise<void> | null)?.catch(() => undefined);
    }
    if (failed !== null) throw failed;
    // One change for the whole warm-up: pages keep what they derived (the last known figures) until it is done.
    if (generation === this.warmGeneration) {
      this.figureChanges++;
      if (this.roundOwed === roundStartedAt) this.roundOwed = undefined;
    }
  }

  /**
   * Keeps the sets whose figures still hold (figure-basis.ts) and walks the rest, one volume a
   * step, or has a worker thread walk them all. False when a newer invalidation abandoned it.
   */
  private async warmSets(generation: number, slicer: WarmSlicer, sample: (setId: string, stats: SetCopyStats) => void, roundStartedAt: number | undefined): Promise<boolean> {
    // The kept set list (store/record-cache.ts): ids and latest versions without decoding a record.
    const ids = this.store.listSets();
    const stale: string[] = [];
    for (const { id: setId, latestVersion } of ids) {
      if (slicer.due()) await slicer.slice();
      if (generation !== this.warmGeneration) return false;
      const kept = this.kept.current(setId) ?? this.kept.keepIfCurrent(setId, latestVersion, (ih) => this.volumes.signature(ih));
      if (kept) sample(setId, kept);
      else stale.push(setId);
    }
    this.warmUpSets = { kept: ids.length - stale.length, walked: stale.length };
    // The worker walks every set: worth its start only when every set is to be walked. Its own
    // samples are written by warmOnWorker; it returns false only when the main thread must walk.
    if (stale.length === ids.length && (await this.warmOnWorker(generation, slicer, roundStartedAt))) return false;
    for (const setId of stale) {
      if (slicer.due()) await slicer.slice();
      if (generation !== this.warmGeneration) return false;
      let stats = this.kept.current(setId) ?? null;
      const job = stats ? null : this.beginSet(setId, { background: true });
      // One volume per step: a request waits for at most one volume's figures, not a whole set's.
      for (const vol of job?.volumes ?? []) {
        if (slicer.due()) await slicer.slice();
        if (generation !== this.warmGeneration) return false;
        job!.volumeCopies.push([vol.infoHash, job!.walk.addVolume(vol)]);
        slicer.volumes++;
      }
      slicer.sets++;
      // A request may have computed the set meanwhile (the same figures): keep that one.
      if (job) stats = this.kept.current(setId) ?? this.finishSet(setId, job, { quiet: true });
      if (stats) sample(setId, stats);
    }
    return true;
  }

  /**
   * The warm-up on a worker thread (warm-in-worker.ts), for a census with verdicts on
   * `warmWorkerMinVolumes` volumes or more. True when it is done with (finished, or abandoned);
   * false when the main thread must do it (too small a census, or the worker failed: said to
   * `onWorkerError`, and the sets it kept are not walked again).
   */
  private async warmOnWorker(generation: number, slicer: WarmSlicer, roundStartedAt: number | undefined): Promise<boolean> {
    const audited = this.census.auditedVolumes?.();
    // Unset: on a worker only with cores to spare (WARM_WORKER_MIN_CORES); true or false: as told.
    const onWorker = this.window.warmWorker ?? availableParallelism() >= WARM_WORKER_MIN_CORES;
    if (!audited || !onWorker || audited.count < (this.window.warmWorkerMinVolumes ?? WARM_WORKER_MIN_VOLUMES)) return false;
    const samples: Array<Promise<void>> = [];
    const abort = (this.warmAbort = new AbortController());
    try {
      const r = await warmInWorker({
        data: { dataDir: this.store.location.dataDir, lmdb: this.store.location.lmdb, mode: this.mode, operators: this.approved().list, layoutCacheBytes: this.window.layoutCacheBytes },
        volumes: audited.infoHashes,
        // Not cached here: what the worker is sent dies young (cheap for a young-generation GC), where
        // 4,000-40,000 cached holders surviving into the old generation made each such GC slow.
        // A lookup caches the holders of the volumes it reads.
        holders: (ih) => {
          const h = this.volumes.peek(ih);
          this.volumes.signature(ih, h);
          return h;
        },
        slicer,
        live: () => generation === this.warmGeneration,
        signal: abort.signal,
        keep: (set) => {
          // A request may have computed the set meanwhile (the same figures): keep that one.
          const stats = this.kept.current(set.setId) ?? this.keepFigures(set.setId, set.version, set.stats, set.volumeCopies, { quiet: true });
          if (roundStartedAt !== undefined) samples.push(this.store.history.addCopySample(set.setId, roundStartedAt, stats));
        },
      });
      await Promise.all(samples);
      // An abandoned warm-up says nothing: the newer one reports.
      if (!r.finished || generation !== this.warmGeneration) return true;
      this.lastWarmUp = { ...r, onWorker: true };
      this.figureChanges++;
      if (this.roundOwed === roundStartedAt) this.roundOwed = undefined;
      return true;
    } catch (err) {
      await Promise.allSettled(samples);
      if (generation !== this.warmGeneration) return true;
      this.window.onWorkerError?.(err);
      return false;
    } finally {
      if (this.warmAbort === abort) this.warmAbort = null;
    }
  }

  /**
   * The latest warm-up's slices (how long each held the event loop, wall and CPU, in
   * microseconds): what a request arriving during a warm-up may wait for, for the bench.
   */
  warmSlices: WarmSliceFigures | null = null;

  /** The latest warm-up's sets: kept as they were (their basis held) and walked. */
  warmUpSets: { kept: number; walked: number } | null = null;

  /** How the latest warm-up went when it ran on a worker thread (null: on the main thread, or running). */
  lastWarmUp: (WorkerWarmUpResult & { onWorker: true }) | null = null;

  /** Told of every warm-up slice as it ends (the bench's trace of what a request may have waited for). */
  sliceObserver: ((s: WarmSlice) => void) | null = null;

  /** The start of the census round whose copy-history samples no finished warm-up has written yet. */
  private roundOwed: number | undefined;

  /** Who holds what of one volume (cached until the next invalidation). */
  holders(infoHash: string): VolumeHolders {
    return this.volumes.get(infoHash);
  }

  /** The fewest copies any file of the volume has: the volume's own copy count. */
  volumeCopies(infoHash: string): number {
    let n = this.kept.volume(infoHash);
    if (n === undefined) {
      const vol = this.store.getVolume(infoHash);
      n = vol ? computeSetFigures([vol], 0, this.figureSources()).min : 0;
      this.kept.keepVolume(infoHash, n);
    }
    return n;
  }

  /**
   * A volume's copy count without a recompute, for the home page and /metrics: this round's
   * when known, else the last known (an earlier round's, or kept on disk with the set figures),
   * else, for a volume never counted, its whole holders only (a lower bound that needs no
   * layout). The background warm-up replaces them all within the round.
   */
  peekVolumeCopies(infoHash: string): number {
    const n = this.kept.lastVolume(infoHash);
    if (n !== undefined) return n;
    const vol = this.store.getVolume(infoHash);
    if (!vol) return 0;
    const h = this.holders(infoHash);
    const full = [...h.passing].flatMap(([host, bits]) => (hasAllPieces(bits, vol.pieces) ? [host] : [])).sort();
    return this.headline(infoHash, full, h.operatorKeys, this.mode);
  }

  /** The paths of a volume's files in torrent order (from the bounded layout cache). */
  volumePaths(infoHash: string): readonly string[] {
    return this.layouts.get(infoHash)?.paths ?? [];
  }

  /** Copies of one file inside one volume, as the headline counts them (the set page's per-file figure). */
  copiesIn(infoHash: string, path: string): number {
    const vol = this.store.getVolume(infoHash);
    const layout = this.layouts.get(infoHash);
    const i = layout?.paths.indexOf(path) ?? -1;
    if (!vol || !layout || i < 0) return 0;
    const holders = this.holders(infoHash);
    const c = fileCopies(holders, { path, offset: layout.offsets[i]!, length: layout.lengths[i]! }, vol.pieceLength);
    return this.headline(infoHash, c.hosts, holders.operatorKeys, this.mode);
  }

  /** Copies of a file by SHA-1 across every location the catalogue knows (`locations`: the file's, when the caller has read them). */
  file(sha1: string, locations: readonly IndexedFile[] = this.store.filesBySha1(sha1)): FileCopyCount {
    return fileCopyCount(sha1, locations, {
      volume: (ih) => this.store.getVolume(ih),
      layout: (ih) => this.layouts.get(ih),
      holders: (ih) => this.holders(ih),
      approved: this.approved(),
      mode: this.mode,
    });
  }

  /** What the set figures read; `background` (the warm-up): holders and records not cached, so they die young (HolderCache.peek). */
  private figureSources(o: { background?: boolean } = {}) {
    return {
      holders: (ih: string) => {
        const h = o.background ? this.volumes.peek(ih) : this.volumes.get(ih);
        this.volumes.signature(ih, h);
        return h;
      },
      layout: (ih: string) => this.layouts.extents(ih),
      headline: (ih: string, hosts: string[], keys: VolumeHolders['operatorKeys'], mode: CopyMode) => this.headline(ih, hosts, keys, mode),
      mode: this.mode,
    };
  }

  /**
   * Computes (or returns the cached) copy figures of a set's latest version against its copy
   * target, per volume (set-figures.ts), and writes them to the store. Copies the same bytes
   * have in other sets are not added here (a lower bound); the file view adds them.
   */
  set(setId: string, o: { quiet?: boolean } = {}): SetCopyStats | null {
    const cached = this.kept.current(setId);
    if (cached) return cached;
    const job = this.beginSet(setId);
    if (!job) return null;
    for (const vol of job.volumes) job.volumeCopies.push([vol.infoHash, job.walk.addVolume(vol)]);
    return this.finishSet(setId, job, o);
  }

  /** The start of a set's figures: its latest version's volumes and an empty walk (null for an unknown or empty set). */
  private beginSet(setId: string, o: { background?: boolean } = {}): SetFigureJob | null {
    const latest = latestVolumes(this.store, setId, { cache: !o.background });
    if (!latest) return null;
    return { version: latest.version, volumes: latest.volumes, walk: new SetFigureWalk(latest.copyTarget, this.figureSources(o)), volumeCopies: [] };
  }

  /** Keeps a finished walk's figures (in memory and, written in the background, on disk). */
  private finishSet(setId: string, job: SetFigureJob, o: { quiet?: boolean }): SetCopyStats & { version: number } {
    return this.keepFigures(setId, job.version, job.walk.result(), job.volumeCopies, o);
  }

  /** Keeps a set's figures and its volumes' copy counts (in memory and, written in the background, on disk). */
  private keepFigures(setId: string, version: number, figures: SetCopyStats, volumeCopies: Array<[string, number]>, o: { quiet?: boolean }): VersionFigures {
    const basis: Array<[string, number, number]> = volumeCopies.map(([ih, n]) => [ih, n, this.volumes.signature(ih)]);
    const stats = this.kept.keep(setId, version, figures, basis);
    // The warm-up counts one change when it is done, so a page is not rebuilt for every set it walks.
    if (!o.quiet) this.figureChanges++;
    void this.store.putSetFigures(setId, persistedFigures(stats, version, Date.now(), basis)).catch(() => undefined);
    return stats;
  }

  /**
   * A set's precomputed figures: those of the last census round or publish (kept across
   * restarts), computed now only when none exist for the set's latest version.
   */
  setFigures(setId: string): SetCopyStats | null {
    const last = this.kept.last(setId);
    if (last && (last === this.kept.current(setId) || last.version === this.store.latestVersion(setId))) return last;
    return this.set(setId);
  }

  /**
   * A set's latest computed figures without computing anything (possibly from before the
   * last census round, until the background warm-up replaces them): for /metrics, which
   * must never stall the event loop, and with it the tracker.
   */
  peekSet(setId: string): SetCopyStats | null {
    return this.kept.last(setId) ?? null;
  }

  /** Copy figures of every file (by SHA-1, once) directly in a category, across the sets' latest versions (from the category index). */
  category(name: string, sliceFiles?: number): Promise<CategoryCopies> {
    return categoryCopies(this.store, name, (sha1) => this.file(sha1).copies, sliceFiles);
  }
}

