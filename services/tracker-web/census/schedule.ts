/**
 * The order and the budgets of one census round, without any I/O: which (volume, peer) audit
 * starts next, and what a host's answers (or silence) do to the rest of its audits.
 *
 * A hostile host can announce hundreds of ports that accept a connection and never answer (a
 * tarpit). Budgets per host and per network (/24, /48) keep any host to a few sockets, and a host
 * gets one until one of its peers completes a handshake (slow start). A host that times out
 * before ever answering, or three times in a row after, is struck out for the round (its other
 * audits are carried to the next round) and backed off across rounds (last in line, still probed
 * once a round) until it answers again. So a tarpit address costs one socket for one handshake
 * timeout a round, and a peer that never unchokes one wave of unchoke waits. The hosts that
 * matter go first: volumes under or near their copy target, then peers with the oldest verdict.
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
  /** A peer of the host completed a handshake this round: it is alive, audit it several at a time. */
  alive: boolean;
  /** A timeout since the host last answered: one audit at a time until it answers again. */
  suspect: boolean;
  /** The host dropped a fresh connection: one handshake per address at a time from then on. */
  dropped: boolean;
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
  /** Retries ever queued: without any, there is nothing to wake up for. */
  private retries = 0;

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
        this.hosts.set(host, { running: 0, alive: false, suspect: false, dropped: false, strikes: 0, struck: false, answered: false });
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
      if (host.struck || host.running >= this.limit(host)) continue;
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
      host.alive = true;
      host.suspect = false;
    } else if (outcome === 'timeout') {
      host.suspect = true;
      // A host that never completed a handshake this round is struck out at its first timeout:
      // a tarpit address costs one socket for one handshake timeout.
      if (++host.strikes >= (host.alive ? this.o.hostStrikes : 1)) host.struck = true;
    } else if (outcome === 'closed' && t.attempts < MAX_ATTEMPTS) {
      host.dropped = true;
      t.state = 'pending';
      t.notBefore = now + this.o.retryDelayMs;
      this.retries++;
      return false;
    }
    // An aborted audit was not reached: it stays pending so the round's end carries it.
    t.state = outcome === 'aborted' ? 'pending' : 'done';
    return outcome !== 'aborted';
  }

  /** A peer of the task's host completed its handshake: the host is alive, and may take several audits at once. */
  alive(task: ScheduledTask): void {
    this.hosts.get(task.host)!.alive = true;
  }

  /** Audits a host may have open now: one until it has shown it is alive (slow start), while suspect, or after it dropped us. */
  private limit(host: HostState): number {
    return host.alive && !host.suspect && !host.dropped ? this.o.maxPerHost : 1;
  }

  /** When a delayed retry may start, or null when none waits. */
  nextWakeAt(): number | null {
    if (this.retries === 0) return null;
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
