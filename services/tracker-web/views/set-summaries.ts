import { versionFacts } from './version-facts.ts';
import type { SetSummary as SetView } from '../pages/view-models.ts';
import type { CopyIndex } from '../redundancy/copy-index.ts';
import { readSetFigures } from '../redundancy/set-figures.ts';
import type { CatalogueStore, SetSummary as SetRow } from '../store/catalogue-store.ts';
import type { SwarmReader } from '../tracker/swarm-store.ts';
import { seedingHosts } from '../redundancy/network-figures.ts';

/** What the view builders need from the running catalogue. */
export interface ViewSources {
  store: CatalogueStore;
  copies: CopyIndex;
  /** The tracker's live swarms. */
  swarms: SwarmReader;
  now: () => Date;
  census?: { lastRound: { startedAt: number } | null };
}

/** Distinct hosts that hold a whole volume of the set now, as the tracker sees them (one host, one seeder). */
export function seedersNow(swarms: SwarmReader, volumes: string[]): number {
  return seedingHosts(swarms, volumes);
}

/** Risk from 0 (every file at target) to 1 (some file has no copy). */
export function riskScore(minCopies: number, target: number): number {
  return target <= 0 ? 0 : Math.max(0, Math.min(1, (target - minCopies) / target));
}

/** The summary row of a set for lists and the set page. */
export function summarizeSet(src: ViewSources, row: SetRow, o: { live: boolean } = { live: true }): SetView {
  const latest = row.latest;
  const facts = latest ? versionFacts(src.store, row.id, latest.version) : null;
  const stats = readSetFigures(src.copies, row.id);
  return {
    id: row.id,
    title: row.title,
    tags: row.tags,
    regionLabel: facts?.regionLabel ?? null,
    bytes: latest?.totals.bytes ?? 0,
    files: latest?.totals.files ?? 0,
    latestVersion: latest ? { n: latest.version, builtAt: latest.builtAt } : null,
    // Left at 0 when the caller adds the live count itself (the home page keeps the rest).
    seedersNow: o.live ? seedersNow(src.swarms, latest?.volumes ?? []) : 0,
    copies: { min: stats?.min ?? 0, median: stats?.median ?? 0 },
    copyTarget: row.copyTarget,
    risk: riskScore(stats?.min ?? 0, row.copyTarget),
  };
}

export { regionLabel } from './region-label.ts';
