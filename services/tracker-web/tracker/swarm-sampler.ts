/**
 * Samples the tracker's live swarm counts into the store's history so counts can be plotted
 * over time. A sample is written when a swarm's counts changed since the last one, or when the
 * last one is older than the heartbeat, which keeps the history small for quiet swarms while
 * every plotted step stays exact.
 */
import type { Logger } from '../../../shared/log.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import type { SwarmCounts } from './catalogue-tracker.ts';

/** Default sampling period: once a minute. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 60_000;
/** A quiet swarm still gets a sample this often, so a plot shows it was watched. */
export const DEFAULT_HEARTBEAT_MS = 60 * 60 * 1000;

export interface SwarmSamplerOptions {
  store: CatalogueStore;
  swarms: () => SwarmCounts[];
  /** Each published set's seeders now (distinct hosts over its volumes), sampled for the set page's plot. */
  sets?: () => Array<{ setId: string; seeders: number }>;
  logger: Logger;
  intervalMs?: number;
  heartbeatMs?: number;
  now?: () => number;
}

export class SwarmSampler {
  private timer: NodeJS.Timeout | null = null;
  private readonly last = new Map<string, { time: number; complete: number; incomplete: number }>();
  private readonly lastOfSet = new Map<string, { time: number; seeders: number }>();

  constructor(private readonly opts: SwarmSamplerOptions) {}

  /** Starts the periodic sampling (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sampleNow().catch((err: unknown) => this.opts.logger.warn({ err }, 'swarm sampling failed'));
    }, this.opts.intervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Takes one sample of every swarm now; returns how many samples were written. */
  async sampleNow(): Promise<number> {
    const now = (this.opts.now ?? Date.now)();
    const heartbeat = this.opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    let written = 0;
    for (const s of this.opts.swarms()) {
      const prev = this.last.get(s.infoHash) ?? this.opts.store.history.latestSwarmSample(s.infoHash);
      const changed = !prev || prev.complete !== s.complete || prev.incomplete !== s.incomplete;
      if (!changed && now - prev.time < heartbeat) continue;
      await this.opts.store.history.addSwarmSample({ ...s, time: now });
      this.last.set(s.infoHash, { time: now, complete: s.complete, incomplete: s.incomplete });
      written++;
    }
    // Per set too: hosts seeding several volumes of a set count once, which no per-swarm sum can tell.
    for (const s of this.opts.sets?.() ?? []) {
      const prev = this.lastOfSet.get(s.setId) ?? this.opts.store.history.latestSetSeederSample(s.setId);
      if (prev && prev.seeders === s.seeders && now - prev.time < heartbeat) continue;
      await this.opts.store.history.addSetSeederSample(s.setId, now, s.seeders);
      this.lastOfSet.set(s.setId, { time: now, seeders: s.seeders });
      written++;
    }
    return written;
  }

  /** Stops sampling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
