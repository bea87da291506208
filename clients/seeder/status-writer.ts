/**
 * Rewrites the status file soon after something changed, but not more often than every
 * STATUS_MIN_INTERVAL_MS: a download reports every piece written, and the file is rewritten
 * whole (atomically) each time. A write that fails is logged and the next change tries again.
 */

/** The shortest time between two rewrites of the status file. */
export const STATUS_MIN_INTERVAL_MS = 250;

/** Coalesces change notices into bounded rewrites of the status file. */
export class StatusWriter {
  private lastWriteAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  /** A change arrived while writing: write again after. */
  private again = false;
  private closed = false;

  constructor(
    /** Writes the current status (never throws: it logs its own failures). */
    private readonly write: () => Promise<void>,
    private readonly minIntervalMs = STATUS_MIN_INTERVAL_MS,
  ) {}

  /** Something changed: the file is rewritten within minIntervalMs. */
  changed(): void {
    if (this.closed || this.timer) return;
    if (this.writing) {
      this.again = true;
      return;
    }
    const wait = Math.max(0, this.lastWriteAt + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.now();
    }, wait);
  }

  /** Rewrites the file now (the periodic rewrite, and the first one). */
  async now(): Promise<void> {
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    this.lastWriteAt = Date.now();
    this.writing = this.write().finally(() => {
      this.writing = null;
      if (this.again) {
        this.again = false;
        this.changed();
      }
    });
    return this.writing;
  }

  /** Stops rewriting (pending changes are dropped). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
