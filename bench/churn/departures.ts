/**
 * Departures and how long the network takes to heal them, once the departed host's own copies
 * no longer count. Two readings of "healed":
 *
 * - each (the heal figure): every volume the host held has been back at its copy target at
 *   least once since the census forgot the host's copy, i.e. the copy it took away was
 *   replaced. A later loss of the same volume (another host leaving, a disk failing) is that
 *   other departure's to heal.
 * - together (the reading before, kept for comparison): every volume at target at one and the
 *   same census check. A host with hundreds of volumes almost always shares one with a host
 *   that leaves hours later, so this waited for the second departure's heal as well.
 */
import type { Host } from './model.ts';
import type { Network } from './network.ts';

interface Departure {
  host: Host;
  at: number;
  /** When the census forgets the host's copies. */
  expiresAt: number;
  epoch: number;
  volumes: number[];
  /** Volumes not yet back at target since the host's copies were forgotten (the "each" reading). */
  remaining: Set<number> | undefined;
  /** The "each" reading's heal, once every volume was back. */
  each: Heal | undefined;
  together: Heal | undefined;
  /** Per volume, the slowest healing download so far (transfer alone, and from being added). */
  transferMs: number;
  fetchMs: number;
}

/** One healed departure: how long it took, and the transfer time of the slowest download that healed it. */
export interface Heal {
  ms: number;
  afterExpiryMs: number;
  transferMs: number;
  /** The slowest healing download from being added to complete (queue included). */
  fetchMs: number;
  /** The departure itself, for explaining late heals. */
  at: number;
  expiresAt: number;
  hostId: number;
  quota: number;
  volumeCount: number;
  /** The volume that came back to target last, and its trace at that moment. */
  last: LastVolume;
}

/** The last volume of a departure to come back to target, as its trace saw it. */
export interface LastVolume {
  v: number;
  target: number;
  size: number;
  underAt: number;
  /** The host whose copy's loss put it under target that last time (-1 unknown). */
  fellUnderBy: number;
  underCount: number;
  inNeedsAt: number;
  firstAddAt: number;
  lastAddAt: number;
  adds: number;
  /** Healers that lost it (left, disk failed, dropped) before their copy was counted. */
  healerLosses: number;
  /** The last such loss (-1: none) and when the catalogue stopped counting that healer's claim. */
  healerLostAt: number;
  claimLapsesAt: number;
  lastCompleteAt: number;
  atTargetAt: number;
}

/** The departures of a run: waiting, healed (their heal times) and those that came back first. */
export class DepartureLog {
  private waiting: Departure[] = [];
  /** Heals in the "each" reading (the heal figure). */
  readonly heals: Heal[] = [];
  /** Heals in the "together" reading (every volume at target at one moment). */
  readonly healsTogether: Heal[] = [];
  returned = 0;

  get pending(): number {
    return this.waiting.length;
  }

  /** Departures not yet healed (each volume back once) that left more than `boundMs` before `now`: misses the heal figure cannot see. */
  overdue(now: number, boundMs: number): number {
    return this.waiting.filter((d) => !d.each && now - d.at > boundMs).length;
  }

  /** Heal times from the departure. */
  get healed(): number[] {
    return this.heals.map((h) => h.ms);
  }

  /** Heal times counted from when the census forgot the departed host's copies. */
  get healedAfterExpiry(): number[] {
    return this.heals.map((h) => h.afterExpiryMs);
  }

  /** Records a host going silent with the copies the census counts for it. */
  left(host: Host, now: number, expiresAt: number): void {
    const volumes = [...host.holdings.values()].filter((h) => h.counted).map((h) => h.v);
    if (volumes.length > 0) {
      this.waiting.push({ host, at: now, expiresAt, epoch: host.epoch, volumes, remaining: undefined, each: undefined, together: undefined, transferMs: 0, fetchMs: 0 });
    }
  }

  /** Settles the departures that are healed (both readings), or whose host came back before its copies expired. Call right after a census round. */
  check(net: Network): void {
    this.waiting = this.waiting.filter((d) => {
      if (d.host.epoch !== d.epoch && !d.each && !d.together) {
        const expired = ![...d.host.holdings.values()].some((h) => h.counted);
        if (!expired || d.host.online) {
          this.returned++;
          return false;
        }
      }
      if (!d.remaining) {
        if ([...d.host.holdings.values()].some((h) => h.counted) || d.host.ghosts.length > 0) return true;
        d.remaining = new Set(d.volumes);
      }
      let lastBack = -1;
      for (const v of d.remaining) {
        if (net.counted[v]! < net.target[v]!) continue;
        d.remaining.delete(v);
        // Only a download that ended after the departure healed it (a volume still at target
        // without one needed no healing and adds no transfer time to the bound).
        if (net.trace.lastCompleteAt[v]! >= d.at) {
          d.transferMs = Math.max(d.transferMs, net.lastTransferMs[v]!);
          d.fetchMs = Math.max(d.fetchMs, net.lastFetchMs[v]!);
        }
        lastBack = v;
      }
      if (!d.each && d.remaining.size === 0) {
        d.each = healOf(d, net, lastBack >= 0 ? lastBack : d.volumes[0]!, d.transferMs, d.fetchMs);
        this.heals.push(d.each);
      }
      if (!d.together && !d.volumes.some((v) => net.counted[v]! < net.target[v]!)) {
        let v = d.volumes[0]!;
        for (const w of d.volumes) if (net.trace.atTargetAt[w]! > net.trace.atTargetAt[v]!) v = w;
        const transferMs = Math.max(0, ...d.volumes.map((w) => net.lastTransferMs[w]!));
        const fetchMs = Math.max(0, ...d.volumes.map((w) => net.lastFetchMs[w]!));
        d.together = healOf(d, net, v, transferMs, fetchMs);
        this.healsTogether.push(d.together);
      }
      return !(d.each && d.together);
    });
  }
}

function healOf(d: Departure, net: Network, v: number, transferMs: number, fetchMs: number): Heal {
  const t = net.trace;
  const last: LastVolume = {
    v, target: net.target[v]!, size: net.size[v]!, underAt: t.underAt[v]!, fellUnderBy: t.fellUnderBy[v]!, underCount: t.underCountAt[v]!,
    inNeedsAt: t.inNeedsAt[v]!, firstAddAt: t.firstAddAt[v]!, lastAddAt: t.lastAddAt[v]!, adds: t.adds[v]!, healerLosses: t.healerLosses[v]!, healerLostAt: t.healerLostAt[v]!, claimLapsesAt: t.claimLapsesAt[v]!, lastCompleteAt: t.lastCompleteAt[v]!,
    atTargetAt: t.atTargetAt[v]!,
  };
  return {
    ms: net.now - d.at, afterExpiryMs: Math.max(0, net.now - d.expiresAt), transferMs, fetchMs,
    at: d.at, expiresAt: d.expiresAt, hostId: d.host.id, quota: d.host.quota, volumeCount: d.volumes.length, last,
  };
}

/** The q-quantile (0..1) of a list of numbers, 0 for an empty list. */
export function percentile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
