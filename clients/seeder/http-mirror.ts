/**
 * `--http PORT`: the storage folder's Commons tree served read-only over HTTP, laid out as
 * Commons' upload folder (`/commons/a/ab/Name`), so the host is a drop-in mirror and a BEP 19
 * web seed for others (url-list `http://host:PORT/`). Paths are percent-decoded segment by
 * segment and refused when a segment could climb out; the file is resolved with realpath and
 * must still be inside the tree (no symlink escapes); only regular files are served, and only
 * files the seeder has complete (a partial file would hand out holes).
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { COMMONS_ROOT } from '../../shared/commons-path.ts';
import { segmentProblem } from '../../shared/torrent/volume-paths.ts';

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
  /** Default all interfaces, as a mirror is meant for others; tests pass 127.0.0.1. */
  host?: string;
  /** Whether 'a/ab/Name' may be served; default every regular file in the tree. */
  isServable?: (rel: string) => boolean;
}

/** A running mirror. */
export interface HttpMirror {
  readonly port: number;
  /** e.g. http://127.0.0.1:8080/ — what a torrent's url-list would hold. */
  readonly url: string;
  /** Body bytes sent so far (tests and benchmarks count what a source served). */
  readonly bytesServed: number;
  /** Requests answered with a body, with their decoded path and Range header. */
  readonly served: readonly { path: string; range?: string; bytes: number }[];
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
  const served: { path: string; range?: string; bytes: number }[] = [];

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'read-only mirror');
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
    served.push({ path: rel, ...(req.headers.range ? { range: req.headers.range } : {}), bytes: length });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (res.headersSent) return void res.destroy();
      res.statusCode = status;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`${status === 500 ? 'internal error' : (err as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = !o.host || o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
  return {
    port,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/`,
    get bytesServed() {
      return bytesServed;
    },
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
