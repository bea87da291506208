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
  /**
   * Every set's last known figures, and the round each was kept in (this round's are `round`'s).
   * Marked, not moved: an invalidation used to clear this round's maps and refill them entry by
   * entry, whose growing tables and entries survived young-generation collections; a set or a
   * volume kept again now writes a number over a number in place.
   */
  private readonly sets = new Map<string, VersionFigures>();
  private readonly setRounds = new Map<string, number>();
  /** Every volume's last known copy count (the needs list asks for every volume), and its round. */
  private readonly volumes = new Map<string, number>();
  private readonly volumeRounds = new Map<string, number>();
  /** This census round (figures read from disk are of round 0: last known, not this round's). */
  private round = 1;
  private readonly basis = new FigureBasis();

  /** Starts from the figures kept on disk that were counted in `mode`. */
  constructor(disk: ReadonlyMap<string, PersistedSetFigures>, mode: CopyMode) {
    for (const [setId, p] of disk) {
      if (p.copiesMode !== mode) continue;
      const id = detachedString(setId);
      this.sets.set(id, figuresFromDisk(p));
      this.setRounds.set(id, 0);
      // Flat keys: the record's strings are slices of its whole text (store/record-cache.ts).
      const volumes = (p.volumeCopies ?? []).map(([ih, n, sig]): [string, number, number?] => [detachedString(ih), n, sig]);
      for (const [ih, n] of volumes) {
        this.volumes.set(ih, n);
        this.volumeRounds.set(ih, 0);
      }
      const basis = basisFromDisk(p.version, volumes);
      if (basis) this.basis.set(id, basis);
    }
  }

  /** Every volume with a kept copy count. */
  volumeKeys(): IterableIterator<string> {
    return this.volumes.keys();
  }

  /** A new round: this round's figures become the last known; `forgetBasis` (the counting changed): no set's figures hold any more. */
  roll(forgetBasis: boolean): void {
    this.round++;
    if (forgetBasis) this.basis.clear();
  }

  /** This round's figures of a set. */
  current(setId: string): VersionFigures | undefined {
    return this.setRounds.get(setId) === this.round ? this.sets.get(setId) : undefined;
  }

  /** The last known figures of a set (this round's or an earlier one's). */
  last(setId: string): VersionFigures | undefined {
    return this.sets.get(setId);
  }

  /** This round's copy count of a volume. */
  volume(infoHash: string): number | undefined {
    return this.volumeRounds.get(infoHash) === this.round ? this.volumes.get(infoHash) : undefined;
  }

  /** The last known copy count of a volume. */
  lastVolume(infoHash: string): number | undefined {
    return this.volumes.get(infoHash);
  }

  keepVolume(infoHash: string, n: number): void {
    this.volumes.set(infoHash, n);
    this.volumeRounds.set(infoHash, this.round);
  }

  /** Keeps a set's figures with what they were computed from: per volume, [info hash, copy count, holders' signature]. */
  keep(setId: string, version: number, figures: SetCopyStats, volumes: Array<[string, number, number]>): VersionFigures {
    const stats = withVersion(figures, version);
    for (const [ih, n] of volumes) this.keepVolume(ih, n);
    this.sets.set(setId, stats);
    this.setRounds.set(setId, this.round);
    this.basis.set(setId, { version, volumes });
    return stats;
  }

  /**
   * Keeps a set's last figures as this round's when they still hold: computed for its latest
   * version, and no volume's holders changed since (`signature`: a volume's now). Null when the
   * set must be walked.
   */
  keepIfCurrent(setId: string, latestVersion: number, signature: (infoHash: string) => number): VersionFigures | null {
    const last = this.sets.get(setId);
    if (!last) return null;
    const b = this.basis.holds(setId, latestVersion, signature);
    if (!b || b.version !== last.version) return null;
    for (const [ih, n] of b.volumes) this.keepVolume(ih, n);
    this.setRounds.set(setId, this.round);
    return last;
  }
}
