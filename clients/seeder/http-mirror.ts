/**
 * `--http PORT`: the storage folder's Commons tree served read-only over HTTP, laid out as
 * Commons' upload folder (`/commons/a/ab/Name`), so the host is a drop-in mirror and a BEP 19
 * web seed for others (url-list `http://host:PORT/`). Paths are percent-decoded segment by
 * segment and refused when a segment could climb out; the file is resolved with realpath and
 * must still be inside the tree (no symlink escapes); only regular files are served, and only
 * files the seeder has complete (a partial file would hand out holes). A Range header longer
 * than a real client sends, or with more ranges than a client needs, is refused before any disk
 * work, and the mirror keeps counters, not a log of requests: a stream of hostile requests costs
 * neither memory nor much time. It listens on loopback unless the operator names an address.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { COMMONS_ROOT } from '../../shared/commons-path.ts';
import { segmentProblem } from '../../shared/torrent/volume-paths.ts';

/** Longest Range header read: `bytes=` and two 15-digit numbers fit many times over; a 15 KB one is an attack. */
export const MAX_RANGE_HEADER_CHARS = 256;
/** Most ranges in one header; several ranges are answered with the whole file (RFC 9110 allows it), so more only cost. */
export const MAX_RANGES = 8;
/** Where the mirror listens unless told: publishing a folder to the world is the operator's choice. */
export const DEFAULT_MIRROR_HOST = '127.0.0.1';

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp',
  tif: 'image/tiff', tiff: 'image/tiff', svg: 'image/svg+xml', pdf: 'application/pdf',
  ogg: 'application/ogg', oga: 'audio/ogg', ogv: 'video/ogg', webm: 'video/webm', mp3: 'audio/mpeg',
};

/** Settings of the mirror. */
export interface HttpMirrorOptions {
  /** The storage folder (holding `commons/`). */
  storage: string;
  port: number;
  /** Default {@link DEFAULT_MIRROR_HOST}; an operator serving others names the address (0.0.0.0 for every interface). */
  host?: string;
  /** Whether 'a/ab/Name' may be served; default every regular file in the tree. */
  isServable?: (rel: string) => boolean;
  /** Called after each body is sent (tests and benchmarks keep what they need; the mirror keeps nothing). */
  onServe?: (r: ServedRequest) => void;
}

/** One request answered with a body. */
export interface ServedRequest {
  /** Decoded, 'a/ab/Name'. */
  path: string;
  /** The Range header as sent (at most MAX_RANGE_HEADER_CHARS long). */
  range?: string;
  bytes: number;
}

/** A running mirror. */
export interface HttpMirror {
  readonly port: number;
  /** The address it listens on, as configured ('127.0.0.1' by default, '0.0.0.0' for every interface). */
  readonly host: string;
  /** e.g. http://127.0.0.1:8080/ — what a torrent's url-list would hold. */
  readonly url: string;
  /** Body bytes sent so far (tests and benchmarks count what a source served). */
  readonly bytesServed: number;
  /** Requests answered with a body. */
  readonly requestsServed: number;
  /** Requests refused (4xx/5xx). */
  readonly requestsRefused: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Parses a single `bytes=` range against `size`: [start, end] inclusive, null for the whole file. */
export function parseRange(header: string | undefined, size: number): [number, number] | null {
  if (!header) return null;
  checkRangeHeader(header);
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return null; // several ranges or other units: whole file, as RFC 9110 allows
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw new HttpError(416, 'empty suffix range');
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) throw new HttpError(416, 'range ends before it starts');
  }
  if (start >= size) throw new HttpError(416, 'range starts past the end');
  return [start, end];
}

/** Refuses a Range header no client needs: too long (400) or too many ranges (416). */
function checkRangeHeader(header: string): void {
  if (header.length > MAX_RANGE_HEADER_CHARS) throw new HttpError(400, `Range header of ${header.length} characters refused: at most ${MAX_RANGE_HEADER_CHARS}`);
  let ranges = 1;
  for (let i = header.indexOf(','); i >= 0; i = header.indexOf(',', i + 1)) ranges++;
  if (ranges > MAX_RANGES) throw new HttpError(416, `${ranges} ranges in one request refused: at most ${MAX_RANGES}`);
}

/** 'a/ab/Name' from a request path `/commons/a/ab/Name` (percent-decoded, checked). */
function relativePath(urlPath: string): string {
  const raw = urlPath.split('/');
  if (raw[0] !== '' || raw[1] !== COMMONS_ROOT || raw.length < 3) throw new HttpError(404, 'not in the commons tree');
  const segments = raw.slice(2).map((s) => {
    let d: string;
    try {
      d = decodeURIComponent(s);
    } catch {
      throw new HttpError(400, 'bad percent-encoding');
    }
    const problem = segmentProblem(d);
    if (problem) throw new HttpError(400, `path contains ${problem}`);
    return d;
  });
  return segments.join('/');
}

/** Starts the mirror. */
export async function startHttpMirror(o: HttpMirrorOptions): Promise<HttpMirror> {
  const tree = await realpath(path.join(o.storage, COMMONS_ROOT));
  let bytesServed = 0;
  let requestsServed = 0;
  let requestsRefused = 0;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'read-only mirror');
    if (req.headers.range) checkRangeHeader(req.headers.range); // before any disk work
    const urlPath = (req.url ?? '/').split('?')[0]!;
    const rel = relativePath(urlPath);
    const real = await realpath(path.join(tree, ...rel.split('/'))).catch(() => null);
    if (!real || !real.startsWith(tree + path.sep)) throw new HttpError(404, 'no such file');
    const st = await stat(real);
    if (!st.isFile() || (o.isServable && !o.isServable(rel))) throw new HttpError(404, 'no such file (or not complete here)');
    const range = parseRange(req.headers.range, st.size);
    const [start, end] = range ?? [0, st.size - 1];
    const length = st.size === 0 ? 0 : end - start + 1;
    res.statusCode = range ? 206 : 200;
    res.setHeader('Content-Type', CONTENT_TYPES[path.extname(rel).slice(1).toLowerCase()] ?? 'application/octet-stream');
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Length', length);
    res.setHeader('Last-Modified', st.mtime.toUTCString());
    if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${st.size}`);
    if (req.method === 'HEAD' || length === 0) return void res.end();
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(real, { start, end });
      stream.on('error', reject);
      stream.on('data', (chunk) => (bytesServed += chunk.length));
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
    requestsServed++;
    o.onServe?.({ path: rel, ...(req.headers.range ? { range: req.headers.range } : {}), bytes: length });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      requestsRefused++;
      const status = err instanceof HttpError ? err.status : 500;
      if (res.headersSent) return void res.destroy();
      res.statusCode = status;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`${status === 500 ? 'internal error' : (err as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? DEFAULT_MIRROR_HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host ?? DEFAULT_MIRROR_HOST;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    port,
    host,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/`,
    get bytesServed() {
      return bytesServed;
    },
    get requestsServed() {
      return requestsServed;
    },
    get requestsRefused() {
      return requestsRefused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
