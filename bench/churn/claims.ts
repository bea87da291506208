/**
 * The catalogue's live claims in the simulation, kept as SeederReports keeps them
 * (services/tracker-web/seeders/seeder-reports.ts): per volume, its holders in join order with
 * when each first claimed it. A claim counts while its seeder reports (claimLifetimeMs after
 * its last report) and, as the real holders() does, only within the claim audit grace after it
 * was first made or after its download last moved (the real claimGraceEndsAt, fed by the same
 * nextClaimProgress) unless the census has since verified a copy at that host: a claim whose
 * download stalls or waits in the host's queue stops counting; one whose download moves does not.
 */
import { claimGraceEndsAt, claimLifetimeMs, nextClaimProgress } from '../../services/tracker-web/seeders/seeder-reports.ts';
import type { Host } from './model.ts';

/** The claim rules of a run. */
export interface ClaimRules {
  pollIntervalMs: number;
  /** How long an unconfirmed claim counts after it was made or its download last moved (Infinity: the grace is not modelled). */
  auditGraceMs: number;
}

/** Live holders of a volume, and one host's place among them (join order, -1 if not one). */
export interface LiveHolders {
  count: number;
  rank: number;
}

/** Every volume's claims. */
export class ClaimBook {
  private readonly holders: Host[][];
  private readonly lifetimeMs: number;

  constructor(volumes: number, private readonly rules: ClaimRules) {
    this.holders = Array.from({ length: volumes }, () => []);
    this.lifetimeMs = claimLifetimeMs(rules.pollIntervalMs);
  }

  /**
   * Whether a host's claim counts now: its seeder reported within the claim lifetime, and the
   * claim is in its audit grace (counted from its last progress) or the census counts the host's
   * copy (the census audited it after the claim was made: a copy is counted only after its
   * download, which follows the claim).
   */
  counts(host: Host, v: number, now: number): boolean {
    if (now - host.lastReportAt > this.lifetimeMs) return false;
    if (host.holdings.get(v)?.counted === true) return true;
    const p = host.reported.get(v);
    return p !== undefined && now <= claimGraceEndsAt(p, this.rules.auditGraceMs);
  }

  /** When a claim stops counting if nothing changes: its seeder's silence or the end of its grace (Infinity once confirmed). */
  lapsesAt(host: Host, v: number): number {
    const silent = host.lastReportAt + this.lifetimeMs;
    const p = host.reported.get(v);
    const grace = host.holdings.get(v)?.counted === true ? Infinity : p === undefined ? -Infinity : claimGraceEndsAt(p, this.rules.auditGraceMs);
    return Math.min(silent, grace);
  }

  /** Whether the claim's grace had run out by `at` (the census counted its copy after others saw the volume open). */
  lapsedBefore(host: Host, v: number, at: number): boolean {
    const p = host.reported.get(v);
    return p !== undefined && at > claimGraceEndsAt(p, this.rules.auditGraceMs);
  }

  /** Live holders of `v` now, and `host`'s place among them; forgets the claims of hosts gone for good. */
  live(v: number, now: number, host?: Host): LiveHolders {
    const list = this.holders[v]!;
    let count = 0;
    let rank = -1;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      const fresh = now - e.lastReportAt <= this.lifetimeMs;
      if (!fresh && e.gone) {
        list.splice(i--, 1);
        continue;
      }
      if (!this.counts(e, v, now)) continue;
      if (e === host) rank = count;
      count++;
    }
    return { count, rank };
  }

  /** When a host's claim of `v` was first made, if it has one. */
  sinceOf(host: Host, v: number): number | undefined {
    return host.reported.get(v)?.since;
  }

  /**
   * The host's report: claims of volumes it no longer holds end, new ones start now (the
   * catalogue keeps when each was first claimed), and each download not yet complete states its
   * verified bytes as the seeder does (`bytesDone`), moving its claim's progress. Calls
   * `claimed` for each new claim.
   */
  report(host: Host, now: number, bytesDone: (v: number) => number | undefined, claimed: (v: number) => void): void {
    for (const v of host.reported.keys()) {
      if (host.holdings.has(v)) continue;
      host.reported.delete(v);
      const list = this.holders[v]!;
      const i = list.indexOf(host);
      if (i >= 0) list.splice(i, 1);
    }
    for (const v of host.holdings.keys()) {
      const before = host.reported.get(v);
      host.reported.set(v, nextClaimProgress(before, bytesDone(v), now));
      if (before) continue;
      this.holders[v]!.push(host);
      claimed(v);
    }
    host.lastReportAt = now;
  }
}
