/**
 * What each set's kept copy figures were computed from, so a warm-up walks only the sets whose
 * figures may have changed. A set's figures depend on its latest version (its volumes and copy
 * target, fixed once published) and on each volume's passing holders and their operator keys
 * (the headline counts by mode and the approved list, which a change of either resets here).
 * Each volume's holders are summed up in a 53-bit signature; a census round in which a volume's
 * holders did not change leaves its sets' figures as they are. At Commons scale a round changes
 * the verdicts of a few volumes in a hundred: the warm-up after it walks those volumes' sets,
 * not all of them (it walked every set of the catalogue before: 6-7 s of CPU at 10M files).
 *
 * The basis is kept with the figures on disk (each volume's signature beside its copy count), so
 * a restart whose census matches the kept figures walks nothing either.
 */
import { Hash53, type VolumeHolders } from '../census/index.ts';

/** A set's kept figures' basis: its version and, per volume, the copy count and the holders' signature. */
export interface SetBasis {
  version: number;
  /** [info hash, the volume's copy count, the signature of its holders then]. */
  volumes: Array<[string, number, number]>;
}

/**
 * A signature of what a volume's set figures read from its holders: each passing host (in host
 * order) with the pieces it holds, and each host's proved operator keys. Failing holders are left
 * out: the figures do not read them (the file page and the lookup read the holders themselves).
 */
export function holderSignature(h: Pick<VolumeHolders, 'passing' | 'operatorKeys'>): number {
  const hash = new Hash53();
  const hosts = h.passing.size > 1 ? [...h.passing.keys()].sort() : [...h.passing.keys()];
  for (const host of hosts) {
    hash.text(host);
    hash.bytes(h.passing.get(host)!);
  }
  hash.byte(0x00);
  if (h.operatorKeys.size > 0) {
    for (const host of [...h.operatorKeys.keys()].sort()) {
      hash.text(host);
      for (const key of h.operatorKeys.get(host)!) hash.text(key);
    }
  }
  return hash.value();
}

/** Every set's basis, in memory (memory grows with volumes: a tuple per volume). */
export class FigureBasis {
  private readonly sets = new Map<string, SetBasis>();

  /** Notes what a set's figures were just computed from. */
  set(setId: string, basis: SetBasis): void {
    this.sets.set(setId, basis);
  }

  get(setId: string): SetBasis | undefined {
    return this.sets.get(setId);
  }

  /**
   * Whether a set's kept figures still hold: computed for its latest version, and no volume's
   * holders changed since (`signature`: each volume's holders now).
   */
  holds(setId: string, latestVersion: number, signature: (infoHash: string) => number): SetBasis | null {
    const b = this.sets.get(setId);
    if (!b || b.version !== latestVersion || b.volumes.length === 0) return null;
    for (const [ih, , sig] of b.volumes) if (signature(ih) !== sig) return null;
    return b;
  }

  /** Forgets every basis (a new operator list or counting mode: every figure is recomputed). */
  clear(): void {
    this.sets.clear();
  }

  get size(): number {
    return this.sets.size;
  }
}

/**
 * The basis of figures read back from disk: only when every volume has its signature (figures
 * kept before signatures existed are walked once, then kept with them).
 */
export function basisFromDisk(version: number, volumeCopies: ReadonlyArray<readonly [string, number, number?]> | undefined): SetBasis | null {
  if (!volumeCopies || volumeCopies.length === 0) return null;
  const volumes: Array<[string, number, number]> = [];
  for (const [ih, n, sig] of volumeCopies) {
    if (typeof sig !== 'number' || !Number.isFinite(sig)) return null;
    volumes.push([ih, n, sig]);
  }
  return { version, volumes };
}
