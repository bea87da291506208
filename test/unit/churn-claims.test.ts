import { describe, expect, it } from 'vitest';
import { ClaimBook } from '../../bench/churn/claims.ts';
import type { Host } from '../../bench/churn/model.ts';
import { VolumeTrace } from '../../bench/churn/volume-trace.ts';
import { claimLifetimeMs, DEFAULT_CLAIM_AUDIT_GRACE_MS, SeederReports } from '../../services/tracker-web/seeders/seeder-reports.ts';

const MIN = 60_000;
const POLL_MS = 10 * MIN;

function host(id: number): Host {
  return { id, quota: 1e12, rateBytesPerMs: 1e4, online: true, gone: false, pollPhase: 0, holdings: new Map(), plannedBytes: 0,
    busyUntil: 0, lastReportAt: -Infinity, reported: new Map(), ghosts: [], epoch: 0, auditedAt: 0, rateMeasured: true };
}
function hold(h: Host, v: number, counted = false): void {
  h.holdings.set(v, { v, addedAt: 0, completeAt: Infinity, streak: 0, counted, serial: 0, transferMs: 0 });
}

describe('the churn simulator\'s claims', () => {
  it('drops an unconfirmed claim at the end of the audit grace while its seeder still reports, as SeederReports.holders does', () => {
    const book = new ClaimBook(1, { pollIntervalMs: POLL_MS, auditGraceMs: DEFAULT_CLAIM_AUDIT_GRACE_MS });
    const reports = new SeederReports({ claimAuditGraceMs: DEFAULT_CLAIM_AUDIT_GRACE_MS, copyVerified: () => false });
    const a = host(1);
    hold(a, 0);
    const origin = { host: '127.0.0.1', address: '127.0.0.1', seenRecently: true };
    const real = (now: number) => reports.holders(now).get('ih')?.length ?? 0;
    for (let t = 0; t <= 60 * MIN; t += POLL_MS) {
      book.report(a, t, () => undefined, () => {});
      reports.record({ operatorKey: 'k', quotaBytes: 1e12, usedBytes: 0, volumes: ['ih'], version: '0', pollIntervalMs: POLL_MS, sentAt: new Date(t).toISOString() } as never, origin, t);
      expect(book.live(0, t).count, `claim at +${t / MIN} min`).toBe(real(t));
    }
    expect(book.live(0, 20 * MIN).count).toBe(1);
    expect(book.live(0, 40 * MIN).count).toBe(0);
    expect(book.lapsesAt(a, 0)).toBe(Math.min(60 * MIN + claimLifetimeMs(POLL_MS), DEFAULT_CLAIM_AUDIT_GRACE_MS));
  });

  it('keeps a claim the census confirmed, until its seeder has been silent for the claim lifetime', () => {
    const book = new ClaimBook(1, { pollIntervalMs: POLL_MS, auditGraceMs: DEFAULT_CLAIM_AUDIT_GRACE_MS });
    const a = host(1);
    const b = host(2);
    hold(a, 0, true);
    hold(b, 0);
    book.report(a, 0, () => undefined, () => {});
    book.report(b, 5 * MIN, () => undefined, () => {});
    expect(book.live(0, 10 * MIN, b)).toEqual({ count: 2, rank: 1 });
    book.report(a, 40 * MIN, () => undefined, () => {});
    expect(book.live(0, 40 * MIN, a)).toEqual({ count: 1, rank: 0 }); // b's grace ended, a's copy is counted
    expect(book.live(0, 40 * MIN + claimLifetimeMs(POLL_MS) + 1).count).toBe(0);
  });

  it('counts claims while their seeder reports when the grace is not modelled', () => {
    const book = new ClaimBook(1, { pollIntervalMs: POLL_MS, auditGraceMs: Infinity });
    const a = host(1);
    hold(a, 0);
    let claimed = 0;
    for (let t = 0; t <= 120 * MIN; t += POLL_MS) book.report(a, t, () => undefined, () => claimed++);
    expect(claimed).toBe(1);
    expect(book.live(0, 120 * MIN).count).toBe(1);
  });
});

