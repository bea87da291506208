/**
 * Announces per host, as a token bucket: each host (an IPv4 address or IPv6 /64, see hostOf)
 * may send a burst of `perMinute` announces and then `perMinute` a minute. An honest client
 * announces each torrent every half hour, so even a seeder restarting with hundreds of volumes
 * fits; a flood from one address is refused before it touches a swarm. Memory stays bounded:
 * buckets live in an insertion-ordered Map used as an LRU of at most `maxHosts` entries (a
 * forgotten host simply starts again with a full bucket).
 */
import { SeedbankError } from '../../../shared/errors.ts';

/** Announces a host may send per minute (and at once); 0 turns the limit off. */
export const DEFAULT_ANNOUNCES_PER_MINUTE = 600;
/** Hosts remembered at once. */
const DEFAULT_MAX_HOSTS = 65_536;
const MINUTE_MS = 60_000;

export interface AnnounceLimiterOptions {
  perMinute?: number;
  maxHosts?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class AnnounceLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMinute: number;
  private readonly maxHosts: number;
  private readonly now: () => number;
  /** Announces refused since start. */
  refused = 0;

  constructor(o: AnnounceLimiterOptions = {}) {
    this.perMinute = o.perMinute ?? DEFAULT_ANNOUNCES_PER_MINUTE;
    if (!(this.perMinute >= 0)) throw new SeedbankError('CONFIG_INVALID', `announces per minute must be 0 (no limit) or more, got ${this.perMinute}`);
    this.maxHosts = o.maxHosts ?? DEFAULT_MAX_HOSTS;
    this.now = o.now ?? Date.now;
  }

  /** Takes one announce from the host's bucket: 0 when allowed, else the milliseconds until the next one is. */
  take(host: string): number {
    if (this.perMinute === 0) return 0;
    const now = this.now();
    let b = this.buckets.get(host);
    if (b) {
      this.buckets.delete(host); // re-inserted below: most recently used last
      b.tokens = Math.min(this.perMinute, b.tokens + ((now - b.at) * this.perMinute) / MINUTE_MS);
      b.at = now;
    } else {
      b = { tokens: this.perMinute, at: now };
      if (this.buckets.size >= this.maxHosts) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(host, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    this.refused++;
    return Math.ceil(((1 - b.tokens) * MINUTE_MS) / this.perMinute);
  }

  /** Hosts remembered now (bounded by maxHosts). */
  get size(): number {
    return this.buckets.size;
  }
}
