/**
 * The order and the budgets of one census round, without any I/O: which (volume, peer) audit
 * starts next, and what a host's answers (or silence) do to the rest of its audits.
 *
 * A hostile host can announce hundreds of ports that accept a connection and never answer (a
 * tarpit). Budgets per host and per network (/24, /48) keep such a host to a few sockets; a host
 * whose audits time out repeatedly is struck out for the round (its other audits are carried to
 * the next round) and backed off across rounds (one probe per round, last in line) until it
 * answers again. The hosts that matter go first: volumes under or near their copy target, then
 * peers with the oldest verdict.
 */
import { networkOf, normalizeHost } from './network.ts';

/** Sockets open at once over the whole round: idle waits are cheap, file descriptors are not. */
export const DEFAULT_MAX_SOCKETS = 256;
/** Audits open at once to one address: a seeder with many volumes is audited a few at a time. */
export const DEFAULT_MAX_PER_HOST = 4;
/** Audits open at once to one /24 or /48: many addresses of one site are one budget. */
export const DEFAULT_MAX_PER_NETWORK = 16;
/** Timeouts in a row (no answer in between) after which a host's other audits wait for the next round. */
export const DEFAULT_HOST_STRIKES = 3;
/** A peer that closed a fresh connection is tried again this long after (clients drop quick reconnects). */
export const DEFAULT_RETRY_DELAY_MS = 5_000;
/** Attempts at one audit in one round, the first included. */
export const MAX_ATTEMPTS = 3;
/** Backoff levels past this add nothing: a backed-off host is still probed once a round. */
const MAX_BACKOFF_LEVEL = 8;

/** How an audit ended, as far as scheduling cares. */
export type AuditOutcome =
  /** The peer spoke (any verdict, or a clear refusal): the host is alive. */
  | 'answered'
  /** The peer held the socket and did not answer in time: a strike against the host. */
  | 'timeout'
  /** The peer closed a fresh connection: try again later in the round. */
  | 'closed'
  /** Nothing to learn about the host (refused, bad port, not our fault, not its). */
  | 'other'
  /** Cut short by the round's end: carried to the next round. */
  | 'aborted';

/**
 * Backoff levels of hosts whose audits time out, kept across rounds (memory grows with such
 * hosts, never with files). Level 0 (not stored) is a normal host.
 */
export class HostBackoff {
  private readonly levels = new Map<string, number>();

  /** The host's backoff level; 0 for a host in good standing. */
  level(host: string): number {
    return this.levels.get(normalizeHost(host)) ?? 0;
  }

  /** Hosts currently backed off. */
  get size(): number {
    return this.levels.size;
  }

  /** After a round: struck-out hosts go up a level, hosts that answered are forgiven. */
  settle(struck: Iterable<string>, answered: Iterable<string>): void {
    for (const h of struck) this.levels.set(h, Math.min(MAX_BACKOFF_LEVEL, (this.levels.get(h) ?? 0) + 1));
    for (const h of answered) this.levels.delete(h);
  }
}

export interface BudgetOptions {
  maxSockets?: number;
  maxPerHost?: number;
  maxPerNetwork?: number;
  hostStrikes?: number;
  retryDelayMs?: number;
  /** A verdict older than this (or none) puts a peer ahead of every fresh one; default never. */
  staleAfterMs?: number;
}

export interface TaskInput {
  host: string;
  /** Verified copies of the volume minus its copy target: lower goes first. */
  margin?: number;
  /** When this peer last got a verdict for this volume (ms since the epoch). */
  lastVerdictAt?: number;
}

/** One audit in the round, in the caller's task numbering. */
export interface ScheduledTask {
  readonly index: number;
  readonly host: string;
  readonly network: string;
  attempts: number;
}

interface TaskState extends ScheduledTask {
  state: 'pending' | 'running' | 'done';
  notBefore: number;
}

interface HostState {
  running: number;
  /** Audits open at once now: 1 while the host is suspect (a timeout) or dropped a fresh connection. */
  limit: number;
  fullLimit: number;
  /** The host dropped a fresh connection: one handshake per address at a time from then on. */
  dropped: boolean;
  strikeLimit: number;
  strikes: number;
  struck: boolean;
  answered: boolean;
}

const positive = (n: number | undefined, fallback: number) => (n !== undefined && n > 0 ? n : fallback);

/** One round's queue and budgets; the census drives it (next, finished) and does the I/O. */
export class RoundSchedule {
  private readonly queue: TaskState[];
  private readonly hosts = new Map<string, HostState>();
  private readonly networks = new Map<string, number>();
  private readonly o: Required<Omit<BudgetOptions, 'staleAfterMs'>>;
  private running = 0;
  /** Every task before this one is done. */
  private head = 0;

