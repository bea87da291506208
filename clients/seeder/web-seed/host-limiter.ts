/**
 * The seeder's one gateway to web seed hosts, shared by every volume: a per-host cap on
 * concurrent requests (Wikimedia's robot policy asks for at most 2 connections to
 * upload.wikimedia.org) and the project's polite HTTP client (descriptive User-Agent with the
 * operator's contact, a bandwidth cap, bounded retries that honour 429/503 and Retry-After).
 */
import { DEFAULT_MAX_BYTES_PER_SECOND, PoliteClient, type PoliteClientOptions } from '../../../shared/http/polite-client.ts';
import { isWikimediaUrl, userAgentContact } from '../../../shared/http/user-agent.ts';
import { silentLogger, type Logger } from '../../../shared/log.ts';

/** Default concurrent requests to one web seed host. */
export const DEFAULT_CONNECTIONS_PER_HOST = 2;
/** Default cap on bytes per second from all web seeds together: 25 Mbit/s, the robot policy's figure. */
export const DEFAULT_WEB_SEED_BYTES_PER_SECOND = DEFAULT_MAX_BYTES_PER_SECOND;

interface HostSlots {
  active: number;
  waiting: (() => void)[];
}

/** How the seeder reaches web seed hosts. */
export interface HostLimiterOptions {
  /** Concurrent requests per host (default 2). */
  perHost?: number;
  /** The User-Agent every request carries (from shared/http/user-agent.ts, with the operator's contact). */
  userAgent: string;
  /** Bytes per second from all web seeds together; 0 = no cap (default 25 Mbit/s). */
  maxBytesPerSecond?: number;
  logger?: Logger;
  /** Retry tuning of the polite client (tests shorten the back-off). */
  retry?: Pick<PoliteClientOptions, 'maxRetries' | 'baseDelayMs' | 'maxDelayMs' | 'sleep'>;
}

/** A counting semaphore per host name in front of one polite HTTP client. */
export class HostLimiter {
  private readonly hosts = new Map<string, HostSlots>();
  /** The highest number of requests ever seen at once per host (for tests and benchmarks). */
  readonly peak = new Map<string, number>();
  readonly perHost: number;
  /** The client every web seed request goes through. */
  readonly client: PoliteClient;
  private readonly log: Logger;
  private readonly refusedHosts = new Set<string>();
  private readonly hasContact: boolean;

  constructor(o: HostLimiterOptions) {
    this.perHost = Math.max(1, o.perHost ?? DEFAULT_CONNECTIONS_PER_HOST);
    this.log = o.logger ?? silentLogger;
    this.hasContact = userAgentContact(o.userAgent) !== undefined;
    this.client = new PoliteClient({
      userAgent: o.userAgent,
      maxConnections: this.perHost,
      maxBytesPerSecond: o.maxBytesPerSecond ?? DEFAULT_WEB_SEED_BYTES_PER_SECOND,
      logger: this.log.child({ component: 'web-seed' }),
      ...o.retry,
    });
  }

  /**
   * True when requests may go to this web seed. Wikimedia's hosts need the operator's contact
   * in the User-Agent; without one they are skipped (peers still serve the volume), once logged.
   */
  allows(baseUrl: string): boolean {
    if (this.hasContact || !isWikimediaUrl(baseUrl)) return true;
    const host = new URL(baseUrl).host;
    if (!this.refusedHosts.has(host)) {
      this.refusedHosts.add(host);
      this.log.warn({ host }, 'web seed skipped: Wikimedia asks for a contact in the User-Agent; pass --contact you@example.org (or set SEEDBANK_CONTACT)');
    }
    return false;
  }

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

  /** Closes the client's connections (when the seeder closes). */
  close(): void {
    this.client.close();
  }
}

