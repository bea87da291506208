/**
 * Caps concurrent HTTP requests per host across every volume's web seed. Wikimedia's robot
 * policy asks for at most 2 connections to upload.wikimedia.org; with keep-alive, requests
 * that never overlap beyond the cap never need more connections than the cap.
 */

/** Default concurrent requests to one web seed host. */
export const DEFAULT_CONNECTIONS_PER_HOST = 2;

interface HostSlots {
  active: number;
  waiting: (() => void)[];
}

/** A counting semaphore per host name. */
export class HostLimiter {
  private readonly hosts = new Map<string, HostSlots>();
  /** The highest number of requests ever seen at once per host (for tests and benchmarks). */
  readonly peak = new Map<string, number>();

  constructor(readonly perHost = DEFAULT_CONNECTIONS_PER_HOST) {}

  /** Waits for a free slot on `host`; call the returned function when the request is over. */
  async acquire(host: string): Promise<() => void> {
    let slots = this.hosts.get(host);
    if (!slots) {
      slots = { active: 0, waiting: [] };
      this.hosts.set(host, slots);
    }
    const s = slots;
    if (s.active >= this.perHost) await new Promise<void>((resolve) => s.waiting.push(resolve));
    s.active++;
    this.peak.set(host, Math.max(this.peak.get(host) ?? 0, s.active));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      s.active--;
      const next = s.waiting.shift();
      if (next) next();
      else if (s.active === 0) this.hosts.delete(host);
    };
  }
}
