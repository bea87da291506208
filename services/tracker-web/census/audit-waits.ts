/**
 * The waiting side of a peer audit: one phase at a time waits for a condition the peer's
 * events make true, bounded by the phase's own limit and the audit's total budget; the first
 * failure wakes the wait and every later one is ignored (it is a consequence of the first).
 */
import { performance } from 'node:perf_hooks';
import type { FailureKind } from './audit-types.ts';

/** What ended an audit early: a kind the census counts and a sentence for the operator. */
export class AuditFailure extends Error {
  constructor(readonly kind: FailureKind, message: string) {
    super(message);
  }
}

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
  reject: (err: AuditFailure) => void;
}

/** One audit's deadline, its current wait and its first failure. */
export class AuditWaits {
  /** Moved on by the time spent queued for a transfer slot: that wait is the census's, not the peer's. */
  deadline: number;
  /** The first failure; set once. */
  failure: AuditFailure | null = null;
  private waiter: Waiter | null = null;

  /**
   * `budgetMs` is the audit's whole budget, named in timeout messages; a phase that times out
   * goes through `onTimeout`, so the session can end what else waits on the peer too.
   */
  constructor(started: number, private readonly budgetMs: number, private readonly onTimeout: (kind: FailureKind, message: string) => void) {
    this.deadline = started + budgetMs;
  }

  /** Waits until `ready()` holds, failing on the first peer failure or after `phaseMs` (bounded by the total budget). */
  until(what: string, phaseMs: number, ready: () => boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (ready()) return Promise.resolve();
    const left = Math.max(0, this.deadline - performance.now());
    const ms = Math.min(phaseMs, left);
    const limit = ms === phaseMs ? `${Math.round(ms)} ms` : `the audit's ${this.budgetMs} ms budget`;
    return new Promise<void>((resolve, reject) => {
      // No timer for an unbounded wait: Node fires an over-large timeout at once.
      const timer = Number.isFinite(ms) ? setTimeout(() => this.onTimeout('timeout', `timed out waiting for ${what} (limit: ${limit})`), ms) : undefined;
      const done = () => clearTimeout(timer);
      this.waiter = {
        ready,
        resolve: () => { done(); resolve(); },
        reject: (e) => { done(); reject(e); },
      };
    });
  }

  /**
   * Waits for something the census rations (a transfer slot, its rate budget): that wait is
   * the round's, not the peer's, so the audit's deadline moves on by as long as it took.
   */
  async offTheClock(what: string, granted: Promise<void>): Promise<void> {
    let done = false;
    void granted.then(() => {
      done = true;
      this.poke();
    }, () => undefined);
    const queued = performance.now();
    const deadline = this.deadline;
    this.deadline = Infinity; // the round's budget bounds this wait, not the audit's
    try {
      await this.until(what, Infinity, () => done);
    } finally {
      this.deadline = deadline + (performance.now() - queued);
    }
  }

  /** Re-evaluates the current wait after any event. */
  poke(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.failure) {
      this.waiter = null;
      w.reject(this.failure);
    } else if (w.ready()) {
      this.waiter = null;
      w.resolve();
    }
  }

  /** Records the first failure (later ones are consequences of it) and wakes the waiter. */
  fail(kind: FailureKind, message: string): void {
    this.failure ??= new AuditFailure(kind, message);
    this.poke();
  }

  /** Drops the current wait for good: the audit is over. */
  close(): void {
    this.waiter = null;
  }
}
