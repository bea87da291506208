/**
 * A first-come first-served limit on piece transfers running at once. Waiting is abortable, so
 * an audit that ends while queued leaves no trace.
 */

interface Waiter {
  grant: (release: () => void) => void;
}

export class TransferSlots {
  private free: number;
  private readonly waiting: Waiter[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason if it aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Transfers running now. */
  get busy(): number {
    return this.size - this.free;
  }

  /** A release that works once: a slot handed back twice would raise the limit. */
  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next.grant(this.releaser());
      else this.free++;
    };
  }
}
