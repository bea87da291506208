/**
 * A server's `Retry-After`, read and honoured per origin: once one request to an origin is
 * told to wait, every request to that origin waits too (the server asked this client to
 * stay away, and a second connection sending on would ignore that).
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';

/** Longest `Retry-After` honoured; beyond it the client gives up rather than hang for hours. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Milliseconds a `Retry-After` header asks for (delta-seconds or HTTP date), or undefined. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The first value of a header Node may give as a list. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Abortable sleep: the default wait between retries. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleepTimer(ms, undefined, { signal });
}

/** Waits for `p`, or rejects with the signal's reason when it aborts first. */
export function abortable(p: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, reject);
  });
}

/** A server's Retry-After for a whole origin: until when, and one wait every request shares. */
interface QuietPeriod {
  until: number;
  over: Promise<void>;
}

/** The quiet periods servers asked of their origins, shared by every request of one client. */
export class OriginQuietPeriods {
  /** Per origin, the Retry-After a server gave last, while it runs. */
  private readonly quiet = new Map<string, QuietPeriod>();
  /** Ends shared waits when the client closes. */
  private readonly closing = new AbortController();

  constructor(private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>) {}

  /** Starts (or extends) the quiet period a server asked of this origin; resolves when it is over. */
  start(origin: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    const known = this.quiet.get(origin);
    if (known && known.until >= until) return known.over;
    const period: QuietPeriod = { until, over: Promise.resolve() };
    // Not the request's own signal: the wait is shared. Closing the client ends it.
    period.over = this.sleep(ms, this.closing.signal)
      .catch(() => undefined)
      .finally(() => {
        if (this.quiet.get(origin) === period) this.quiet.delete(origin);
      });
    this.quiet.set(origin, period);
    return period.over;
  }

  /** Waits while a server's Retry-After for this origin runs (and any later one given meanwhile). */
  async whenQuiet(origin: string, signal: AbortSignal | undefined): Promise<void> {
    let waited: QuietPeriod | undefined;
    for (let period = this.quiet.get(origin); period && period !== waited && period.until > Date.now(); period = this.quiet.get(origin)) {
      await abortable(period.over, signal);
      waited = period;
    }
  }

  /** Ends every shared wait at once (the client is closing). */
  close(): void {
    this.closing.abort();
  }
}
