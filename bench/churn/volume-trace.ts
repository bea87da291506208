/**
 * What happened to each volume since it last fell under its copy target, so that a departure
 * healed late can be explained: when it fell under, when it first showed in the needs list,
 * when a host added it, when that download completed and when the census counted it back.
 */

/** Per-volume times (ms of simulated time; -1 = not yet) of the volume's last stretch under target. */
export class VolumeTrace {
  readonly underAt: Float64Array;
  readonly atTargetAt: Float64Array;
  /** First needs list (top MAX_NEEDS) it appeared in since falling under. */
  readonly inNeedsAt: Float64Array;
  /** The first add by a host since falling under, and how many adds since. */
  readonly firstAddAt: Float64Array;
  readonly lastAddAt: Float64Array;
  readonly adds: Uint16Array;
  readonly lastCompleteAt: Float64Array;
  /** The host whose copy stopped counting when it fell under (-1: none known). */
  readonly fellUnderBy: Int32Array;
  /** Under-target volumes when it fell under (how crowded the needs list was). */
  readonly underCountAt: Int32Array;
  /** Hosts that added it since it fell under and lost it (left or disk failed) before the census counted their copy. */
  readonly healerLosses: Uint16Array;
  /** The last such loss while under target (-1: none since it fell under), and when the catalogue stops counting that healer's claim. */
  readonly healerLostAt: Float64Array;
  readonly claimLapsesAt: Float64Array;
  /** The first tick after that loss the volume was open in the needs list again (listed, short of its target counting claims). */
  readonly reofferedAt: Float64Array;
  /** Per healer loss made good by a new add: when it was lost, from the loss to its claim lapsing and to the volume open in the list again, from there to the add. */
  readonly reoffers: Array<{ at: number; lapseMs: number; openMs: number; addMs: number }> = [];
  /** Needs entries (of the top MAX_NEEDS) whose claims already covered their target, per tick: the latest. */
  coveredInNeeds = 0;
  coveredInNeedsSum = 0;
  rankings = 0;

  constructor(n: number) {
    this.underAt = new Float64Array(n).fill(-1);
    this.atTargetAt = new Float64Array(n).fill(-1);
    this.inNeedsAt = new Float64Array(n).fill(-1);
    this.firstAddAt = new Float64Array(n).fill(-1);
    this.lastAddAt = new Float64Array(n).fill(-1);
    this.adds = new Uint16Array(n);
    this.lastCompleteAt = new Float64Array(n).fill(-1);
    this.underCountAt = new Int32Array(n);
    this.fellUnderBy = new Int32Array(n).fill(-1);
    this.healerLosses = new Uint16Array(n);
    this.healerLostAt = new Float64Array(n).fill(-1);
    this.claimLapsesAt = new Float64Array(n).fill(-1);
    this.reofferedAt = new Float64Array(n).fill(-1);
  }

  /** The volume fell under its target. */
  fellUnder(v: number, now: number, underCount: number, by: number): void {
    this.underAt[v] = now;
    this.fellUnderBy[v] = by;
    this.inNeedsAt[v] = -1;
    this.firstAddAt[v] = -1;
    this.adds[v] = 0;
    this.healerLosses[v] = 0;
    this.healerLostAt[v] = -1;
    this.underCountAt[v] = underCount;
  }

  /** The volume is back at its target in the census's count. */
  reachedTarget(v: number, now: number): void {
    this.atTargetAt[v] = now;
    this.reofferedAt[v] = -1;
  }

  /** The volume is in this tick's needs list. */
  listed(v: number, now: number): void {
    if (this.inNeedsAt[v]! < this.underAt[v]!) this.inNeedsAt[v] = now;
  }

  /** The volume is open in this tick's needs list (short of its target counting live claims): a host may add it. */
  offered(v: number, now: number): void {
    if (this.healerLostAt[v]! >= 0 && this.reofferedAt[v]! < this.healerLostAt[v]!) this.reofferedAt[v] = now;
  }

  /** A host added the volume. */
  added(v: number, now: number): void {
    const lost = this.healerLostAt[v]!;
    if (lost >= 0 && this.reofferedAt[v]! >= lost && this.lastAddAt[v]! < this.reofferedAt[v]!) {
      this.reoffers.push({ at: lost, lapseMs: this.claimLapsesAt[v]! - lost, openMs: this.reofferedAt[v]! - lost, addMs: now - this.reofferedAt[v]! });
    }
    if (this.firstAddAt[v]! < this.underAt[v]!) this.firstAddAt[v] = now;
    this.lastAddAt[v] = now;
    this.adds[v] = this.adds[v]! + 1;
  }

  /**
   * A host lost its copy before the census counted it: a second loss while the volume heals, if
   * it is under target. `claimLapsesAt`: when the catalogue stops counting that host's claim
   * (its silence runs past the claim lifetime, its grace ends, or its next report leaves it out).
   */
  healerLost(v: number, underNow: boolean, now: number, claimLapsesAt: number): void {
    if (!underNow) return;
    this.healerLosses[v] = this.healerLosses[v]! + 1;
    this.healerLostAt[v] = now;
    this.claimLapsesAt[v] = Math.max(now, claimLapsesAt);
  }

  /** A download of the volume completed. */
  completed(v: number, now: number): void {
    this.lastCompleteAt[v] = now;
  }
}
