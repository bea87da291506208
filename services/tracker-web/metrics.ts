import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Express } from 'express';
import type { CensusRunner } from './redundancy/census-runner.ts';
import type { CopyIndex } from './redundancy/copy-index.ts';
import type { SpaceBalance, SpaceOffer } from './redundancy/needs.ts';
import { networkSpace, readSetFigures, type SetFigures } from './redundancy/network-figures.ts';
import { perSetGauge } from './per-set-gauge.ts';
import type { CatalogueStore, SetSummary } from './store/catalogue-store.ts';
import type { SwarmReader } from './tracker/swarm-store.ts';

/** Where Prometheus scrapes. */
export const METRICS_PATH = '/metrics';

/**
 * Series one set adds at most: the five `seedbank_set_*` gauges here and the two per-set drill
 * gauges (drills/drill-metrics.ts, only for sets that were drilled). The only per-set label is
 * `set`: no per-volume or per-file label, so 5,000 sets make at most 35,000 series.
 */
export const SERIES_PER_SET = 7;

/** What the metrics read. */
export interface MetricSources {
  store: CatalogueStore;
  copies: CopyIndex;
  census: CensusRunner;
  swarms: SwarmReader;
  /** What the seeders seen recently offer (SeederReports.offer); none when absent. */
  offer?: () => SpaceOffer;
}

const NO_OFFER: SpaceOffer = { offeredBytes: 0, usedBytes: 0, seeders: 0 };

/** One scrape's figures, computed once however many gauges read them. */
interface ScrapeFigures {
  /** The published sets, read once per scrape (each row is a store read). */
  rows: SetSummary[];
  sets: SetFigures[];
  space: SpaceBalance;
}

/**
 * Prometheus metrics of the catalogue. Network figures are computed at scrape time from the
 * store and the copy index: the copy counts are the last computed ones (`peek`), never a
 * recomputation, so a scrape right after a census round does not stall the tracker.
 */
export function mountMetrics(app: Express, src: MetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'seedbank_catalogue_' });
  // prom-client calls every gauge's collect() in the same tick of a scrape: compute once, forget after.
  let scrape: ScrapeFigures | null = null;
  const figures = (): ScrapeFigures => {
    if (!scrape) {
      const rows = src.store.listSets().filter((s) => s.latest);
      scrape = { rows, sets: readSetFigures(src, 'peek', rows), space: networkSpace(src, src.offer?.() ?? NO_OFFER, 'peek', rows) };
      setImmediate(() => (scrape = null));
    }
    return scrape;
  };
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  /** A gauge with one series per published set (a deleted set's series goes with the next scrape). */
  const perSet = (name: string, help: string, read: (s: SetFigures) => number) =>
    perSetGauge(registry, name, help, () => figures().sets.map((s) => [s.setId, read(s)] as const));
  const sets = () => figures().rows;
  gauge('seedbank_sets', 'Sets with at least one published version', () => sets().length);
  gauge('seedbank_files', "Files in the sets' latest versions", () => sets().reduce((n, s) => n + (s.latest?.totals.files ?? 0), 0));
  gauge('seedbank_bytes', "Bytes in the sets' latest versions", () => sets().reduce((n, s) => n + (s.latest?.totals.bytes ?? 0), 0));
  gauge('seedbank_bytes_under_target', 'Bytes of files with fewer verified copies than their copy target', () => figures().sets.reduce((n, s) => n + s.bytesUnderTarget, 0));
  gauge('seedbank_files_without_copy', 'Files with no verified copy at all', () => sets().reduce((n, s) => n + (src.copies.peekSet(s.id)?.histogram.get(0) ?? 0), 0));
  gauge('seedbank_sets_below_target', 'Sets whose least-copied file is under the copy target', () => figures().sets.filter((s) => s.copies < s.copyTarget).length);
  gauge('seedbank_swarm_seeders', 'Seeders now: distinct hosts (IPv4 address, IPv6 /64) seeding any volume; seeders on one machine count once', () =>
    src.swarms.seedingHostsOverall?.() ?? src.swarms.infoHashes().reduce((n, ih) => n + src.swarms.counts(ih).seedingHosts, 0),
  );

  // The space balance: the same function as the home page's banner and /api/needs totals.
  gauge('seedbank_space_needed_bytes', 'Bytes still to store to bring every volume to its copy target (sum of size x missing copies)', () => figures().space.neededBytes);
  gauge('seedbank_space_offered_bytes', 'Quotas of the seeders seen recently (last report within three poll intervals), each capped at what it holds plus its free disk', () => figures().space.offeredBytes);
  gauge('seedbank_space_used_bytes', 'What the seeders seen recently already hold', () => figures().space.usedBytes);
  gauge('seedbank_space_free_bytes', 'Offered space the seeders seen recently do not use yet', () => figures().space.freeBytes);
  gauge('seedbank_space_short_bytes', 'Bytes still needed beyond the free offered space (0: enough space)', () => figures().space.shortBytes);
  gauge('seedbank_seeders_reporting', 'Seeders whose space counts: a counted report within three of their poll intervals', () => figures().space.seeders);
  gauge('seedbank_volumes_under_target', 'Volumes of the latest versions with fewer copies than their copy target', () => figures().space.volumesUnderTarget);

  // Per set, a few series each (SERIES_PER_SET in all): what a dashboard needs to find the set at risk.
  perSet('seedbank_set_copies', "Copies of the set's least-copied volume (audited hosts, or approved operators in that copies mode)", (s) => s.copies);
  perSet('seedbank_set_copy_target', 'Copies the set asks the network to keep', (s) => s.copyTarget);
  perSet('seedbank_set_seeders', 'Distinct hosts seeding any volume of the set now (tracker)', (s) => s.seeders);
  perSet('seedbank_set_bytes_under_target', 'Bytes of the set in files with fewer copies than its target', (s) => s.bytesUnderTarget);
  perSet('seedbank_set_bytes_to_target', "Bytes still to store to bring every volume of the set to its target", (s) => s.bytesToTarget);

  gauge('seedbank_census_last_round_seconds', 'Duration of the last census round', () => (src.census.lastRound?.ms ?? 0) / 1000);
  gauge('seedbank_census_last_round_timestamp_seconds', 'When the last census round started (Unix seconds; 0 before the first)', () => (src.census.lastRound?.startedAt ?? 0) / 1000);
  gauge('seedbank_census_last_round_peers', 'Peers audited in the last census round', () => src.census.lastRound?.peers ?? 0);
  gauge('seedbank_census_last_round_failed', 'Peers that failed their piece audit in the last round', () => src.census.lastRound?.failed ?? 0);
  gauge('seedbank_census_last_round_carried', 'Peers the last round did not audit (host backed off or round budget spent), first in line next round', () => src.census.lastRound?.carried ?? 0);
  gauge('seedbank_census_backed_off_hosts', 'Hosts whose audits keep timing out, probed once a round', () => src.census.lastRound?.backedOffHosts ?? 0);
  gauge('seedbank_census_oldest_verdict_age_seconds', 'Age of the oldest audit verdict among known peers (copies expire past the copy age limit)', () => (src.census.status().oldestVerdictAgeMs ?? 0) / 1000);
  gauge('seedbank_census_copy_max_age_seconds', 'How old a verdict may be and still count as a copy', () => src.census.status().copyMaxAgeMs / 1000);
  app.get(METRICS_PATH, async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return registry;
}
