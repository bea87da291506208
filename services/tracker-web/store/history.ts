/**
 * The catalogue's samples over time: each set's copy figures after a census round, each
 * swarm's live counts and each set's distinct seeding hosts, for the plots and trend APIs.
 * Part of the catalogue store (`store.history`); the same LMDB environment and transactions.
 */
import { prefixRange, type CatalogueTables } from './open-lmdb.ts';
import type { SwarmSample } from './records.ts';

/** Time-range options for swarm history reads. */
export interface HistoryQuery {
  /** Unix ms, inclusive. */
  since?: number;
  /** Unix ms, exclusive. */
  until?: number;
  limit?: number;
}

/** The history tables of one catalogue store. */
export class StoreHistory {
  constructor(private readonly t: CatalogueTables) {}

  // ---- copy history ------------------------------------------------------------------------------

  /** Records a set's copy figures after a census round, so trends can be plotted. */
  async addCopySample(setId: string, time: number, s: { min: number; median: number; filesUnderTarget: number; bytesUnderTarget: number }): Promise<void> {
    await this.t.copyHistory.put([setId, time], [s.min, s.median, s.filesUnderTarget, s.bytesUnderTarget]);
  }

  /** A set's copy figures over time, oldest first. */
  copyHistory(setId: string, q: HistoryQuery = {}): Array<{ time: number; min: number; median: number; filesUnderTarget: number; bytesUnderTarget: number }> {
    const range = prefixRange([setId]);
    const start = q.since === undefined ? range.start : [setId, q.since];
    const end = q.until === undefined ? range.end : [setId, q.until];
    return [...this.t.copyHistory.getRange({ start, end, limit: q.limit })].map(({ key, value }) => ({
      time: key[1],
      min: value[0],
      median: value[1],
      filesUnderTarget: value[2],
      bytesUnderTarget: value[3],
    }));
  }

  // ---- tracker swarm history -------------------------------------------------------------------

  /** Records one sample of a swarm's live counts. */
  async addSwarmSample(s: SwarmSample): Promise<void> {
    await this.t.swarmHistory.put([s.infoHash, s.time], [s.complete, s.incomplete]);
  }

  /** Samples of one swarm in time order, for plots. */
  swarmHistory(infoHash: string, q: HistoryQuery = {}): SwarmSample[] {
    const range = prefixRange([infoHash]);
    const start = q.since === undefined ? range.start : [infoHash, q.since];
    const end = q.until === undefined ? range.end : [infoHash, q.until];
    return [...this.t.swarmHistory.getRange({ start, end, limit: q.limit })].map(({ key, value }) => ({
      infoHash,
      time: key[1],
      complete: value[0],
      incomplete: value[1],
    }));
  }

  /** The newest sample of one swarm. */
  latestSwarmSample(infoHash: string): SwarmSample | undefined {
    const range = prefixRange([infoHash]);
    for (const { key, value } of this.t.swarmHistory.getRange({ start: range.end, end: range.start, reverse: true, limit: 1 })) {
      return { infoHash, time: key[1], complete: value[0], incomplete: value[1] };
    }
    return undefined;
  }

  /** Deletes samples older than `beforeMs` (retention); returns how many went. */
  async pruneSwarmHistory(beforeMs: number): Promise<number> {
    let removed = 0;
    await this.t.swarmHistory.transaction(() => {
      for (const key of this.t.swarmHistory.getKeys()) {
        if (key[1] < beforeMs) {
          this.t.swarmHistory.removeSync(key);
          removed++;
        }
      }
    });
    return removed;
  }

  // ---- set seeder history ------------------------------------------------------------------------

  /** Records how many distinct hosts seeded any volume of a set at `time` (Unix ms). */
  async addSetSeederSample(setId: string, time: number, seeders: number): Promise<void> {
    await this.t.setSeeders.put([setId, time], seeders);
  }

  /** A set's seeder samples in time order, for the set page's plot. */
  setSeederHistory(setId: string, q: HistoryQuery = {}): Array<{ time: number; seeders: number }> {
    const range = prefixRange([setId]);
    const start = q.since === undefined ? range.start : [setId, q.since];
    const end = q.until === undefined ? range.end : [setId, q.until];
    return [...this.t.setSeeders.getRange({ start, end, limit: q.limit })].map(({ key, value }) => ({ time: key[1], seeders: value }));
  }

  /** A set's newest seeder sample. */
  latestSetSeederSample(setId: string): { time: number; seeders: number } | undefined {
    const range = prefixRange([setId]);
    for (const { key, value } of this.t.setSeeders.getRange({ start: range.end, end: range.start, reverse: true, limit: 1 })) return { time: key[1], seeders: value };
    return undefined;
  }
}
