/**
 * Departures and how long the network takes to heal them: from a host going silent until
 * every volume it held is back at its copy target in the census's count, with the departed
 * host's own copies no longer counted.
 */
import type { Host, Network } from './network.ts';

interface Departure {
  host: Host;
  at: number;
  /** When the census forgets the host's copies. */
  expiresAt: number;
  epoch: number;
  volumes: number[];
}

/** One healed departure: how long it took, and the transfer time of the slowest download that healed it. */
export interface Heal {
  ms: number;
  afterExpiryMs: number;
  transferMs: number;
  /** The slowest healing download from being added to complete (queue included). */
  fetchMs: number;
}

/** The departures of a run: waiting, healed (their heal times) and those that came back first. */
export class DepartureLog {
  private waiting: Departure[] = [];
  readonly heals: Heal[] = [];
  returned = 0;

  get pending(): number {
    return this.waiting.length;
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
    if (volumes.length > 0) this.waiting.push({ host, at: now, expiresAt, epoch: host.epoch, volumes });
  }

  /** Settles the departures that are healed, or whose host came back before its copies expired. */
  check(net: Network): void {
    this.waiting = this.waiting.filter((d) => {
      if (d.host.epoch !== d.epoch) {
        const expired = ![...d.host.holdings.values()].some((h) => h.counted);
        if (!expired || d.host.online) {
          this.returned++;
          return false;
        }
      }
      if ([...d.host.holdings.values()].some((h) => h.counted) || d.host.ghosts.length > 0) return true;
      if (d.volumes.some((v) => net.counted[v]! < net.target[v]!)) return true;
      const transferMs = Math.max(0, ...d.volumes.map((v) => net.lastTransferMs[v]!));
      const fetchMs = Math.max(0, ...d.volumes.map((v) => net.lastFetchMs[v]!));
      this.heals.push({ ms: net.now - d.at, afterExpiryMs: Math.max(0, net.now - d.expiresAt), transferMs, fetchMs });
      return false;
    });
  }
}

/** The q-quantile (0..1) of a list of numbers, 0 for an empty list. */
export function percentile(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
