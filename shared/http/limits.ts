/** The client's two limits: connections per origin (a semaphore) and bytes per second (a token bucket). */
import { setTimeout as sleepTimer } from 'node:timers/promises';

/** How much unused bandwidth may accumulate, in seconds of the cap: keeps bursts short. */
const BUCKET_BURST_SECONDS = 0.1;

/** A FIFO counting semaphore; one per origin so a slow host never blocks another. */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];

  constructor(permits: number) {
    this.available = permits;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.available > 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiters.indexOf(grant);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.waiters.shift();
    // Hand the permit straight to the next waiter so nobody can barge in between.
    if (next) next();
    else this.available++;
  }
}

/**
 * A token bucket shared by all connections. Takers may go into debt (a chunk larger than
 * the bucket still passes) and then wait until the debt is repaid, so the long-run rate is
 * exact whatever the chunk sizes.
 */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private readonly capacity: number;

  constructor(private readonly bytesPerSecond: number) {
    this.capacity = bytesPerSecond * BUCKET_BURST_SECONDS;
    this.tokens = this.capacity;
  }

  /** Takes `bytes` tokens, waiting as long as the cap requires. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.bytesPerSecond <= 0) return;
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens < 0) await sleepTimer((-this.tokens / this.bytesPerSecond) * 1000, undefined, { signal });
  }
}
