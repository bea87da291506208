/**
 * A census round's changes, simulated in the bench's catalogue child: a share of the audited
 * volumes get a changed verdict (every other one a new holder with the pieces one of its holders
 * has, the rest a holder that lost its last piece), taken by the census as a round's verdicts are (CensusRunner.takeVerdicts), then
 * the server's own end-of-round handler runs (census.onRound: the copy figures' invalidation, the
 * warm-up and the copy history). What share of volumes a real round changes is an assumption: the
 * bench takes it as an argument (`--round-changes`, 2 % by default) and prints it.
 */
import type { PeerAuditResult } from '../../services/tracker-web/census/audit-types.ts';
import type { CensusRound, CensusRunner } from '../../services/tracker-web/redundancy/census-runner.ts';

/** The documentation ranges (RFC 5737): a verdict's host string only, never contacted. */
const TEST_NETS = ['192.0.2', '198.51.100', '203.0.113'];

/** The k-th new holder's address (one host may hold several of the changed volumes, as a real one does). */
function newHost(k: number): string {
  return `${TEST_NETS[Math.floor(k / 256) % TEST_NETS.length]}.${k % 256}`;
}

/** Whether a verdict's host is one a simulated round added (writeObservations removes them, so runs do not add up). */
export function isSimulatedHost(host: string): boolean {
  return TEST_NETS.some((net) => host.startsWith(`${net}.`));
}

/** Every `1 / share`-th audited volume gets one changed verdict; returns how many volumes changed. */
export function simulateCensusRound(census: CensusRunner, share: number, now = Date.now()): number {
  if (!(share > 0 && share <= 1)) throw new RangeError(`the share of volumes a round changes must be in (0, 1], got ${share}`);
  const every = Math.max(1, Math.round(1 / share));
  const verdicts: PeerAuditResult[] = [];
  let i = 0;
  for (const ih of census.auditedVolumes().infoHashes) {
    if (i++ % every !== 0) continue;
    const passing = census.results(ih).find((r) => r.audited?.ok && r.bitfield && r.bitfield.length > 0);
    if (!passing?.bitfield) continue;
    const bits = Buffer.from(passing.bitfield);
    if (verdicts.length % 2 === 0) {
      verdicts.push({ ...passing, host: newHost(verdicts.length), bitfield: bits, at: now, audited: { piece: 0, ok: true, ms: 1 } });
    } else {
      // The last piece held goes: a whole holder becomes a partial one.
      let p = bits.length * 8 - 1;
      while (p >= 0 && (bits[p >> 3]! & (0x80 >> (p & 7))) === 0) p--;
      if (p >= 0) bits[p >> 3]! &= ~(0x80 >> (p & 7));
      verdicts.push({ ...passing, bitfield: bits, havePieces: Math.max(0, passing.havePieces - 1), complete: false, at: now, audited: { piece: 0, ok: true, ms: 1 } });
    }
  }
  census.takeVerdicts(verdicts);
  const round: CensusRound = {
    startedAt: now, ms: 0, peers: verdicts.length, reachable: verdicts.length, passed: verdicts.length, failed: 0, carried: 0, backedOffHosts: 0,
    oldestVerdictAt: null, withoutVerdict: 0, blockChecks: 0, pieceChecks: verdicts.length, bytesIn: 0,
  };
  census.onRound?.(round);
  return verdicts.length;
}
