/**
 * The headline copy count of a holder set, memoised: a volume's files mostly share their
 * holders, so each (volume, holders) pair is counted once per census round. Used by the copy
 * index on the main thread and by the warm-up's worker thread (warm-worker.ts) alike.
 */
import type { VolumeHolders } from '../census/index.ts';
import { copyFigures, type CopyMode } from '../operators/copy-figures.ts';
import type { ApprovedOperators } from '../operators/operator-list.ts';

/** Headline counts by holder set, as one mode counts them, with the approved operators read at each miss. */
export class HeadlineCounts {
  private readonly memo = new Map<string, number>();

  constructor(
    readonly mode: CopyMode,
    private readonly approved: () => ApprovedOperators,
  ) {}

  /** The copy count of a holder set (sorted hosts) of one volume, as `mode` counts. */
  count(infoHash: string, hosts: string[], keys: VolumeHolders['operatorKeys'], mode: CopyMode = this.mode): number {
    if (hosts.length === 0) return 0;
    if (mode === 'any' && keys.size === 0) return hosts.length;
    if (mode === 'approved' && this.approved().list.length === 0) return 0;
    const memoKey = `${mode}|${infoHash}|${hosts.join(',')}`;
    let n = this.memo.get(memoKey);
    if (n === undefined) {
      n = copyFigures(hosts, keys, this.approved(), mode).copies;
      this.memo.set(memoKey, n);
    }
    return n;
  }

  /** Forgets every count (a new census round, or a new operator list). */
  clear(): void {
    this.memo.clear();
  }
}
