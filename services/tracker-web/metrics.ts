import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Express } from 'express';
import type { CensusRunner } from './redundancy/census-runner.ts';
import type { CopyIndex } from './redundancy/copy-index.ts';
import { readSetFigures } from './redundancy/set-figures.ts';
import type { CatalogueStore } from './store/catalogue-store.ts';
import type { SwarmReader } from './tracker/swarm-store.ts';

/** Where Prometheus scrapes. */
export const METRICS_PATH = '/metrics';

/**
 * Prometheus metrics of the catalogue. Network figures are computed at scrape time from the
 * store and the copy index (cheap reads of cached values), so they can never go stale.
 */
export function mountMetrics(app: Express, src: { store: CatalogueStore; copies: CopyIndex; census: CensusRunner; swarms: SwarmReader }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'seedbank_catalogue_' });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  const sets = () => src.store.listSets().filter((s) => s.latest);
  gauge('seedbank_sets', 'Sets with at least one published version', () => sets().length);
  gauge('seedbank_files', "Files in the sets' latest versions", () => sets().reduce((n, s) => n + (s.latest?.totals.files ?? 0), 0));
  gauge('seedbank_bytes', "Bytes in the sets' latest versions", () => sets().reduce((n, s) => n + (s.latest?.totals.bytes ?? 0), 0));
  gauge('seedbank_bytes_under_target', 'Bytes of files with fewer verified copies than their copy target', () => sets().reduce((n, s) => n + (readSetFigures(src.copies, s.id)?.bytesUnderTarget ?? 0), 0));
  gauge('seedbank_files_without_copy', 'Files with no verified copy at all', () => sets().reduce((n, s) => n + (readSetFigures(src.copies, s.id)?.histogram.get(0) ?? 0), 0));
  gauge('seedbank_sets_below_target', 'Sets whose least-copied file is under the copy target', () =>
    sets().filter((s) => (readSetFigures(src.copies, s.id)?.min ?? 0) < s.copyTarget).length,
  );
  gauge('seedbank_swarm_seeders', 'Seeding hosts (distinct addresses) the tracker sees, summed over swarms', () => src.swarms.infoHashes().reduce((n, ih) => n + src.swarms.counts(ih).seedingHosts, 0));
  gauge('seedbank_census_last_round_seconds', 'Duration of the last census round', () => (src.census.lastRound?.ms ?? 0) / 1000);
  gauge('seedbank_census_last_round_peers', 'Peers audited in the last census round', () => src.census.lastRound?.peers ?? 0);
  gauge('seedbank_census_last_round_failed', 'Peers that failed their piece audit in the last round', () => src.census.lastRound?.failed ?? 0);
  gauge('seedbank_census_last_round_carried', 'Peers the last round did not audit (host backed off or round budget spent), first in line next round', () => src.census.lastRound?.carried ?? 0);
  gauge('seedbank_census_backed_off_hosts', 'Hosts whose audits keep timing out, probed once a round', () => src.census.lastRound?.backedOffHosts ?? 0);
  gauge('seedbank_census_oldest_verdict_age_seconds', 'Age of the oldest audit verdict among known peers (copies expire past the copy age limit)', () => (src.census.status().oldestVerdictAgeMs ?? 0) / 1000);
  app.get(METRICS_PATH, async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return registry;
}
