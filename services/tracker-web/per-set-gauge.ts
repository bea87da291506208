/** A Prometheus gauge with one series per set, labelled `set` only (metrics.ts bounds how many such gauges exist). */
import { Gauge, type Registry } from 'prom-client';

/** Registers a gauge whose series are re-read from `series` (set id, value) at every scrape; a set gone is gone from the next scrape. */
export function perSetGauge(registry: Registry, name: string, help: string, series: () => Iterable<readonly [string, number]>): Gauge {
  return new Gauge({
    name,
    help,
    labelNames: ['set'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [setId, value] of series()) this.set({ set: setId }, value);
    },
  });
}