describe('the churn simulator\'s claims with download progress, as the catalogue counts them', () => {
  const GB = 1e9;
  const origin = { host: '127.0.0.1', address: '127.0.0.1', seenRecently: true };
  /** Runs the same reports through the model and SeederReports, checking at each poll that both count the claim alike. */
  function both(bytesAt: (t: number) => number | undefined, until: number): Array<{ t: number; model: number; real: number }> {
    const book = new ClaimBook(1, { pollIntervalMs: POLL_MS, auditGraceMs: DEFAULT_CLAIM_AUDIT_GRACE_MS });
    const reports = new SeederReports({ claimAuditGraceMs: DEFAULT_CLAIM_AUDIT_GRACE_MS, copyVerified: () => false });
    const a = host(1);
    hold(a, 0);
    const out = [];
    for (let t = 0; t <= until; t += POLL_MS) {
      const bytes = bytesAt(t);
      book.report(a, t, () => bytes, () => {});
      reports.record({ operatorKey: 'k', quotaBytes: 1e12, usedBytes: 0, volumes: ['ih'], ...(bytes === undefined ? {} : { progress: { ih: bytes } }), version: '0', pollIntervalMs: POLL_MS, sentAt: new Date(t).toISOString() } as never, origin, t);
      out.push({ t, model: book.live(0, t).count, real: reports.holders(t).get('ih')?.length ?? 0 });
    }
    return out;
  }

  it('keeps a slow download\'s claim past the grace while its bytes go up, and drops it a grace after they stop', () => {
    // 7 GB at 5 Mbit/s: about 3 h. Progress stops at 2 h (the download stalls).
    const rate = 5e6 / 8 / 1000;
    const seen = both((t) => Math.min(t, 2 * 60 * MIN) * rate, 4 * 60 * MIN);
    for (const s of seen) expect(s.model, `at +${s.t / MIN} min`).toBe(s.real);
    expect(seen.filter((s) => s.t <= 2 * 60 * MIN + DEFAULT_CLAIM_AUDIT_GRACE_MS).every((s) => s.real === 1)).toBe(true);
    expect(seen.filter((s) => s.t > 2 * 60 * MIN + DEFAULT_CLAIM_AUDIT_GRACE_MS).every((s) => s.real === 0)).toBe(true);
    expect(seen.some((s) => s.t > 2 * 60 * MIN + DEFAULT_CLAIM_AUDIT_GRACE_MS)).toBe(true);
  });

  it('drops a claim whose seeder says it downloads but its bytes never move, at the end of the grace', () => {
    const seen = both(() => GB, 90 * MIN);
    for (const s of seen) expect(s.model, `at +${s.t / MIN} min`).toBe(s.real);
    expect(seen.map((s) => s.real)).toEqual(seen.map((s) => (s.t <= DEFAULT_CLAIM_AUDIT_GRACE_MS ? 1 : 0)));
  });

  it('gives a claim whose bytes trickle in slower than 1 Mbit/s no more than the grace plus its bytes at that rate', () => {
    // One byte more at every poll: progress moves, but at almost nothing a second.
    const seen = both((t) => t / POLL_MS, 120 * MIN);
    for (const s of seen) expect(s.model, `at +${s.t / MIN} min`).toBe(s.real);
    expect(seen.map((s) => s.real)).toEqual(seen.map((s) => (s.t <= DEFAULT_CLAIM_AUDIT_GRACE_MS ? 1 : 0)));
  });
});

describe('the churn simulator\'s trace of a healer\'s loss', () => {
  it('records how long the volume took to be offered again and added after its healer lost it', () => {
    const trace = new VolumeTrace(1);
    trace.fellUnder(0, 0, 1, 7);
    trace.added(0, 5 * MIN);
    trace.healerLost(0, true, 20 * MIN, 35 * MIN);
    trace.offered(0, 36 * MIN);
    trace.offered(0, 38 * MIN);
    trace.added(0, 40 * MIN);
    trace.added(0, 42 * MIN); // a second add after the same re-offer is no new sample
    expect(trace.reoffers).toEqual([{ at: 20 * MIN, lapseMs: 15 * MIN, openMs: 16 * MIN, addMs: 4 * MIN }]);
    expect(trace.healerLosses[0]).toBe(1);
    trace.healerLost(0, false, 50 * MIN, 50 * MIN); // at target by then: no loss during a heal
    expect(trace.healerLosses[0]).toBe(1);
  });
});
