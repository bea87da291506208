/**
 * The seeders' reports, kept in memory (the latest per operator key; a restart forgets them and
 * the figures come back within one poll interval). From them: the space offered and live claims
 * (which seeder hosts which volume, in join order), which auto-mode seeders use to spread out
 * before the census counts their copies. Only reports that count feed either: signed (checked
 * by the route), from a host the tracker saw announce lately, and a few operators per host.
 * A claim also lapses after a grace period unless the census verified a copy at that host, and
 * a download that keeps moving keeps its claim: see {@link claimGraceEndsAt}.
 */
import type { SeederReport } from '../../../shared/api/seeder-schemas.ts';

/** Reports older than this no longer count towards the operators one host may hold. */
export const OFFER_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A claim lives this many of its seeder's poll intervals after its last report. */
const CLAIM_LIFETIME_POLLS = 3;
/** Bounds on a claim's lifetime, whatever poll interval a seeder states. */
const MIN_CLAIM_LIFETIME_MS = 5_000;
const MAX_CLAIM_LIFETIME_MS = 2 * 60 * 60 * 1000;
/** Default time a claim counts without the census confirming it: two default census rounds. */
export const DEFAULT_CLAIM_AUDIT_GRACE_MS = 2 * 15 * 60 * 1000;
/** Operators whose reports count per host: a few seeders behind one NAT, not a crowd one machine invents. */
export const DEFAULT_OPERATORS_PER_HOST = 4;

/**
 * The slowest download whose progress keeps a claim counting: 1 Mbit/s. A seeder that reports
 * bytes trickling in slower than this (or invents progress) holds a slot at most the grace plus
 * its reported bytes at this rate, then the volume is offered to others.
 */
export const MIN_CLAIM_PROGRESS_BYTES_PER_MS = 1e6 / 8 / 1000;

/** A claim's download progress as the catalogue keeps it. */
export interface ClaimProgress {
  /** When the claim was first made. */
  since: number;
  /** The most bytes of the volume its seeder has reported verified (never goes down). */
  bytes: number;
  /** When `bytes` last went up (`since` until it does). */
  movedAt: number;
}

/**
 * When an unconfirmed claim stops counting. The rule: a claim the census has not verified counts
 * for one audit grace after it was made or after its seeder last reported more of the volume
 * downloaded than ever before, and never longer than the grace plus its reported bytes at
 * {@link MIN_CLAIM_PROGRESS_BYTES_PER_MS}; so a slow download that keeps moving keeps its slot,
 * and one that stalls, lies "downloading" without progress or trickles loses it.
 */
export function claimGraceEndsAt(c: ClaimProgress, graceMs: number, minBytesPerMs = MIN_CLAIM_PROGRESS_BYTES_PER_MS): number {
  return Math.min(Math.max(c.since, c.movedAt) + graceMs, c.since + graceMs + c.bytes / minBytesPerMs);
}

/**
 * A claim's progress after a report stating `bytes` verified (undefined: none stated, as for a
 * complete volume): only progress beyond the most ever reported moves it; less is ignored (a
 * resumed or re-checked download does not restart the grace).
 */
export function nextClaimProgress(before: ClaimProgress | undefined, bytes: number | undefined, now: number): ClaimProgress {
  if (!before) return { since: now, bytes: bytes ?? 0, movedAt: now };
  if (bytes === undefined || bytes <= before.bytes) return before;
  return { since: before.since, bytes, movedAt: now };
}

/** How long a seeder's claims live after its last report, for the poll interval it states. */
export function claimLifetimeMs(pollIntervalMs: number): number {
  return Math.min(MAX_CLAIM_LIFETIME_MS, Math.max(MIN_CLAIM_LIFETIME_MS, pollIntervalMs * CLAIM_LIFETIME_POLLS));
}
/**
 * Whether a seeder's last report is recent enough for its space to count: within three of its
 * own poll intervals (30 min at the seeder's default 10 min poll, never less than 5 s nor more
 * than 2 h), the same window its claims live. A seeder that stopped sends nothing more, so its
 * quota leaves the offer by itself.
 */
export function seenRecently(r: Pick<SeederReportRecord, 'receivedAt' | 'pollIntervalMs'>, now: number): boolean {
  return now - r.receivedAt <= claimLifetimeMs(r.pollIntervalMs);
}

/** What the seeders seen recently offer. */
export interface SeederOffer {
  /** Their quotas, each capped at what the seeder holds plus its free disk. */
  offeredBytes: number;
  /** What they already hold (part of `offeredBytes`). */
  usedBytes: number;
  /** How many seeders counted. */
  seeders: number;
}

/** At most this many seeders are remembered (the oldest report is forgotten first). */
const MAX_SEEDERS = 100_000;

/** One operator's latest report (the shared contract's SeederReport) and what the catalogue made of it. */
export interface SeederReportRecord extends SeederReport {
  receivedAt: number;
  /** sentAt in ms, for refusing replays. */
  sentAtMs: number;
  /** The host (IPv4 address or IPv6 /64, as the tracker keys hosts) the report came from. */
  host: string;
  /** The address it came from, as people read it. */
  address: string;
  /** Whether its claims and space count; `why` says why not. */
  counted: boolean;
  why?: string;
  /** Each reported volume's claim: when it first appeared in this operator's reports and how far its download got. */
  claims: Map<string, ClaimProgress>;
}

/** What a report is recorded with, besides its body. */
export interface ReportOrigin {
  host: string;
  address: string;
  /** The tracker saw this host announce lately. */
  seenRecently: boolean;
}

