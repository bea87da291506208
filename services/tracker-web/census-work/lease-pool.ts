/**
 * The census's work for one round, handed out in leases: the catalogue's own census and any
 * census workers on other machines take a share of the volumes (each with the peers to audit),
 * audit them with the same code, and give the verdicts back. A volume is leased to one taker
 * at a time and done once per round; a lease that is not completed before it expires (its
 * worker died or went silent) goes back to the queue and the next taker picks it up.
 */
import { randomBytes } from 'node:crypto';
import type { CensusJob } from '../census/index.ts';

/** How long a lease is held without news from its taker; posting verdicts renews it. */
export const DEFAULT_LEASE_TTL_MS = 60_000;
/** Volumes per lease by default: small shares spread a round over the takers. */
export const DEFAULT_LEASE_VOLUMES = 16;
/** Largest share one request may ask for. */
export const MAX_LEASE_VOLUMES = 1_000;

/** A share of a round's work held by one taker. */
export interface Lease {
  id: string;
  round: number;
  taker: string;
  jobs: CensusJob[];
  takenAt: number;
  expiresAt: number;
}

export interface LeasePoolOptions {
  ttlMs?: number;
  now?: () => number;
}

/** One round's queue of volumes and the leases out on it. */
export class LeasePool {
  private queue: CensusJob[] = [];
  private readonly leases = new Map<string, Lease>();
  /** Volumes done this round, by info hash, with who audited them. */
  private readonly done = new Map<string, string>();
  private waiters: Array<() => void> = [];
  private expiryTimer: NodeJS.Timeout | null = null;
  round = 0;
  /** Leases that expired without being completed (their work went back to the queue). */
  expired = 0;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: LeasePoolOptions = {}) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Starts a round with these jobs (the previous round's leases are void). */
  open(jobs: CensusJob[]): number {
    this.round++;
    this.queue = [...jobs];
    this.leases.clear();
    this.done.clear();
    this.wake();
    return this.round;
  }

  /** Closes the round: what is still queued or leased is dropped (the next round starts from the oldest verdicts). */
  close(): void {
    this.queue = [];
    this.leases.clear();
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    this.wake();
  }

  /** True when every volume of the round is done (nothing queued, no lease out). */
  get settled(): boolean {
    this.expire();
    return this.queue.length === 0 && this.leases.size === 0;
  }

  /** Volumes queued, leased and done: for /api/census and the logs. */
  get counts(): { queued: number; leased: number; done: number } {
    let leased = 0;
    for (const l of this.leases.values()) leased += l.jobs.length;
    return { queued: this.queue.length, leased, done: this.done.size };
  }

  /** Who audited each volume done this round. */
  doneBy(infoHash: string): string | undefined {
    return this.done.get(infoHash.toLowerCase());
  }

  /** Hands out up to `max` queued volumes, neediest first (the queue is in audit order); null when none is queued. */
  take(taker: string, max = DEFAULT_LEASE_VOLUMES): Lease | null {
    this.expire();
    if (this.queue.length === 0) return null;
    const jobs = this.queue.splice(0, Math.max(1, Math.min(MAX_LEASE_VOLUMES, Math.floor(max))));
    const now = this.now();
    const lease: Lease = { id: randomBytes(12).toString('base64url'), round: this.round, taker, jobs, takenAt: now, expiresAt: now + this.ttlMs };
    this.leases.set(lease.id, lease);
    this.armExpiry();
    return lease;
  }

  /** The live lease with this id, or undefined (unknown, expired, or of an earlier round). */
  get(id: string): Lease | undefined {
    this.expire();
    return this.leases.get(id);
  }

  /** Keeps a lease alive (its taker is still working); false when it is no longer live. */
  renew(id: string): boolean {
    const lease = this.get(id);
    if (!lease) return false;
    lease.expiresAt = this.now() + this.ttlMs;
    this.armExpiry();
    return true;
  }

  /** Marks a lease's volumes done and ends it; false when it is no longer live (the work went to someone else). */
  complete(id: string): boolean {
    const lease = this.get(id);
    if (!lease) return false;
    this.leases.delete(id);
    for (const j of lease.jobs) this.done.set(j.target.infoHash.toLowerCase(), lease.taker);
    this.wake();
    return true;
  }

  /** Resolves at the next change (a lease completed or expired, a round opened or closed), or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
    });
  }

  /** Puts the jobs of expired leases back at the front of the queue. */
  private expire(): void {
    const now = this.now();
    let any = false;
    for (const [id, lease] of this.leases) {
      if (lease.expiresAt > now) continue;
      this.leases.delete(id);
      this.queue.unshift(...lease.jobs);
      this.expired++;
      any = true;
    }
    if (any) this.wake();
  }

  /** Wakes whoever waits on `changed` when the earliest lease runs out. */
  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    let next = Infinity;
    for (const l of this.leases.values()) next = Math.min(next, l.expiresAt);
    if (next === Infinity) return;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      this.expire();
      if (this.leases.size > 0) this.armExpiry();
    }, Math.max(0, next - this.now()) + 5);
    this.expiryTimer.unref();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
