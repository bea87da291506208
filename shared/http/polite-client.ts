/**
 * An HTTP client that behaves like a good Wikimedia citizen when fetching original media:
 * a descriptive User-Agent, few connections per host, a shared bandwidth cap, and bounded
 * retries with exponential back-off that honour `Retry-After`. A `Retry-After` holds every
 * request to that origin, not only the one that got it: the server asked this client to
 * stay away, and a second connection sending on would ignore that.
 * See https://meta.wikimedia.org/wiki/User-Agent_policy and
 * https://wikitech.wikimedia.org/wiki/Robot_policy.
 */
import { Semaphore, TokenBucket } from './limits.ts';
import http from 'node:http';
import https from 'node:https';
import { SeedbankError } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { throttledResponse, type PoliteResponse } from './polite-response.ts';
import { abortable, defaultSleep, headerValue, MAX_RETRY_AFTER_MS, OriginQuietPeriods, parseRetryAfter } from './retry-after.ts';
import { validateUserAgent } from './user-agent.ts';

export const DEFAULT_MAX_CONNECTIONS_PER_HOST = 2;
/** 25 Mbit/s expressed in bytes per second. */
export const DEFAULT_MAX_BYTES_PER_SECOND = 3_125_000;
export const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_BASE_DELAY_MS = 1_000;
export const DEFAULT_MAX_DELAY_MS = 60_000;
export const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 5;
/** Statuses that mean "try again later" rather than "this will never work". */
const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface PoliteClientOptions {
  /** Descriptive User-Agent with contact info (an email address or URL), as Wikimedia requires. */
  userAgent: string;
  /** Concurrent connections per origin. Default 2. */
  maxConnections?: number;
  /** Total body bandwidth across all connections, bytes/s. Default 3_125_000 (25 Mbit/s); 0 = unlimited. */
  maxBytesPerSecond?: number;
  /** Retries after the first attempt on 408/429/502/503/504 and network errors. Default 5. */
  maxRetries?: number;
  /** First back-off delay, doubled per retry. Default 1000 ms. */
  baseDelayMs?: number;
  /** Upper bound of one back-off delay (a server's `Retry-After` may ask for longer). Default 60 000 ms. */
  maxDelayMs?: number;
  /** Socket inactivity timeout per request. Default 60 000 ms. */
  timeoutMs?: number;
  logger?: Logger;
  /** Waits between retries; injectable so tests can record delays instead of waiting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface PoliteRequestInit {
  method?: 'GET' | 'HEAD';
  /** Extra request headers (e.g. Range). The User-Agent is always the client's. */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface PoliteClientStats {
  /** HTTP requests sent, counting every attempt. */
  requests: number;
  /** Retries after back-off, including caller-level ones made through {@link PoliteClient.backoff}. */
  retries: number;
  /** Response body bytes delivered to callers. */
  bytes: number;
}

export { TokenBucket } from './limits.ts';
export { PoliteResponse } from './polite-response.ts';
export { MAX_RETRY_AFTER_MS, parseRetryAfter } from './retry-after.ts';

/** The polite HTTP client; see the module comment. */
export class PoliteClient {
  readonly maxConnections: number;
  private readonly userAgent: string;
  private readonly maxRetries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly bucket: TokenBucket;
  private readonly semaphores = new Map<string, Semaphore>();
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly counters: PoliteClientStats = { requests: 0, retries: 0, bytes: 0 };
  /** The Retry-After periods servers asked for, per origin. */
  private readonly quiet: OriginQuietPeriods;

  constructor(options: PoliteClientOptions) {
    validateUserAgent(options.userAgent);
    this.userAgent = options.userAgent.trim();
    this.maxConnections = Math.max(1, options.maxConnections ?? DEFAULT_MAX_CONNECTIONS_PER_HOST);
    this.maxRetries = Math.max(0, options.maxRetries ?? DEFAULT_MAX_RETRIES);
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.logger = options.logger ?? silentLogger;
    this.sleep = options.sleep ?? defaultSleep;
    this.quiet = new OriginQuietPeriods(this.sleep);
    this.bucket = new TokenBucket(options.maxBytesPerSecond ?? DEFAULT_MAX_BYTES_PER_SECOND);
    // The agents are the hard guarantee on sockets per host (the semaphore only bounds
    // requests); keep-alive avoids a TLS handshake per file.
    const agentOptions = { keepAlive: true, maxSockets: this.maxConnections };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  /** Counters since construction. */
  stats(): PoliteClientStats {
    return { ...this.counters };
  }

  /** Closes every connection of this client, in-flight ones included; call it when done. */
  close(): void {
    this.quiet.close();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Back-off delay for the given retry (0-based): exponential, capped, with equal jitter. */
  retryDelayMs(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
    // Equal jitter keeps at least half the delay while spreading clients apart.
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  /** Waits the back-off for a retry made by the caller (e.g. resuming a cut download). */
  async backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    this.counters.retries++;
    await this.sleep(this.retryDelayMs(attempt), signal);
  }

  /**
   * Sends a GET (or HEAD), retrying transient failures; resolves with any other status
   * (including 4xx) and throws a SeedbankError naming the URL once retries run out.
   */
  async request(url: string, init: PoliteRequestInit = {}): Promise<PoliteResponse> {
    let current = new URL(url);
    for (let redirects = 0; ; redirects++) {
      const semaphore = this.semaphoreFor(current.origin);
      await semaphore.acquire(init.signal);
      let released = false;
      const release = (): void => {
        if (!released) {
          released = true;
          semaphore.release();
        }
      };
      let res: http.IncomingMessage;
      try {
        res = await this.sendWithRetries(current, init);
      } catch (err) {
        release();
        throw err;
      }
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(res.statusCode ?? 0) && location) {
        res.resume();
        release();
        if (redirects >= MAX_REDIRECTS) {
          throw new SeedbankError('HTTP_TOO_MANY_REDIRECTS', `${url} redirected more than ${MAX_REDIRECTS} times.`, {
            context: { url },
          });
        }
        current = new URL(location, current);
        continue;
      }
      return throttledResponse(current.href, res, release, this.bucket, this.counters, init.signal);
    }
  }

  private semaphoreFor(origin: string): Semaphore {
    let semaphore = this.semaphores.get(origin);
    if (!semaphore) {
      semaphore = new Semaphore(this.maxConnections);
      this.semaphores.set(origin, semaphore);
    }
    return semaphore;
  }

  /** Sends until a non-retryable response arrives; the caller holds the host slot throughout. */
  private async sendWithRetries(url: URL, init: PoliteRequestInit): Promise<http.IncomingMessage> {
    const method = init.method ?? 'GET';
    for (let attempt = 0; ; attempt++) {
      init.signal?.throwIfAborted();
      await this.quiet.whenQuiet(url.origin, init.signal);
      this.counters.requests++;
      let res: http.IncomingMessage;
      try {
        res = await this.send(url, init);
      } catch (err) {
        if (init.signal?.aborted) throw init.signal.reason;
        const message = err instanceof Error ? err.message : String(err);
        if (attempt >= this.maxRetries) {
          throw new SeedbankError('HTTP_NETWORK', `${method} ${url.href} failed after ${attempt + 1} attempts: ${message}`, {
            context: { url: url.href, attempts: attempt + 1 },
            cause: err,
          });
        }
        await this.waitBeforeRetry(url, attempt, undefined, { error: message }, init.signal);
        continue;
      }
      const status = res.statusCode ?? 0;
      if (!RETRYABLE_STATUSES.has(status)) return res;
      // Drain the small error body so the keep-alive socket can be reused.
      res.resume();
      if (attempt >= this.maxRetries) {
        throw new SeedbankError(
          'HTTP_RETRIES_EXHAUSTED',
          `${method} ${url.href} still answered HTTP ${status} after ${attempt + 1} attempts.`,
          {
            hint: 'The server is overloaded or rate-limiting; try again later or lower the connection/bandwidth limits.',
            context: { url: url.href, upstreamStatus: status, attempts: attempt + 1 },
          },
        );
      }
      const retryAfter = parseRetryAfter(headerValue(res.headers['retry-after']));
      if (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS) {
        const seconds = Math.ceil(retryAfter / 1000);
        const message = `${method} ${url.href} answered HTTP ${status} asking to wait ${seconds} s.`;
        throw new SeedbankError('HTTP_RETRY_AFTER_TOO_LONG', message, {
          hint: 'The server asks us to stay away for a long time; run again later.',
          context: { url: url.href, upstreamStatus: status, retryAfterMs: retryAfter },
        });
      }
      await this.waitBeforeRetry(url, attempt, retryAfter, { status }, init.signal);
    }
  }

  private async waitBeforeRetry(
    url: URL,
    attempt: number,
    retryAfterMs: number | undefined,
    reason: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    // A server-requested delay is a floor: never come back sooner than asked.
    const delayMs = Math.max(retryAfterMs ?? 0, this.retryDelayMs(attempt));
    this.counters.retries++;
    this.logger.warn({ url: url.href, attempt: attempt + 1, delayMs, retryAfterMs, ...reason }, 'retrying HTTP request');
    if (retryAfterMs === undefined) return this.sleep(delayMs, signal);
    // Every request to the origin waits the Retry-After; this one waits its own back-off if longer.
    const shared = this.quiet.start(url.origin, retryAfterMs);
    await (delayMs > retryAfterMs ? this.sleep(delayMs, signal) : abortable(shared, signal));
  }

  /** One HTTP exchange: resolves at the response headers. */
  private send(url: URL, init: PoliteRequestInit): Promise<http.IncomingMessage> {
    const isHttps = url.protocol === 'https:';
    if (!isHttps && url.protocol !== 'http:') {
      return Promise.reject(new SeedbankError('HTTP_BAD_URL', `Unsupported URL protocol: ${url.href}`));
    }
    const requestFn = isHttps ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = requestFn(url, {
        method: init.method ?? 'GET',
        agent: isHttps ? this.httpsAgent : this.httpAgent,
        // identity: files must arrive byte-exact for the SHA-1 check.
        headers: { ...init.headers, 'user-agent': this.userAgent, 'accept-encoding': 'identity' },
        timeout: this.timeoutMs,
        signal: init.signal,
      });
      req.on('timeout', () => {
        req.destroy(Object.assign(new Error(`no data for ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      });
      req.on('response', resolve);
      req.on('error', reject);
      // The request goes out when it gets a socket, which may be later than the check before
      // send() (the agent queues it until a kept-alive socket is free): a Retry-After another
      // connection got meanwhile holds it here, just before its headers are written.
      req.once('socket', () => {
        this.quiet.whenQuiet(url.origin, init.signal).then(() => req.end(), (err: unknown) => req.destroy(err instanceof Error ? err : new Error(String(err))));
      });
    });
  }
}
