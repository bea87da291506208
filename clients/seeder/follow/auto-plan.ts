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

/** A volume the catalogue says needs copies. */
export type CatalogueNeed = NeedBody;

/** Polls in a row a volume must be in surplus before it may be dropped. */
export const SURPLUS_POLLS_BEFORE_DROP = 2;

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
}

/** What to do this poll. */
export interface AutoPlan {
  add: CatalogueNeed[];
  drop: string[];
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
  for (const { n } of candidates) {
    const need = i.plannedOf(n.infoHash) ?? planned(n.size);
    if (need <= free) {
      plan.add.push(n);
      free -= need;
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
  }
  return plan;
}
