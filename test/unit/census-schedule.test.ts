// The census round's order and budgets (RoundSchedule, HostBackoff), its transfer slots, and
// which audit stands as a peer's verdict: pure logic, no sockets.
import { describe, expect, it } from 'vitest';
import { HostBackoff, keepsVerdict, RoundSchedule, type PeerAuditResult } from '../../services/tracker-web/census/index.ts';
import { TransferSlots } from '../../services/tracker-web/census/transfer-slots.ts';

const drain = (s: RoundSchedule, now = 0) => {
  const out = [];
  for (let t = s.next(now); t; t = s.next(now)) out.push(t);
  return out;
};

describe('RoundSchedule', () => {
  it('orders backed-off hosts last, stale verdicts first, then volumes under their target, then the oldest verdict', () => {
    const backoff = new HostBackoff();
    backoff.settle(['10.0.9.1'], []);
    const now = 1_000_000;
    const s = new RoundSchedule([
      { host: '10.0.0.1', margin: 2, lastVerdictAt: now - 10 }, // 0: fresh, well covered
      { host: '10.0.1.1', margin: -1, lastVerdictAt: now - 10 }, // 1: fresh, under target
      { host: '10.0.2.1', margin: 2, lastVerdictAt: now - 5_000 }, // 2: stale
      { host: '10.0.9.1', margin: -5 }, // 3: backed off
      { host: '10.0.3.1', margin: 2, lastVerdictAt: now - 20 }, // 4: fresh, older than 0
    ], backoff, { staleAfterMs: 1_000 }, now);
    expect(drain(s).map((t) => t.index)).toEqual([2, 1, 4, 0, 3]);
  });

  it('gives a host one audit until it completes a handshake, then the per-host budget; the network budget binds too', () => {
    const s = new RoundSchedule(Array.from({ length: 10 }, () => ({ host: '10.0.0.1' })), new HostBackoff(), { maxPerHost: 4 });
    const [first] = drain(s);
    expect(drain(s)).toEqual([]);
    s.alive(first!);
    expect(drain(s)).toHaveLength(3);
    const net = new RoundSchedule(Array.from({ length: 10 }, (_, i) => ({ host: `10.0.0.${i + 1}` })), new HostBackoff(), { maxPerNetwork: 3 });
    expect(drain(net)).toHaveLength(3);
  });

  it('strikes out a host that times out before answering, carries its other audits, and backs it off', () => {
    const backoff = new HostBackoff();
    const s = new RoundSchedule([{ host: '10.0.0.1' }, { host: '10.0.0.1' }, { host: '10.0.0.2' }], backoff);
    const started = drain(s);
    expect(started.map((t) => t.index)).toEqual([0, 2]);
    s.finished(started[0]!, 'timeout');
    s.finished(started[1]!, 'answered');
    expect(drain(s)).toEqual([]);
    expect(s.settled).toBe(true);
    expect(s.carried()).toEqual([1]);
    backoff.settle(s.struckHosts(), s.answeredHosts());
    expect(backoff.level('10.0.0.1')).toBe(1);
    expect(backoff.level('10.0.0.2')).toBe(0);
  });

  it('retries a dropped connection after the delay, one at a time for that host, at most three attempts', () => {
    const s = new RoundSchedule([{ host: '10.0.0.1' }], new HostBackoff(), { retryDelayMs: 100 });
    let [t] = drain(s, 0);
    expect(s.finished(t!, 'closed', 0)).toBe(false);
    expect(s.next(50)).toBeNull();
    expect(s.nextWakeAt()).toBe(100);
    [t] = drain(s, 100);
    expect(s.finished(t!, 'closed', 100)).toBe(false);
    [t] = drain(s, 200);
    expect(t!.attempts).toBe(3);
    expect(s.finished(t!, 'closed', 200)).toBe(true);
    expect(s.settled).toBe(true);
    expect(s.carried()).toEqual([]);
  });
});

describe('TransferSlots', () => {
  it('grants in order, hands a released slot to the next waiter, and forgets an aborted one', async () => {
    const slots = new TransferSlots(1);
    const never = new AbortController();
    const release = await slots.acquire(never.signal);
    const gone = new AbortController();
    const aborted = slots.acquire(gone.signal);
    const next = slots.acquire(never.signal);
    gone.abort(new Error('audit over'));
    await expect(aborted).rejects.toThrow('audit over');
    release();
    release(); // twice: must not raise the limit
    const second = await next;
    expect(slots.busy).toBe(1);
    second();
    expect(slots.busy).toBe(0);
  });
});

describe('keepsVerdict', () => {
  const base: PeerAuditResult = {
    host: '10.0.0.1', port: 1, infoHash: 'ab'.repeat(20), reachable: true, havePieces: 8, complete: true,
    bitfield: Buffer.from([0xff]), audited: { piece: 1, ok: true, ms: 1 }, ms: 1, at: 1,
  };
  const next = (over: Partial<PeerAuditResult>): PeerAuditResult => ({ ...base, audited: null, at: 2, ...over });

  it('keeps a verdict through audits that learn nothing of the data, and drops it when the peer stops claiming or serving', () => {
    expect(keepsVerdict(base, next({ reachable: false, failure: { kind: 'unreachable', phase: 'connect' } }))).toBe(true);
    expect(keepsVerdict(base, next({ failure: { kind: 'timeout', phase: 'handshake' } }))).toBe(true);
    expect(keepsVerdict(base, next({ failure: { kind: 'timeout', phase: 'unchoke' } }))).toBe(true);
    expect(keepsVerdict(base, next({ bitfield: Buffer.from([0x7f]), failure: { kind: 'timeout', phase: 'unchoke' } }))).toBe(false);
    expect(keepsVerdict(base, next({ failure: { kind: 'closed', phase: 'transfer' } }))).toBe(false);
    expect(keepsVerdict(base, next({ havePieces: 0, bitfield: Buffer.from([0]) }))).toBe(false);
    expect(keepsVerdict(base, { ...base, audited: { piece: 2, ok: false, ms: 1 } })).toBe(false);
    expect(keepsVerdict(undefined, next({ failure: { kind: 'timeout', phase: 'handshake' } }))).toBe(false);
  });
});