  constructor(inputs: readonly TaskInput[], backoff: HostBackoff, opts: BudgetOptions = {}, now = Date.now()) {
    this.o = {
      maxSockets: positive(opts.maxSockets, DEFAULT_MAX_SOCKETS),
      maxPerHost: positive(opts.maxPerHost, DEFAULT_MAX_PER_HOST),
      maxPerNetwork: positive(opts.maxPerNetwork, DEFAULT_MAX_PER_NETWORK),
      hostStrikes: positive(opts.hostStrikes, DEFAULT_HOST_STRIKES),
      retryDelayMs: opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
    };
    const staleBefore = opts.staleAfterMs === undefined ? -Infinity : now - opts.staleAfterMs;
    const rankInHost = new Map<string, number>();
    const keyed = inputs.map((t, index) => {
      const host = normalizeHost(t.host);
      if (!this.hosts.has(host)) {
        const backedOff = backoff.level(host) > 0;
        // A backed-off host gets one probe at a time and one strike: a tarpit costs one timeout a round.
        const limit = backedOff ? 1 : this.o.maxPerHost;
        this.hosts.set(host, {
          running: 0, limit, fullLimit: limit, dropped: false, strikeLimit: backedOff ? 1 : this.o.hostStrikes,
          strikes: 0, struck: false, answered: false,
        });
      }
      const rank = rankInHost.get(host) ?? 0;
      rankInHost.set(host, rank + 1);
      const verdictAt = t.lastVerdictAt ?? -Infinity;
      const key = [backoff.level(host), verdictAt < staleBefore ? 0 : 1, t.margin ?? 0, verdictAt, rank];
      const task: TaskState = { index, host, network: networkOf(host), attempts: 0, state: 'pending', notBefore: 0 };
      return { task, key };
    });
    keyed.sort((a, b) => compareKeys(a.key, b.key) || a.task.index - b.task.index);
    this.queue = keyed.map((k) => k.task);
  }

  /** The next audit to start now within every budget, marked running; null when none may start. */
  next(now = Date.now()): ScheduledTask | null {
    if (this.running >= this.o.maxSockets) return null;
    while (this.head < this.queue.length && this.queue[this.head]!.state === 'done') this.head++;
    for (let i = this.head; i < this.queue.length; i++) {
      const t = this.queue[i]!;
      if (t.state !== 'pending' || t.notBefore > now) continue;
      const host = this.hosts.get(t.host)!;
      if (host.struck || host.running >= host.limit) continue;
      if ((this.networks.get(t.network) ?? 0) >= this.o.maxPerNetwork) continue;
      t.state = 'running';
      t.attempts++;
      host.running++;
      this.networks.set(t.network, (this.networks.get(t.network) ?? 0) + 1);
      this.running++;
      return t;
    }
    return null;
  }

  /** Records how a running audit ended; returns true when it is over for this round (false: it will be retried). */
  finished(task: ScheduledTask, outcome: AuditOutcome, now = Date.now()): boolean {
    const t = task as TaskState;
    const host = this.hosts.get(t.host)!;
    host.running--;
    this.running--;
    this.networks.set(t.network, this.networks.get(t.network)! - 1);
    if (outcome === 'answered') {
      host.strikes = 0;
      host.answered = true;
      if (!host.dropped) host.limit = host.fullLimit;
    } else if (outcome === 'timeout') {
      // One audit at a time until the host answers again: the audits already open prove the rest.
      host.limit = 1;
      if (++host.strikes >= host.strikeLimit) host.struck = true;
    } else if (outcome === 'closed' && t.attempts < MAX_ATTEMPTS) {
      host.limit = 1;
      host.dropped = true;
      t.state = 'pending';
      t.notBefore = now + this.o.retryDelayMs;
      return false;
    }
    // An aborted audit was not reached: it stays pending so the round's end carries it.
    t.state = outcome === 'aborted' ? 'pending' : 'done';
    return outcome !== 'aborted';
  }

  /** When a delayed retry may start, or null when none waits. */
  nextWakeAt(): number | null {
    let at: number | null = null;
    for (let i = this.head; i < this.queue.length; i++) {
      const t = this.queue[i]!;
      if (t.state === 'pending' && t.notBefore > 0 && !this.hosts.get(t.host)!.struck) at = Math.min(at ?? Infinity, t.notBefore);
    }
    return at;
  }

  /** True when nothing runs and nothing may start any more (every pending task is blocked for good). */
  get settled(): boolean {
    if (this.running > 0) return false;
    for (let i = this.head; i < this.queue.length; i++) {
      const t = this.queue[i]!;
      if (t.state === 'pending' && !this.hosts.get(t.host)!.struck) return false;
    }
    return true;
  }

  /** Audits running now. */
  get active(): number {
    return this.running;
  }

  /** Task indices not audited this round (struck-out hosts, cut short, never started). */
  carried(): number[] {
    return this.queue.filter((t) => t.state !== 'done').map((t) => t.index).sort((a, b) => a - b);
  }

  /** Hosts struck out this round. */
  struckHosts(): string[] {
    return [...this.hosts].filter(([, h]) => h.struck).map(([host]) => host);
  }

  /** Hosts that answered at least once this round. */
  answeredHosts(): string[] {
    return [...this.hosts].filter(([, h]) => h.answered).map(([host]) => host);
  }
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}
