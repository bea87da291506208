/**
 * The seeders' reports, kept in memory (the latest per seeder; a restart forgets them and the
 * figures come back within one poll interval). From them: the space offered (sum of the quotas
 * of seeders heard from in the last 24 h) and live claims (which seeder hosts which volume, in
 * join order), which auto-mode seeders use to spread out before the census counts their copies.
 */
import type { SeederReport } from '../../../shared/api/seeder-schemas.ts';

/** Reports older than this no longer count towards the space offered. */
export const OFFER_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A claim lives this many of its seeder's poll intervals after its last report. */
const CLAIM_LIFETIME_POLLS = 3;
/** Bounds on a claim's lifetime, whatever poll interval a seeder states. */
const MIN_CLAIM_LIFETIME_MS = 5_000;
const MAX_CLAIM_LIFETIME_MS = 2 * 60 * 60 * 1000;

/** How long a seeder's claims live after its last report, for the poll interval it states. */
export function claimLifetimeMs(pollIntervalMs: number): number {
  return Math.min(MAX_CLAIM_LIFETIME_MS, Math.max(MIN_CLAIM_LIFETIME_MS, pollIntervalMs * CLAIM_LIFETIME_POLLS));
}
/** At most this many seeders are remembered (the oldest report is forgotten first). */
const MAX_SEEDERS = 100_000;

/** One seeder's latest report (the shared contract's SeederReport) and when it came. */
export interface SeederReportRecord extends SeederReport {
  receivedAt: number;
  /** When each reported volume first appeared in this seeder's reports. */
  since: Map<string, number>;
}

/** The latest report of every seeder. */
export class SeederReports {
  private readonly reports = new Map<string, SeederReportRecord>();

  /** Records a report, keeping when each volume was first claimed. */
  record(r: Omit<SeederReportRecord, 'receivedAt' | 'since'>, now = Date.now()): SeederReportRecord {
    const before = this.reports.get(r.seederId);
    const since = new Map<string, number>();
    for (const ih of r.volumes) since.set(ih, before?.since.get(ih) ?? now);
    const rec = { ...r, receivedAt: now, since };
    this.reports.delete(r.seederId);
    this.reports.set(r.seederId, rec);
    if (this.reports.size > MAX_SEEDERS) this.reports.delete(this.reports.keys().next().value!);
    return rec;
  }

  /** Sum of the quotas of seeders heard from within the last 24 h. */
  offeredBytes(now = Date.now()): number {
    let sum = 0;
    for (const r of this.reports.values()) if (now - r.receivedAt <= OFFER_WINDOW_MS) sum += r.quotaBytes;
    return sum;
  }

  /** Seeders heard from within the last 24 h. */
  activeSeeders(now = Date.now()): number {
    let n = 0;
    for (const r of this.reports.values()) if (now - r.receivedAt <= OFFER_WINDOW_MS) n++;
    return n;
  }

  /** Live holders of each volume, in join order (earliest claim first, then seeder id). */
  holders(now = Date.now()): Map<string, string[]> {
    const byVolume = new Map<string, Array<{ id: string; since: number }>>();
    for (const r of this.reports.values()) {
      const lifetime = claimLifetimeMs(r.pollIntervalMs);
      if (now - r.receivedAt > lifetime) continue;
      for (const [ih, since] of r.since) {
        const list = byVolume.get(ih) ?? [];
        list.push({ id: r.seederId, since });
        byVolume.set(ih, list);
      }
    }
    const out = new Map<string, string[]>();
    for (const [ih, list] of byVolume) out.set(ih, list.sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : 1)).map((x) => x.id));
    return out;
  }
}
