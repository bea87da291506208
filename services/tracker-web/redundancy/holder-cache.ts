/**
 * Each volume's holders from the census (who holds which pieces, census/copies.ts), cached until
 * the next invalidation, and each one's signature (figure-basis.ts), kept until the census
 * changes: what the copy index reads holders through. Memory grows with volumes and hosts.
 */
import { volumeHolders, type VolumeHolders } from '../census/index.ts';
import { DEFAULT_COPY_MAX_AGE_MS, type CensusRunner } from './census-runner.ts';
import { holderSignature } from './figure-basis.ts';

export class HolderCache {
  private readonly cached = new Map<string, VolumeHolders>();
  private readonly sigs = new Map<string, number>();

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
   * The signature of a volume's holders now (memoised until the census changes): the census
   * runner's, made straight from its verdict table; a census without one (a test's results
   * list): from the holders (`h` when the caller has them). One catalogue uses one of the two.
   */
  signature(infoHash: string, h?: VolumeHolders): number {
    let s = this.sigs.get(infoHash);
    if (s === undefined) {
      s = this.census.holderSignature
        ? this.census.holderSignature(infoHash, (this.window.now ?? Date.now)(), this.window.maxAgeMs ?? DEFAULT_COPY_MAX_AGE_MS)
        : holderSignature(h ?? this.peek(infoHash));
      this.sigs.set(infoHash, s);
    }
    return s;
  }

  /** Forgets the cached holders; `census` (the census changed): their signatures too. */
  clear(o: { census: boolean }): void {
    this.cached.clear();
    if (o.census) this.sigs.clear();
  }
}
