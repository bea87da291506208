import { describe, expect, it } from 'vitest';
import { progressOf } from '../../clients/seeder/follow/follower.ts';
import { MAX_REPORTED_PROGRESS, seederReportSchema, type SeederReport } from '../../shared/api/seeder-schemas.ts';
import { claimGraceEndsAt, DEFAULT_CLAIM_AUDIT_GRACE_MS, MIN_CLAIM_PROGRESS_BYTES_PER_MS, nextClaimProgress, SeederReports } from '../../services/tracker-web/seeders/seeder-reports.ts';

const MIN = 60_000;
const POLL_MS = 10 * MIN;
const GRACE = DEFAULT_CLAIM_AUDIT_GRACE_MS;
const IH = 'ab'.repeat(20);
const origin = { host: '127.0.0.1', address: '127.0.0.1', seenRecently: true };

function report(t: number, progress?: Record<string, number>): SeederReport {
  return {
    format: 'seedbank-seeder-report/2', operatorKey: 'cd'.repeat(32), sentAt: new Date(t).toISOString(), quotaBytes: 1e12, usedBytes: 0,
    volumes: [IH], ...(progress ? { progress } : {}), version: '0', pollIntervalMs: POLL_MS, signature: 'ef'.repeat(64),
  };
}

/** Holders of IH after each report of `bytes` (one a poll), read just before the next poll. */
function holdersAfter(bytes: Array<number | undefined>): number[] {
  const reports = new SeederReports({ claimAuditGraceMs: GRACE, copyVerified: () => false });
  return bytes.map((b, i) => {
    reports.record(report(i * POLL_MS, b === undefined ? undefined : { [IH]: b }), origin, i * POLL_MS);
    return reports.holders(i * POLL_MS + POLL_MS - 1).get(IH)?.length ?? 0;
  });
}

describe('a claim\'s download progress in the catalogue', () => {
  it('keeps counting a claim past the grace while its verified bytes go up', () => {
    const gb = 1e9;
    // 12 polls (2 h) of a download moving 0.5 GB a poll (about 6.7 Mbit/s).
    expect(holdersAfter(Array.from({ length: 12 }, (_, i) => i * gb / 2))).toEqual(Array(12).fill(1));
  });

  it('drops a claim whose seeder never reports progress, or reports the same bytes, a grace after it was made', () => {
    const lapsed = [1, 1, 1, 0, 0, 0];
    expect(holdersAfter([undefined, undefined, undefined, undefined, undefined, undefined])).toEqual(lapsed);
    expect(holdersAfter([5e8, 5e8, 5e8, 5e8, 5e8, 5e8])).toEqual(lapsed);
  });

  it('ignores progress that goes backwards: the grace runs from the most bytes ever reported', () => {
    // 3 GB at the second poll, then "restarting" below it: no report after that moves the claim.
    const seen = holdersAfter([0, 3e9, 1e9, 2e9, 2.5e9, 2.9e9, 2.9e9]);
    // Moved at poll 1 (10 min): counts until 40 min (read at 9, 19, 29, 39 min), although the
    // bytes climbed again at every poll after the drop.
    expect(seen).toEqual([1, 1, 1, 1, 0, 0, 0]);
  });

  it('bounds what invented or trickling progress buys: the grace plus the reported bytes at 1 Mbit/s', () => {
    const since = 0;
    const trickle = { since, bytes: 1_000, movedAt: 5 * 60 * MIN };
    expect(claimGraceEndsAt(trickle, GRACE)).toBe(since + GRACE + 1_000 / MIN_CLAIM_PROGRESS_BYTES_PER_MS);
    // One byte more a poll for 5 hours still lapses 30 min and 8 ms after the claim was made.
    let p = nextClaimProgress(undefined, 0, 0);
    for (let t = POLL_MS; t <= 5 * 60 * MIN; t += POLL_MS) p = nextClaimProgress(p, t / POLL_MS, t);
    expect(p.movedAt).toBe(5 * 60 * MIN);
    expect(claimGraceEndsAt(p, GRACE)).toBeLessThan(GRACE + 1);
  });

  it('keeps when a claim was first made across reports, whatever progress says', () => {
    let p = nextClaimProgress(undefined, 100, 1_000);
    p = nextClaimProgress(p, 50, 2_000);
    expect(p).toEqual({ since: 1_000, bytes: 100, movedAt: 1_000 });
    p = nextClaimProgress(p, undefined, 3_000);
    expect(p).toEqual({ since: 1_000, bytes: 100, movedAt: 1_000 });
    expect(nextClaimProgress(p, 200, 4_000)).toEqual({ since: 1_000, bytes: 200, movedAt: 4_000 });
  });
});

describe('the report\'s progress field', () => {
  const base = report(0);
  it('takes progress of listed volumes and refuses progress of a volume the report does not list', () => {
    expect(seederReportSchema.safeParse({ ...base, progress: { [IH]: 5 } }).success).toBe(true);
    const other = '12'.repeat(20);
    const r = seederReportSchema.safeParse({ ...base, progress: { [other]: 5 } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/do not list/);
  });

  it('refuses negative, fractional and too many progress entries', () => {
    expect(seederReportSchema.safeParse({ ...base, progress: { [IH]: -1 } }).success).toBe(false);
    expect(seederReportSchema.safeParse({ ...base, progress: { [IH]: 1.5 } }).success).toBe(false);
    const many = Array.from({ length: MAX_REPORTED_PROGRESS + 1 }, (_, i) => i.toString(16).padStart(40, '0'));
    const r = seederReportSchema.safeParse({ ...base, volumes: many, progress: Object.fromEntries(many.map((ih) => [ih, 1])) });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(new RegExp(`at most ${MAX_REPORTED_PROGRESS}`));
  });

  it('is what the seeder sends: verified bytes of volumes still downloading, none of complete ones', () => {
    expect(progressOf([{ infoHash: 'a', verifiedBytes: 10, totalBytes: 100 }, { infoHash: 'b', verifiedBytes: 100, totalBytes: 100 }])).toEqual({ progress: { a: 10 } });
    expect(progressOf([{ infoHash: 'b', verifiedBytes: 100, totalBytes: 100 }])).toEqual({});
    const many = Array.from({ length: MAX_REPORTED_PROGRESS + 5 }, (_, i) => ({ infoHash: String(i), verifiedBytes: 0, totalBytes: 1 }));
    expect(Object.keys(progressOf(many).progress ?? {})).toHaveLength(MAX_REPORTED_PROGRESS);
  });
});
