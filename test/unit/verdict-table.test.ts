import { describe, expect, it } from 'vitest';
import type { PeerAuditResult } from '../../services/tracker-web/census/audit-types.ts';
import { VerdictTable } from '../../services/tracker-web/census/verdict-table.ts';

const IH = 'ab'.repeat(20);
const result = (over: Partial<PeerAuditResult>): PeerAuditResult => ({
  host: '127.0.4.1', port: 6881, infoHash: IH, reachable: true, havePieces: 11, complete: true,
  bitfield: Buffer.from([0xff, 0xe0]), audited: { piece: 3, ok: true, ms: 12, check: 'block' }, ms: 40, at: 1_700_000_000_123, operatorKey: null, ...over,
});

describe('VerdictTable', () => {
  it('gives back what it was given: a whole bitfield rebuilt from the piece count, a partial one byte for byte', () => {
    const t = new VerdictTable();
    t.set(result({}));
    t.set(result({ host: '127.0.4.2', complete: false, havePieces: 5, bitfield: Buffer.from([0xf8, 0x00]), audited: { piece: 9, ok: false, ms: 1 }, error: 'piece 9 does not match its hash', operatorKey: 'cd'.repeat(32) }));
    const [whole, partial] = t.results(IH);
    expect(whole).toMatchObject({ host: '127.0.4.1', port: 6881, complete: true, havePieces: 11, audited: { piece: 3, ok: true, check: 'block' }, at: 1_700_000_000_123, operatorKey: null });
    expect([...whole!.bitfield!]).toEqual([0xff, 0xe0]);
    expect(partial).toMatchObject({ host: '127.0.4.2', complete: false, audited: { piece: 9, ok: false }, error: 'piece 9 does not match its hash', operatorKey: 'cd'.repeat(32) });
    expect([...partial!.bitfield!]).toEqual([0xf8, 0x00]);
  });

  it('keeps one verdict per peer (host and port), the latest set', () => {
    const t = new VerdictTable();
    t.set(result({}));
    t.set(result({ port: 6882 }));
    t.set(result({ at: 1_700_000_999_000, audited: { piece: 1, ok: false, ms: 1 } }));
    expect(t.results(IH)).toHaveLength(2);
    expect(t.get(IH, '127.0.4.1', 6881)?.audited?.ok).toBe(false);
    expect(t.passed(IH, '127.0.4.1', 6881)).toBe(false);
    expect(t.passed(IH, '127.0.4.1', 6882)).toBe(true);
    expect(t.verdictAt(IH, '127.0.4.1', 6881)).toBe(1_700_000_999_000);
    expect([...t.passing(IH)].map((p) => p.host)).toEqual(['127.0.4.1']);
  });

  it('a connection without a verdict has no verdict time; an unknown peer has nothing', () => {
    const t = new VerdictTable();
    t.set(result({ audited: null, reachable: false, bitfield: null, havePieces: 0, complete: false }));
    expect(t.verdictAt(IH, '127.0.4.1', 6881)).toBeUndefined();
    expect(t.get(IH, '127.0.4.1', 6881)).toMatchObject({ audited: null, reachable: false, bitfield: null });
    expect(t.get(IH, '127.0.4.9', 6881)).toBeUndefined();
    expect(t.results('00'.repeat(20))).toEqual([]);
  });

  it('a verdict restored from the store counts as audited, with no piece', () => {
    const t = new VerdictTable();
    t.restore(IH, { host: '127.0.4.3', port: 51413, havePieces: 8, complete: true, bitfield: Uint8Array.from([0xff]), ok: true, at: 5, operatorKey: null });
    expect(t.get(IH, '127.0.4.3', 51413)).toMatchObject({ reachable: true, audited: { piece: -1, ok: true }, at: 5 });
    expect([...t.get(IH, '127.0.4.3', 51413)!.bitfield!]).toEqual([0xff]);
  });

  it('restores from one reused description: each verdict keeps its own host, bitfield and audit (the restore reuses one object)', () => {
    const t = new VerdictTable();
    const o = { host: '127.0.4.4', port: 1, havePieces: 12, complete: true, bitfield: Uint8Array.from([0xff, 0xf0]) as Uint8Array | null, ok: true, at: 7, operatorKey: 'ef'.repeat(32) as string | null };
    t.restore(IH, o);
    Object.assign(o, { host: '127.0.4.5', port: 2, havePieces: 3, complete: false, bitfield: Uint8Array.from([0xe0, 0x00]), ok: false, at: 8, operatorKey: null });
    t.restore(IH, o);
    o.bitfield![0] = 0;
    expect(t.get(IH, '127.0.4.4', 1)).toMatchObject({ havePieces: 12, complete: true, audited: { ok: true, piece: -1 }, at: 7, operatorKey: 'ef'.repeat(32) });
    expect([...t.get(IH, '127.0.4.4', 1)!.bitfield!]).toEqual([0xff, 0xf0]);
    expect(t.get(IH, '127.0.4.5', 2)).toMatchObject({ havePieces: 3, complete: false, audited: { ok: false, piece: -1 }, at: 8, operatorKey: null });
    expect([...t.get(IH, '127.0.4.5', 2)!.bitfield!]).toEqual([0xe0, 0x00]);
    expect(t.passed(IH, '127.0.4.5', 2)).toBe(false);
  });
});
