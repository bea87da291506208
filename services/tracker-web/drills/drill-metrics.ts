import { Gauge, type Registry } from 'prom-client';
import type { DrillLog } from './drill-log.ts';
import { perSetGauge } from '../per-set-gauge.ts';
import type { DrillRecord } from './drill-record.ts';

/**
 * Adds the last drill's figures to the catalogue's Prometheus registry, read at scrape time.
 * Before any drill, `seedbank_drill_last_success` is -1 so an alert can tell "never" from "failed".
 */
export function registerDrillMetrics(registry: Registry, log: DrillLog): void {
  const gauge = (name: string, help: string, read: (log: DrillLog) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(log));
      },
    });
  gauge('seedbank_drill_last_success', 'Whether the last restore drill succeeded (1), failed (0) or none ran yet (-1)', (l) => {
    const last = l.last();
    return last ? Number(last.ok) : -1;
  });
  gauge('seedbank_drill_last_files_ok', 'Files the last restore drill restored and verified', (l) => l.last()?.filesOk ?? 0);
  gauge('seedbank_drill_last_seconds', 'Duration of the last restore drill', (l) => l.last()?.seconds ?? 0);
  // Per set (counted in metrics.ts SERIES_PER_SET): only sets that were drilled have these series.
  const perSet = (name: string, help: string, read: (r: DrillRecord) => number) =>
    perSetGauge(registry, name, help, () => [...log.lastPerSet()].map(([setId, r]) => [setId, read(r)] as const));
  perSet('seedbank_set_drill_last_success', "Whether the set's last restore drill succeeded (1) or failed (0)", (r) => Number(r.ok));
  perSet('seedbank_set_drill_last_timestamp_seconds', "When the set's last restore drill report arrived (Unix seconds)", (r) => Date.parse(r.receivedAt) / 1000);
  gauge('seedbank_drill_last_timestamp_seconds', 'When the last restore drill report arrived (Unix seconds)', (l) => {
    const last = l.last();
    return last ? Date.parse(last.receivedAt) / 1000 : 0;
  });
}