export interface SeederReportsOptions {
  /** How long a claim counts without the census confirming it (default {@link DEFAULT_CLAIM_AUDIT_GRACE_MS}). */
  claimAuditGraceMs?: number;
  /** The slowest progress that keeps a claim counting, bytes per ms (default {@link MIN_CLAIM_PROGRESS_BYTES_PER_MS}; tests with small volumes lower it). */
  minProgressBytesPerMs?: number;
  operatorsPerHost?: number;
  /** Whether the census verified a copy of the volume at this address or under this operator key since `sinceMs`. */
  copyVerified?: (infoHash: string, address: string, operatorKey: string, sinceMs: number) => boolean;
}

/** The latest report of every operator. */
export class SeederReports {
  private readonly reports = new Map<string, SeederReportRecord>();
  /** Operators whose reports counted, per host (may hold stale ones; counting skips them). */
  private readonly byHost = new Map<string, Set<string>>();

  constructor(private readonly o: SeederReportsOptions = {}) {}

  /** When this operator's last accepted report was sent (ms), for refusing replays. */
  lastSentAt(operatorKey: string): number | undefined {
    return this.reports.get(operatorKey)?.sentAtMs;
  }

  /**
   * Records a report, deciding whether it counts and keeping when each volume was first claimed
   * and the most of it the seeder ever reported verified (progress beyond the volume's size is
   * refused by the route before this).
   */
  record(r: SeederReport, origin: ReportOrigin, now = Date.now()): SeederReportRecord {
    const key = r.operatorKey;
    const before = this.reports.get(key);
    const claims = new Map<string, ClaimProgress>();
    for (const ih of r.volumes) claims.set(ih, nextClaimProgress(before?.claims.get(ih), r.progress?.[ih], now));
    if (before) this.byHost.get(before.host)?.delete(key);
    let why: string | undefined;
    if (!origin.seenRecently) {
      why = `no peer at ${origin.address} announced to this tracker lately: a report counts only from a host that seeds here (start seeding, then the next report counts)`;
    } else if (this.countedAt(origin.host, now) >= (this.o.operatorsPerHost ?? DEFAULT_OPERATORS_PER_HOST)) {
      why = `${this.o.operatorsPerHost ?? DEFAULT_OPERATORS_PER_HOST} other operators already report from ${origin.address}; more from one host do not count`;
    }
    const rec: SeederReportRecord = { ...r, receivedAt: now, sentAtMs: Date.parse(r.sentAt), host: origin.host, address: origin.address, counted: why === undefined, claims, ...(why ? { why } : {}) };
    this.reports.delete(key);
    this.reports.set(key, rec);
    if (rec.counted) {
      const set = this.byHost.get(rec.host) ?? new Set<string>();
      set.add(key);
      this.byHost.set(rec.host, set);
    }
    if (this.reports.size > MAX_SEEDERS) this.forget(this.reports.keys().next().value!);
    return rec;
  }

  /**
   * The space seeders seen recently offer (see {@link seenRecently}: a stopped seeder's quota
   * stops counting three of its poll intervals after its last report): per counted report, its
   * quota but no more than it holds plus its free disk, and how much of that it already holds.
   */
  offer(now = Date.now()): SeederOffer {
    const out: SeederOffer = { offeredBytes: 0, usedBytes: 0, seeders: 0 };
    for (const r of this.reports.values()) {
      if (!r.counted || !seenRecently(r, now)) continue;
      const offered = r.freeBytes === undefined ? r.quotaBytes : Math.min(r.quotaBytes, r.usedBytes + r.freeBytes);
      out.offeredBytes += offered;
      out.usedBytes += Math.min(offered, r.usedBytes);
      out.seeders++;
    }
    return out;
  }

  /** Space offered by the seeders seen recently (the quota part of {@link offer}). */
  offeredBytes(now = Date.now()): number {
    return this.offer(now).offeredBytes;
  }

  /** Seeders whose reports count and that were seen recently. */
  activeSeeders(now = Date.now()): number {
    return this.offer(now).seeders;
  }

  /**
   * Live holders of each volume, in join order (earliest claim first, then operator key): only
   * counted reports, and only claims still in their audit grace (see {@link claimGraceEndsAt}:
   * a download that keeps moving stays in it) or confirmed by the census.
   */
  holders(now = Date.now()): Map<string, string[]> {
    const grace = this.o.claimAuditGraceMs ?? DEFAULT_CLAIM_AUDIT_GRACE_MS;
    const byVolume = new Map<string, Array<{ id: string; since: number }>>();
    for (const r of this.reports.values()) {
      if (!r.counted || !seenRecently(r, now)) continue;
      for (const [ih, claim] of r.claims) {
        const since = claim.since;
        if (now > claimGraceEndsAt(claim, grace, this.o.minProgressBytesPerMs) && !this.o.copyVerified?.(ih, r.address, r.operatorKey, since)) continue;
        const list = byVolume.get(ih) ?? [];
        list.push({ id: r.operatorKey, since });
        byVolume.set(ih, list);
      }
    }
    const out = new Map<string, string[]>();
    for (const [ih, list] of byVolume) out.set(ih, list.sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : 1)).map((x) => x.id));
    return out;
  }

  /** Operators whose reports counted from a host within the offer window (stale ones are dropped from the index). */
  private countedAt(host: string, now: number): number {
    const set = this.byHost.get(host);
    if (!set) return 0;
    for (const key of set) {
      const r = this.reports.get(key);
      if (!r || !r.counted || r.host !== host || now - r.receivedAt > OFFER_WINDOW_MS) set.delete(key);
    }
    if (set.size === 0) this.byHost.delete(host);
    return set.size;
  }

  private forget(key: string): void {
    const r = this.reports.get(key);
    if (r) this.byHost.get(r.host)?.delete(key);
    this.reports.delete(key);
  }
}
