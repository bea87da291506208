/**
 * A BEP 19 web seed connection for volume torrents, replacing webtorrent's request logic
 * (its WebConn is kept for the protocol side): URLs are built with every path segment
 * percent-encoded (Commons names hold `?`, `#`, `%`, `&`), requests from webtorrent are
 * queued and adjacent ones merged into one range request per file (fewer, larger requests
 * are kinder to the origin), and every request takes a slot from a per-host limiter shared
 * by all volumes and goes through its polite client (User-Agent with the operator's contact,
 * bandwidth cap, back-off on 429/503 honouring Retry-After), as the builder's downloads do.
 */
import type { PoliteResponse } from '../../../shared/http/polite-client.ts';
import type { PieceLayout } from '../store/piece-layout.ts';
import type { HostLimiter } from './host-limiter.ts';
import { WebConnBase } from '../webtorrent-api.ts';
import { SeedbankError } from '../../../shared/errors.ts';

/** Merged requests stop growing here, so one slow response does not hold too much. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const HTTP_PARTIAL_CONTENT = 206;
const HTTP_OK = 200;

type BlockCallback = (err: Error | null, data?: Uint8Array) => void;

interface Pending {
  start: number;
  length: number;
  cb: BlockCallback;
}

/** What a web seed connection needs besides webtorrent's torrent. */
export interface WebSeedOptions {
  /** The url-list entry, e.g. 'https://upload.wikimedia.org/wikipedia/'. */
  baseUrl: string;
  /** The torrent's name, the first URL segment after the base ('commons'). */
  torrentName: string;
  layout: PieceLayout;
  /** Per-host slots and the polite client, shared by every volume of the seeder. */
  limiter: HostLimiter;
  /** Counts bytes fetched (for status). */
  onBytes?: (n: number) => void;
}

/** The URL of one file of the volume on a web seed, each segment percent-encoded. */
export function webSeedFileUrl(baseUrl: string, torrentName: string, filePath: string): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return base + [torrentName, ...filePath.split('/')].map(encodeURIComponent).join('/');
}

/** One web seed of one volume, as a webtorrent peer. */
export class WebSeedConn extends WebConnBase {
  private readonly queue: Pending[] = [];
  private pumping = false;
  private readonly host: string;
  private readonly abort = new AbortController();

  constructor(torrent: unknown, private readonly o: WebSeedOptions) {
    super(o.baseUrl, torrent);
    this.host = new URL(o.baseUrl).host;
  }

  /** Called by webtorrent's WebConn for each block request (a whole remaining piece for web seeds). */
  httpRequest(pieceIndex: number, offset: number, length: number, cb: BlockCallback): void {
    this.queue.push({ start: pieceIndex * this.o.layout.pieceLength + offset, length, cb });
    void this.pump();
  }

  override destroy(): void {
    this.abort.abort();
    for (const p of this.queue.splice(0)) p.cb(new Error('web seed closed'));
    super.destroy();
  }

  /** Takes queued requests as slots free up; requests queued meanwhile get merged. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.destroyed) {
        const release = await this.o.limiter.acquire(this.host);
        const batch = this.takeBatch();
        if (batch.length === 0) {
          release();
          break;
        }
        void this.fetchBatch(batch).finally(release);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The earliest queued request and those continuing it byte for byte, up to MAX_REQUEST_BYTES. */
  private takeBatch(): Pending[] {
    this.queue.sort((a, b) => a.start - b.start);
    const batch: Pending[] = [];
    let end = -1;
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && (next.start !== end || bytes + next.length > MAX_REQUEST_BYTES)) break;
      batch.push(this.queue.shift()!);
      end = next.start + next.length;
      bytes += next.length;
    }
    return batch;
  }

  private async fetchBatch(batch: Pending[]): Promise<void> {
    const start = batch[0]!.start;
    const last = batch[batch.length - 1]!;
    const total = last.start + last.length - start;
    try {
      const out = Buffer.allocUnsafe(total);
      for (const s of this.o.layout.segments(start, total)) {
        const file = this.o.layout.files[s.file]!;
        const data = await this.fetchRange(webSeedFileUrl(this.o.baseUrl, this.o.torrentName, file.path), s.fileOffset, s.length);
        data.copy(out, s.rangeOffset);
      }
      for (const p of batch) p.cb(null, out.subarray(p.start - start, p.start - start + p.length));
    } catch (err) {
      for (const p of batch) p.cb(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private async fetchRange(url: string, from: number, length: number): Promise<Buffer> {
    // The polite client retries 408/429/5xx with back-off (a Retry-After is a floor) and times
    // out a silent socket; what reaches here is a final answer.
    const res = await this.o.limiter.client.request(url, { headers: { range: `bytes=${from}-${from + length - 1}` }, signal: this.abort.signal });
    if (res.status !== HTTP_PARTIAL_CONTENT && res.status !== HTTP_OK) {
      res.discard();
      throw new SeedbankError('WEB_SEED_FAILED', `web seed ${url} answered HTTP ${res.status}`, { context: { url, upstreamStatus: res.status } });
    }
    const data = await readRange(res, from, length, url);
    this.o.onBytes?.(data.length);
    return data;
  }
}

/**
 * The `length` bytes a range request asked for, in one buffer of that size. A 206 body is the
 * range itself and is read to its end (keeping the connection for the next request); a 200
 * is the whole file (a server that ignores Range: 5 GiB for a big Commons file), so only
 * bytes [from, from + length) are kept and the connection is dropped as soon as they are in.
 */
export async function readRange(res: PoliteResponse, from: number, length: number, url: string): Promise<Buffer> {
  const partial = res.status === HTTP_PARTIAL_CONTENT;
  const skip = partial ? 0 : from;
  const out = Buffer.allocUnsafe(length);
  let seen = 0; // body bytes so far
  let filled = 0;
  // Leaving the loop early ends the body's generator, which drops the socket and frees the slot.
  for await (const chunk of res.body) {
    const start = Math.max(0, skip - seen);
    const end = Math.min(chunk.length, skip + length - seen);
    if (end > start) filled += chunk.copy(out, filled, start, end);
    seen += chunk.length;
    if (!partial && filled === length) break;
  }
  const received = partial ? seen : filled;
  if (received !== length) throw new SeedbankError('WEB_SEED_FAILED', `web seed ${url} sent ${received} bytes, expected ${length}`, { context: { url, from, length, received } });
  return out;
}

/** Adds one WebSeedConn per http(s) entry of the torrent's url-list to a webtorrent torrent. */
export function addWebSeeds(torrent: { addWebSeed(conn: unknown): void }, urlList: readonly string[], o: Omit<WebSeedOptions, 'baseUrl'>): void {
  for (const baseUrl of urlList.filter((u) => /^https?:\/\//.test(u) && o.limiter.allows(u))) torrent.addWebSeed(new WebSeedConn(torrent, { ...o, baseUrl }));
}
