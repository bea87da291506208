/** Seeded shuffles for the catalogue benches: the same seed picks the same sample of sets and files on every run. */
import { prng } from '../../shared/prng.ts';

/** A shuffle (Fisher–Yates) drawing from one seeded stream: each call returns a shuffled copy, and successive calls differ. */
export function seededShuffle(seed: number): <T>(xs: readonly T[]) => T[] {
  const r = prng(seed);
  return <T>(xs: readonly T[]): T[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
}
