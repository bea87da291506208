/**
 * The catalogue's live claims in the simulation, kept as SeederReports keeps them
 * (services/tracker-web/seeders/seeder-reports.ts): per volume, its holders in join order with
 * when each first claimed it. A claim counts while its seeder reports (claimLifetimeMs after
 * its last report) and, as the real holders() does, only within the claim audit grace after it
 * was first made unless the census has since verified a copy at that host: a claim the census
 * never confirms stops counting, even while its seeder is still downloading.
 */
import { claimLifetimeMs } from '../../services/tracker-web/seeders/seeder-reports.ts';
import type { Host } from './model.ts';

/** The claim rules of a run. */
export interface ClaimRules {
  pollIntervalMs: number;
  /** How long an unconfirmed claim counts after it was first made (Infinity: the grace is not modelled). */
  auditGraceMs: number;
}

/** Live holders of a volume, and one host's place among them (join order, -1 if not one). */
export interface LiveHolders {
  count: number;
  rank: number;
}

/** Every volume's claims. */
export class ClaimBook {
  private readonly holders: Array<Array<{ host: Host; since: number }>>;
  private readonly lifetimeMs: number;

  constructor(volumes: number, private readonly rules: ClaimRules) {
    this.holders = Array.from({ length: volumes }, () => []);
    this.lifetimeMs = claimLifetimeMs(rules.pollIntervalMs);
  }

  /**
   * Whether a host's claim counts now: its seeder reported within the claim lifetime, and the
   * claim is in its audit grace or the census counts the host's copy (the census audited it after
   * the claim was made: a copy is counted only after its download, which follows the claim).
   */
  counts(host: Host, v: number, since: number, now: number): boolean {
    if (now - host.lastReportAt > this.lifetimeMs) return false;
    return now - since <= this.rules.auditGraceMs || host.holdings.get(v)?.counted === true;
  }

  /** When a claim stops counting if nothing changes: its seeder's silence or the end of its grace (Infinity once confirmed). */
  lapsesAt(host: Host, v: number, since: number): number {
    const silent = host.lastReportAt + this.lifetimeMs;
    const grace = host.holdings.get(v)?.counted === true ? Infinity : since + this.rules.auditGraceMs;
    return Math.min(silent, grace);
  }

  /** Live holders of `v` now, and `host`'s place among them; forgets the claims of hosts gone for good. */
  live(v: number, now: number, host?: Host): LiveHolders {
    const list = this.holders[v]!;
    let count = 0;
    let rank = -1;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      const fresh = now - e.host.lastReportAt <= this.lifetimeMs;
      if (!fresh && e.host.gone) {
        list.splice(i--, 1);
        continue;
      }
      if (!this.counts(e.host, v, e.since, now)) continue;
      if (e.host === host) rank = count;
      count++;
    }
    return { count, rank };
  }

  /** A host's claim of `v`, if it has one. */
  sinceOf(host: Host, v: number): number | undefined {
    return host.reported.get(v);
  }

  /**
   * The host's report: claims of volumes it no longer holds end, new ones start now (the
   * catalogue keeps when each was first claimed). Calls `claimed` for each new claim.
   */
  report(host: Host, now: number, claimed: (v: number) => void): void {
    for (const v of host.reported.keys()) {
      if (host.holdings.has(v)) continue;
      host.reported.delete(v);
      const list = this.holders[v]!;
      const i = list.findIndex((e) => e.host === host);
      if (i >= 0) list.splice(i, 1);
    }
    for (const v of host.holdings.keys()) {
      if (host.reported.has(v)) continue;
      host.reported.set(v, now);
      this.holders[v]!.push({ host, since: now });
      claimed(v);
    }
    host.lastReportAt = now;
  }
}
