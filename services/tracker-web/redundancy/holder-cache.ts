/**
 * Each volume's holders from the census (who holds which pieces, census/copies.ts) and their
 * signature (figure-basis.ts), both kept until the next invalidation: what the copy index reads
 * holders through. Memory grows with volumes and hosts.
 */
import { volumeHolders, type VolumeHolders } from '../census/index.ts';
import { DEFAULT_COPY_MAX_AGE_MS, type CensusRunner } from './census-runner.ts';
import { holderSignature } from './figure-basis.ts';

export class HolderCache {
  private readonly cached = new Map<string, VolumeHolders>();
  /**
   * Signatures in typed arrays by a stable index per volume, with the census generation each was
   * made in: a census change bumps the generation instead of clearing a map that 40,000 entries
   * (and their boxed 53-bit numbers) then refilled, all surviving young-generation collections.
   */
  private readonly index = new Map<string, number>();
  private sigs = new Float64Array(1024);
  private sigGenerations = new Uint32Array(1024);
  private generation = 1;

  constructor(
    private readonly census: Pick<CensusRunner, 'countedResults'> & Partial<Pick<CensusRunner, 'holderSignature'>>,
    private readonly window: { now?: () => number; maxAgeMs?: number },
  ) {}

  /** Who holds what of one volume (cached until the next {@link clear}). */
  get(infoHash: string): VolumeHolders {
    let h = this.cached.get(infoHash);
    if (!h) {
      h = this.compute(infoHash);
      this.cached.set(infoHash, h);
    }
    return h;
  }

  /**
   * A volume's holders without caching them (the warm-up reads every volume: 40,000 holders
   * entering the cache at 10M files survived young-generation collections, which made those slow).
   */
  peek(infoHash: string): VolumeHolders {
    return this.cached.get(infoHash) ?? this.compute(infoHash);
  }

  /** A volume's holders from the census now, not cached. */
  private compute(infoHash: string): VolumeHolders {
    return volumeHolders(infoHash, this.census.countedResults(infoHash), { now: (this.window.now ?? Date.now)(), maxAgeMs: this.window.maxAgeMs ?? DEFAULT_COPY_MAX_AGE_MS });
  }

  /**
   * The signature of a volume's holders now (kept until the next invalidation): the census
   * runner's, made straight from its verdict table; a census without one (a test's results
   * list): from the holders (`h` when the caller has them). One catalogue uses one of the two.
   */
  signature(infoHash: string, h?: VolumeHolders): number {
    const i = this.slot(infoHash);
    if (this.sigGenerations[i] === this.generation) return this.sigs[i]!;
    const s = this.census.holderSignature
      ? this.census.holderSignature(infoHash, (this.window.now ?? Date.now)(), this.window.maxAgeMs ?? DEFAULT_COPY_MAX_AGE_MS)
      : holderSignature(h ?? this.peek(infoHash));
    this.sigs[i] = s;
    this.sigGenerations[i] = this.generation;
    return s;
  }

  /**
   * Gives each of these volumes its slot now (at start, before requests: the index's table grows
   * here, not under the first warm-up, where its growing copies survived young collections).
   */
  reserve(infoHashes: Iterable<string>): void {
    for (const ih of infoHashes) this.slot(ih);
  }

  /** A volume's index in the signature arrays (the arrays double when full). */
  private slot(infoHash: string): number {
    let i = this.index.get(infoHash);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(infoHash, i);
      if (i >= this.sigs.length) {
        const sigs = new Float64Array(this.sigs.length * 2);
        sigs.set(this.sigs);
        this.sigs = sigs;
        const generations = new Uint32Array(this.sigGenerations.length * 2);
        generations.set(this.sigGenerations);
        this.sigGenerations = generations;
      }
    }
    return i;
  }

  /** Forgets the cached holders and their signatures (a new generation). */
  clear(): void {
    this.cached.clear();
    this.generation++;
  }
}
