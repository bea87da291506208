/**
 * The simulated network's population: volumes with sizes and copy targets, and hosts with
 * quotas and bandwidths drawn from heavy-tailed spreads, all from one seeded PRNG so a run is
 * repeatable.
 */
import { prng } from '../../shared/prng.ts';

const GB = 1e9;

/** What a simulation run is asked for. */
export interface ChurnParams {
  hosts: number;
  volumes: number;
  days: number;
  seed: number;
  /** Space offered by the hosts as a multiple of what the copy targets need. */
  offerRatio: number;
  /** Mean volume size, bytes (Commons: ~300 TB over ~75,000 volumes is ~4 GB). */
  meanVolumeBytes: number;
  /** Share of volumes with a copy target of 5 instead of 3. */
  highTargetShare: number;
  /** Chance per day that an online host goes silent. */
  leavePerDay: number;
  /** Of the hosts that go silent, the share that comes back (with their data) later. */
  returnShare: number;
  /** Mean time away of a host that comes back, days. */
  meanAwayDays: number;
  /** Chance per year that an online host's disk fails (it comes back empty at once). */
  diskFailPerYear: number;
  /** Days of the start (the first fill) left out of the steady-state figures. */
  warmupDays: number;
}

/** Defaults: a network of Commons' order of magnitude with volunteer-like churn. */
export const DEFAULT_PARAMS: ChurnParams = {
  hosts: 3000,
  volumes: 75_000,
  days: 28,
  seed: 1,
  offerRatio: 3,
  meanVolumeBytes: 4 * GB,
  highTargetShare: 0.1,
  leavePerDay: 1 / 30,
  returnShare: 0.5,
  meanAwayDays: 2,
  diskFailPerYear: 0.05,
  warmupDays: 7,
};

/** A standard normal draw (Box-Muller) from a uniform source. */
function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** An exponential draw with the given mean. */
export function exponential(rand: () => number, mean: number): number {
  return -Math.log(Math.max(rand(), 1e-12)) * mean;
}

/** The volumes: sizes spread around the mean (0.25x to 1.75x), copy targets 3 or 5. */
export function makeVolumes(p: ChurnParams, rand: () => number): { size: Float64Array; target: Uint8Array } {
  const size = new Float64Array(p.volumes);
  const target = new Uint8Array(p.volumes);
  for (let v = 0; v < p.volumes; v++) {
    size[v] = Math.round(p.meanVolumeBytes * (0.25 + 1.5 * rand()));
    target[v] = rand() < p.highTargetShare ? 5 : 3;
  }
  return { size, target };
}

/**
 * Quotas: log-normal (a few institutions with tens of TB, many volunteers with a few hundred
 * GB), scaled so that together they offer `offerRatio` times what the targets need.
 * Download rates: log-normal around 100 Mbit/s (10 Mbit/s to 1 Gbit/s for most).
 */
export function drawHost(rand: () => number): { quotaWeight: number; rateBytesPerMs: number } {
  const quotaWeight = Math.exp(1.3 * normal(rand));
  const mbps = Math.min(10_000, Math.max(5, 100 * Math.exp(0.9 * normal(rand))));
  return { quotaWeight, rateBytesPerMs: (mbps * 1e6) / 8 / 1000 };
}

/** The seeded random source of a run. */
export function randomSource(seed: number): () => number {
  return prng(seed * 2_654_435_761);
}
