/**
 * The copy figures the copy index keeps: per set (its latest version's figures) and per volume
 * (its copy count), for this census round and as last known (from before an invalidation, or
 * from disk at start, for readers that must not wait), with what each set's figures were
 * computed from (figure-basis.ts), so a warm-up keeps the sets whose figures still hold.
 * Memory grows with sets and volumes.
 */
import { detachedString } from '../../../shared/detached-string.ts';
import type { CopyMode } from '../operators/copy-figures.ts';
import type { PersistedSetFigures } from '../store/records.ts';
import { basisFromDisk, FigureBasis } from './figure-basis.ts';
import { figuresFromDisk, withVersion, type SetCopyStats } from './set-figures.ts';

/** A set's figures with the version they are for. */
export type VersionFigures = SetCopyStats & { version: number };

export class KeptFigures {
  private readonly perSet = new Map<string, VersionFigures>();
  private readonly lastPerSet = new Map<string, VersionFigures>();
  /** Volume copy counts of this census round (the needs list asks for every volume): one number per volume. */
  private readonly perVolume = new Map<string, number>();
  private readonly lastPerVolume = new Map<string, number>();
  private readonly basis = new FigureBasis();

  /** Starts from the figures kept on disk that were counted in `mode`. */
  constructor(disk: ReadonlyMap<string, PersistedSetFigures>, mode: CopyMode) {
    for (const [setId, p] of disk) {
      if (p.copiesMode !== mode) continue;
      this.lastPerSet.set(setId, figuresFromDisk(p));
      // Flat keys: the record's strings are slices of its whole text (store/record-cache.ts).
      const volumes = (p.volumeCopies ?? []).map(([ih, n, sig]): [string, number, number?] => [detachedString(ih), n, sig]);
      for (const [ih, n] of volumes) this.lastPerVolume.set(ih, n);
      const basis = basisFromDisk(p.version, volumes);
      if (basis) this.basis.set(detachedString(setId), basis);
    }
  }

  /** A new round: this round's figures become the last known; `forgetBasis` (the counting changed): no set's figures hold any more. */
  roll(forgetBasis: boolean): void {
    for (const [id, s] of this.perSet) this.lastPerSet.set(id, s);
    for (const [ih, n] of this.perVolume) this.lastPerVolume.set(ih, n);
    this.perSet.clear();
    this.perVolume.clear();
    if (forgetBasis) this.basis.clear();
  }

  /** This round's figures of a set. */
  current(setId: string): VersionFigures | undefined {
    return this.perSet.get(setId);
  }

  /** The last known figures of a set (this round's or an earlier one's). */
  last(setId: string): VersionFigures | undefined {
    return this.perSet.get(setId) ?? this.lastPerSet.get(setId);
  }

  /** This round's copy count of a volume. */
  volume(infoHash: string): number | undefined {
    return this.perVolume.get(infoHash);
  }

  /** The last known copy count of a volume. */
  lastVolume(infoHash: string): number | undefined {
    return this.perVolume.get(infoHash) ?? this.lastPerVolume.get(infoHash);
  }

  keepVolume(infoHash: string, n: number): void {
    this.perVolume.set(infoHash, n);
    this.lastPerVolume.set(infoHash, n);
  }

  /** Keeps a set's figures with what they were computed from: per volume, [info hash, copy count, holders' signature]. */
  keep(setId: string, version: number, figures: SetCopyStats, volumes: Array<[string, number, number]>): VersionFigures {
    const stats = withVersion(figures, version);
    for (const [ih, n] of volumes) this.keepVolume(ih, n);
    this.perSet.set(setId, stats);
    this.lastPerSet.set(setId, stats);
    this.basis.set(setId, { version, volumes });
    return stats;
  }

  /**
   * Keeps a set's last figures as this round's when they still hold: computed for its latest
   * version, and no volume's holders changed since (`signature`: a volume's now). Null when the
   * set must be walked.
   */
  keepIfCurrent(setId: string, latestVersion: number, signature: (infoHash: string) => number): VersionFigures | null {
    const last = this.lastPerSet.get(setId);
    if (!last) return null;
    const b = this.basis.holds(setId, latestVersion, signature);
    if (!b || b.version !== last.version) return null;
    for (const [ih, n] of b.volumes) this.keepVolume(ih, n);
    this.perSet.set(setId, last);
    return last;
  }
}
