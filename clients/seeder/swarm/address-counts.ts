/**
 * Counts of open things per key (a remote address, or an address and a volume), for the seed
 * server's per-address limits: take one if the key is under its limit, give it back once. The
 * map holds only keys with something open, so it is bounded by the open connections.
 */
export class AddressCounts {
  private readonly counts = new Map<string, number>();

  /** Takes one for `key` when it holds fewer than `limit`; returns the release (idempotent), or null when at the limit. */
  take(key: string, limit: number): (() => void) | null {
    const n = this.counts.get(key) ?? 0;
    if (n >= limit) return null;
    this.counts.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
    };
  }

  /** How many `key` holds now. */
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
