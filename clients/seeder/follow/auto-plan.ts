/**
 * Auto mode's decision, as a pure function: fill the free quota with the neediest volumes, and
 * rebalance with hysteresis so seeders do not thrash. A hosted volume may only be dropped when
 * (a) it was at least one copy above target for two consecutive polls while this seeder was
 * among the last holders to join (so of two holders of one surplus volume only one leaves),
 * (b) it has been hosted the minimum time, and (c) a needier volume does not fit otherwise.
 * A volume at or below its target is never dropped; a superseded one (in no set's latest
 * version) may always make room.
 */
import { VOLUME_OVERHEAD_BYTES, ALLOCATION_UNIT_BYTES } from '../quota.ts';
import type { NeedBody } from '../../../shared/api/copies-schemas.ts';

/** What auto mode reads of a volume the catalogue says needs copies (GET /api/needs). */
export type CatalogueNeed = Pick<NeedBody, 'infoHash' | 'setId' | 'size' | 'copyTarget' | 'copies' | 'missing'>;

/** Polls in a row a volume must be in surplus before it may be dropped. */
export const SURPLUS_POLLS_BEFORE_DROP = 2;
/** Auto mode claims at most what its measured download rate brings in this long... */
export const AUTO_DOWNLOAD_HORIZON_MS = 20 * 60 * 1000; // 20 minutes: two polls at the default interval
/** ...or this much in flight while it has measured no rate yet (a new seeder). */
export const MIN_AUTO_DOWNLOADING_BYTES = 8 * 1024 ** 3; // 8 GiB: two volumes of Commons' usual size

/**
 * The most bytes auto mode lets download at once: what the measured rate (bytes per second)
 * brings in AUTO_DOWNLOAD_HORIZON_MS, or MIN_AUTO_DOWNLOADING_BYTES before any rate is
 * measured. A measured rate gets no floor: at 10 Mbit/s an 8 GiB floor queued a second volume
 * for an hour behind the first, and the churn simulation showed those queued volumes were
 * the ones that healed a departure last. planAuto still lets an idle seeder take one volume.
 */
export function maxDownloadingBytes(rateBytesPerSecond: number | undefined): number {
  if (rateBytesPerSecond === undefined || !(rateBytesPerSecond > 0)) return MIN_AUTO_DOWNLOADING_BYTES;
  return (rateBytesPerSecond * AUTO_DOWNLOAD_HORIZON_MS) / 1000;
}

/** A volume auto mode hosts, with what the catalogue said of it. */
export interface AutoHosted {
  infoHash: string;
  size: number;
  addedAtMs: number;
  /** In some set's latest version. */
  latest: boolean;
  surplusStreak: number;
}

/** The inputs of one decision. */
export interface AutoInput {
  needs: CatalogueNeed[];
  /** Other live seeders hosting each volume (their copies may not be counted yet). */
  claims: Record<string, number>;
  hosted: AutoHosted[];
  /** Exact planned disk use of candidates whose torrent is known (files rounded to blocks); else estimated from the size. */
  plannedOf: (infoHash: string) => number | undefined;
  /** Every volume hosted (auto or followed): never picked again. */
  hostedAll: ReadonlySet<string>;
  freeBytes: number;
  nowMs: number;
  minHostingMs: number;
  /** Bytes hosted volumes still have to download. */
  downloadingBytes?: number;
  /**
   * No add may take downloadingBytes past this (one add is always allowed when nothing is
   * downloading). A claim the seeder cannot fetch soon keeps other seeders off the volume
   * while it stays under target: claim only what arrives within a few polls.
   */
  maxDownloadingBytes?: number;
}

/** What to do this poll. */
export interface AutoPlan {
  add: CatalogueNeed[];
  drop: string[];
}

/** What the catalogue says of a hosted volume, as far as the surplus streak needs it. */
export interface SurplusInfo {
  copies: number;
  holders: number;
  copyTarget: number;
  /** This seeder's place among the volume's holders, in join order (0 = first). */
  rank: number;
  latest: boolean;
}

/**
 * The next surplus streak of a hosted volume: one more poll in surplus, or back to 0. Of
 * several holders of a surplus volume only those beyond the target (by join order) count, so
 * the first holders never leave together.
 */
export function nextSurplusStreak(streak: number, info: SurplusInfo | undefined): number {
  if (!info) return 0;
  const surplus = Math.max(info.copies, info.holders) - info.copyTarget;
  return info.latest && surplus >= 1 && info.rank >= info.copyTarget ? streak + 1 : 0;
}

const planned = (size: number) => Math.ceil(size / ALLOCATION_UNIT_BYTES) * ALLOCATION_UNIT_BYTES + VOLUME_OVERHEAD_BYTES;

/** Decides which volumes to add and which to drop. */
export function planAuto(i: AutoInput): AutoPlan {
  const candidates = i.needs
    .filter((n) => !i.hostedAll.has(n.infoHash))
    .map((n) => ({ n, missing: n.copyTarget - Math.max(n.copies, i.claims[n.infoHash] ?? 0) }))
    .filter((c) => c.missing > 0)
    .sort((a, b) => b.missing / b.n.copyTarget - a.missing / a.n.copyTarget || b.missing - a.missing || a.n.size - b.n.size);
  const droppable = i.hosted
    .filter((h) => !h.latest || (h.surplusStreak >= SURPLUS_POLLS_BEFORE_DROP && i.nowMs - h.addedAtMs >= i.minHostingMs))
    .sort((a, b) => Number(a.latest) - Number(b.latest) || b.size - a.size);
  const plan: AutoPlan = { add: [], drop: [] };
  let free = i.freeBytes;
  let downloading = i.downloadingBytes ?? 0;
  const maxDownloading = i.maxDownloadingBytes ?? Infinity;
  for (const { n } of candidates) {
    if (downloading > 0 && downloading + n.size > maxDownloading) break;
    const need = i.plannedOf(n.infoHash) ?? planned(n.size);
    if (need <= free) {
      plan.add.push(n);
      free -= need;
      downloading += n.size;
      continue;
    }
    // Only one rebalancing step per poll: the network gets a poll to react before the next.
    if (plan.drop.length > 0) continue;
    const chosen: string[] = [];
    let freed = 0;
    for (const h of droppable) {
      if (free + freed >= need) break;
      chosen.push(h.infoHash);
      freed += planned(h.size);
    }
    if (free + freed < need) continue;
    plan.drop.push(...chosen);
    plan.add.push(n);
    free = free + freed - need;
    downloading += n.size;
  }
  return plan;
}
