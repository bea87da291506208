/** The response side of the polite client: a body read once, throttled, counted, freeing its host slot. */
import type http from 'node:http';
import { SeedbankError } from '../errors.ts';
import type { TokenBucket } from './limits.ts';

/**
 * A received response whose body is read (once) through `body`, `buffer()`, `text()` or
 * `json()`. The connection slot is held until the body is fully read or `discard()`ed, so
 * callers must do one or the other.
 */
export class PoliteResponse {
  readonly ok: boolean;
  private consumed = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    private readonly chunks: AsyncIterable<Buffer>,
    private readonly close: () => void,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  /** One header value (lower-cased name; repeated headers joined with ", "). */
  header(name: string): string | undefined {
    const value = this.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** The body as it arrives, throttled to the client's bandwidth cap. */
  get body(): AsyncIterable<Buffer> {
    if (this.consumed) throw new SeedbankError('INTERNAL', `The body of ${this.url} was already read.`);
    this.consumed = true;
    return this.chunks;
  }

  /** The whole body in memory. */
  async buffer(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.body) parts.push(chunk);
    return Buffer.concat(parts);
  }

  /** The whole body as UTF-8 text. */
  async text(): Promise<string> {
    return (await this.buffer()).toString('utf8');
  }

  /** Drops the body unread and frees the connection slot. Safe to call more than once. */
  discard(): void {
    this.consumed = true;
    this.close();
  }
}

/** Wraps a response so its body is throttled by `bucket`, counted in `counters.bytes` and frees the host slot when done. */
export function throttledResponse(
  url: string,
  res: http.IncomingMessage,
  release: () => void,
  bucket: TokenBucket,
  counters: { bytes: number },
  signal?: AbortSignal,
): PoliteResponse {
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        await bucket.take(chunk.length, signal);
        counters.bytes += chunk.length;
        yield chunk;
      }
    } finally {
      // A half-read body leaves the socket unusable for keep-alive; drop it.
      if (!res.complete) res.destroy();
      release();
    }
  }
  const close = (): void => {
    if (!res.complete) res.destroy();
    release();
  };
  return new PoliteResponse(url, res.statusCode ?? 0, res.headers, chunks(), close);
}
