/**
 * A loopback HTTP front to a real catalogue that serves split (/3) versions made by the test
 * helper (their pointer, metadata torrent and metadata files by the contract's paths,
 * `/meta/<set>-v<N>/lists/<ih>.ndjson`, the "/" plain or %2F, Range included), counting the
 * bytes it serves per file and able to serve a file altered or to stop answering, and the
 * torrents of the volumes such a version adds (from its folder's volumes/). Everything else
 * goes to the catalogue unchanged. The catalogue takes /3 versions itself (catalogue-split
 * tests); the readers' tests use this front for its counters and its faults.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { SplitVersion } from './split-version.ts';

/** The front, its counters and switches. */
export interface SplitFront {
  url: string;
  /** Bytes served whole per `<set>-v<N>/<name>` of a split version. */
  served: Map<string, number>;
  /** Bytes served in Range answers per `<set>-v<N>/<name>`. */
  ranged: Map<string, number>;
  /** `<set>-v<N>/<name>` served with one byte changed. */
  tampered: Set<string>;
  /** Split versions served, latest last per set; the pointer names the latest. */
  versions: SplitVersion[];
  close(): Promise<void>;
}

/** Starts a front to `catalogueUrl` on 127.0.0.1. */
export async function startSplitFront(catalogueUrl: string, versions: SplitVersion[]): Promise<SplitFront> {
  const served = new Map<string, number>();
  const ranged = new Map<string, number>();
  const tampered = new Set<string>();
  const find = (setId: string, version?: number) => versions.filter((v) => v.manifest.set.id === setId && (version === undefined || v.manifest.version === version)).at(-1);
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      let m = /^\/api\/sets\/([^/]+)\/pointer$/.exec(url.pathname);
      if (m && find(decodeURIComponent(m[1]!))) {
        res.setHeader('content-type', 'application/json');
        return void res.end(JSON.stringify(find(decodeURIComponent(m[1]!))!.pointer));
      }
      m = /^\/sets\/([^/]+)\/(\d+)\/metadata\.torrent$/.exec(url.pathname);
      if (m && find(decodeURIComponent(m[1]!), Number(m[2]))) return void res.end(find(decodeURIComponent(m[1]!), Number(m[2]))!.torrent);
      m = /^\/meta\/([^/]+)-v(\d+)\/(.+)$/.exec(url.pathname);
      const split = m ? find(decodeURIComponent(m[1]!), Number(m[2])) : undefined;
      if (m && split) {
        const name = decodeURIComponent(m[3]!);
        const known = split.files.some((f) => f.name === name);
        if (!known) return void res.writeHead(404).end();
        const bytes = await readFile(path.join(split.dir, ...name.split('/')));
        const key = `${m[1]}-v${m[2]}/${name}`;
        if (tampered.has(key)) bytes.writeUInt8(bytes.readUInt8(Math.floor(bytes.length / 2)) ^ 0x20, Math.floor(bytes.length / 2));
        const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
        if (range) {
          // A web seed's byte range (what a seeder fetches to complete the pieces at its parts' edges).
          const [start, end] = [Number(range[1]), Math.min(Number(range[2]), bytes.length - 1)];
          if (start > end) return void res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
          ranged.set(key, (ranged.get(key) ?? 0) + end + 1 - start);
          return void res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${bytes.length}` }).end(bytes.subarray(start, end + 1));
        }
        served.set(key, (served.get(key) ?? 0) + bytes.length);
        return void res.end(bytes);
      }
      // Volumes new in a split version the catalogue could not take: their torrents from the version folder.
      m = /^\/torrents\/([0-9a-f]{40})\.torrent$/.exec(url.pathname);
      const own = m ? versions.find((v) => v.manifest.volumes.some((x) => x.infoHash === m![1])) : undefined;
      if (m && own) {
        const bytes = await readFile(path.join(own.dir, 'volumes', `${m[1]}.torrent`)).catch(() => null);
        if (bytes) return void res.end(bytes);
      }
      const body: Buffer[] = [];
      for await (const chunk of req) body.push(chunk as Buffer);
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'authorization', 'user-agent', 'accept']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
      const answer = await fetch(`${catalogueUrl}${req.url}`, { method: req.method, headers, ...(body.length ? { body: Buffer.concat(body) } : {}) });
      const ct = answer.headers.get('content-type');
      res.writeHead(answer.status, ct ? { 'content-type': ct } : {});
      res.end(Buffer.from(await answer.arrayBuffer()));
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    ranged,
    tampered,
    versions,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
