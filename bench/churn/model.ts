/**
 * The simulated network's parts (hosts, their holdings, the timing rules, the events) and the
 * seeder's planned disk use of a volume: what network.ts runs and the reporters read.
 */
import { allocatedSize, VOLUME_OVERHEAD_BYTES } from '../../clients/seeder/quota.ts';
import type { ClaimProgress } from '../../services/tracker-web/seeders/seeder-reports.ts';

/** One volume a host holds (downloading or complete). */
export interface Holding {
  v: number;
  addedAt: number;
  /** When the last byte arrives; Infinity while the host is away. */
  completeAt: number;
  streak: number;
  /** The census counts it now. */
  counted: boolean;
  /** Bumped when the holding's completion is rescheduled, so stale events are ignored. */
  serial: number;
  /** How long its download takes at the host's rate, queueing behind its other downloads not included. */
  transferMs: number;
}

/** One host running `seedbank seed --auto`. */
export interface Host {
  id: number;
  quota: number;
  rateBytesPerMs: number;
  online: boolean;
  gone: boolean;
  pollPhase: number;
  holdings: Map<number, Holding>;
  plannedBytes: number;
  busyUntil: number;
  lastReportAt: number;
  /** Volumes last reported, with when each was first claimed and its download's progress, as the catalogue keeps them. */
  reported: Map<number, ClaimProgress>;
  /** Counted copies it no longer holds: the census uncounts them at its next audit. */
  ghosts: number[];
  /** Bumped on every departure and return, so a scheduled expiry of an old absence is ignored. */
  epoch: number;
  auditedAt: number;
  /** It finished a download, so its seeder knows its rate. */
  rateMeasured: boolean;
}

/** Timing rules of the run (the real defaults unless a caller changes them). */
export interface NetworkTiming {
  tickMs: number;
  /**
   * 'current': a bounded download queue and a report right after adding (this commit's rules);
   * 'before': every fitting volume claimed at once, claims seen only at the next poll.
   */
  rules: 'current' | 'before';
  pollIntervalMs: number;
  censusIntervalMs: number;
  copyMaxAgeMs: number;
  /** A silent host's copies stop counting this long after the census last reached it (Infinity: only the copy window). */
  presenceWindowMs: number;
  minHostingMs: number;
  /**
   * How long a claim counts before the census confirms it, from when it was made or its download
   * last moved (the catalogue's claim audit grace, DEFAULT_CLAIM_AUDIT_GRACE_MS); Infinity: claims count while their seeder reports, the model before.
   */
  claimAuditGraceMs: number;
  /** Whether seeders report their downloads' progress and the catalogue extends the grace by it (false: the rule before). */
  claimProgress: boolean;
  /**
   * 'unmeasured' (this commit): the 8 GiB queue floor only until a host has measured its rate;
   * 'always' (before): the floor for every host, so a slow one queued a second volume.
   */
  queueFloor: 'unmeasured' | 'always';
}

/** What the event queue holds: downloads ending, silent hosts' copies expiring, churn. */
export type SimEvent =
  | { kind: 'complete'; host: Host; v: number; serial: number }
  | { kind: 'expire'; host: Host; epoch: number }
  | { kind: 'leave'; host: Host }
  | { kind: 'return'; host: Host }
  | { kind: 'disk-fail'; host: Host };

/** Counters the reporter reads and resets. */
export interface Counters {
  downloadedBytes: number;
  adds: number;
  drops: number;
  /** Copies counted after their host's claim had run out of its audit grace (another host could take the volume meanwhile). */
  graceLapses: number;
}

/** The seeder's planned disk use of a volume of `size` bytes, as auto-plan estimates it. */
export function plannedSize(size: number): number {
  return allocatedSize(size) + VOLUME_OVERHEAD_BYTES;
}
