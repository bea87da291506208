/**
 * What the catalogue answers, request by request, to compare two code trees: a change to the
 * app's plumbing (routers, gates, rate limits, middleware order) must leave every status, header
 * and body as it was. Starts the catalogue of `--repo` (default: this checkout) on the cached
 * bench store, sends about 170 requests (API, pages, feeds, bytes, 404s, letter case, trailing
 * slashes, HEAD and OPTIONS, bad input, publishing without a token, rate limits exhausted, a
 * trusted proxy) and prints each answer with what changes between runs masked (dates, ports,
 * signatures, rate-limit reset seconds, /metrics bodies). Run it on both trees and diff:
 *
 *   node bin/run-ts.js bench/catalogue/response-fingerprint.ts > after.txt
 *   node bin/run-ts.js bench/catalogue/response-fingerprint.ts --repo /path/to/other/checkout > before.txt
 *   diff before.txt after.txt
 *
 * It leaves out /api/copies/export: on the 1M store that answer takes about a minute, and
 * closing the catalogue after it crashed the process (segmentation fault) on main as on this branch.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchIndex } from './build-store.ts';

const { values: args } = parseArgs({
  options: {
    repo: { type: 'string', default: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..') },
    sets: { type: 'string', default: '1000' },
    'files-per-set': { type: 'string', default: '1000' },
    generator: { type: 'string', default: '4' },
  },
});
const root = path.join(os.tmpdir(), `seedbank-catalogue-bench-g${args.generator}-${args.sets}x${args['files-per-set']}`);
const index = JSON.parse(readFileSync(path.join(root, 'index.json'), 'utf8')) as BenchIndex;
const sample = index.sets[Math.min(3, index.sets.length - 1)]!;
const sha = sample.sampleSha1s[0]!;
const setId = sample.id;
type StartServer = typeof import('../../services/tracker-web/server.ts').startCatalogueServer;
type CreateLogger = typeof import('../../shared/log.ts').createLogger;
const { startCatalogueServer } = (await import(path.join(args.repo, 'services/tracker-web/server.ts'))) as { startCatalogueServer: StartServer };
const { createLogger } = (await import(path.join(args.repo, 'shared/log.ts'))) as { createLogger: CreateLogger };

/** Longer than any lookup key the catalogue takes. */
const LONG = 'A'.repeat(2000);
/** Bodies longer than this are cut (the fingerprint is about routing and headers; handlers own their bodies). */
const BODY_CHARS = 300;
const HTML = { accept: 'text/html' };
const HOST = /127\.0\.0\.1:\d+/g;
/** Response headers that differ from run to run whatever the code. */
const VOLATILE_HEADERS = new Set(['date', 'connection', 'keep-alive']);

/** One request on a fresh connection, printed as method, path, request headers, status, sorted headers and the masked body. */
function request(base: string, method: string, p: string, headers: Record<string, string> = {}, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const r = http.request({ host: u.hostname, port: u.port, method, path: p, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const head = `${method} ${p.slice(0, 80)} ${JSON.stringify(headers)}\n  ${status}`;
        const metrics = p.toLowerCase().startsWith('/metrics') && status === 200;
        const h = Object.entries(res.headers)
          .filter(([k]) => !VOLATILE_HEADERS.has(k) && !(metrics && k === 'content-length'))
          .map(([k, v]) => `${k}: ${String(v).replace(/reset=\d+/, 'reset=N').replace(HOST, 'HOST')}`)
          .sort();
        // A scrape's figures move with time (CPU seconds, ages): its status and headers are what routing decides.
        if (metrics) return resolve(`${head}\n  ${h.join('\n  ')}`);
        const text = Buffer.concat(chunks).toString('utf8').replace(HOST, 'HOST').replace(/"signature":"[0-9a-f]+"/g, 'SIG');
        const shown = (status >= 300 || text.length <= BODY_CHARS ? text : text.slice(0, BODY_CHARS)).replace(/\d{6,}/g, 'N').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T');
        resolve(`${head}\n  ${h.join('\n  ')}\n  body(${text.length}): ${shown.replace(/\n/g, '\\n')}`);
      });
    });
    r.on('error', reject);
    if (body) r.write(body);
    r.end();
  });
}

const out: string[] = [];

/** A catalogue on the bench store with these limits, `script` against it, then closed. */
async function withCatalogue(rateLimits: Record<string, number> | undefined, script: (base: string) => Promise<void>, extra: { trustProxy?: boolean } = {}): Promise<void> {
  const server = await startCatalogueServer({ dataDir: path.join(root, 'data'), port: 0, host: '127.0.0.1', census: { autoStart: false }, rateLimits, logger: createLogger({ level: 'fatal', format: 'json' }), ...extra });
  try {
    await server.copies.whenWarm();
    await script(server.url);
  } finally {
    await server.close();
  }
}

const GETS = [
  ...['/healthz', '/HEALTHZ', '/healthz/', '/healthz//', '/announce', '/scrape', '/metrics?x=1', '/metrics/'],
  ...['/api/sets', '/API/sets', '/api/sets/', '/api/sets//', `/api/sets/${setId}`, '/api/sets/nope', `/api/sets/${setId}/pointer`, `/api/sets/${setId}/versions/1`, '/api/sets/BAD!'],
  ...[`/api/files?sha1=${sha}`, '/api/files', `/api/files?title=${LONG}`, '/api/search?q=a', '/api/search', '/api/search/?q=ab'],
  ...[`/api/view/files?q=${sha}`, `/API/VIEW/FILES?q=${sha}`, `/api/view/files/?q=${sha}`, `/api/view/files?q=${LONG}`, '/api/view/files?q=a&q=b', '/api/view/home', '/api/view/home/'],
  ...[`/api/copies/file/${sha}`, '/api/copies/file/%E0%A4%A', `/api/copies/file/${LONG}`, `/api/copies/set/${setId}`, '/api/copies/category/X', '/api/needs?limit=2', '/api/needs/?limit=1'],
  ...['/api/census', '/api/census/', '/API/CENSUS', '/api/takedown', '/api/takedown/', '/api/catalogue-key', '/api/drills', '/Api/Drills'],
  ...['/api', '/api/', '/apix', '/api/nothing', '/api//sets', '/api/publish', '/api/publish/x/1', '/api/volumes/zz', `/api/swarms/${'ab'.repeat(20)}`],
  ...['/', '/?q=x', `/files?q=${sha}`, `/files?q=${LONG}`, '/files', '/files/', '/files//', '/Files?q=x', '/FILES/?q=x', '//files'],
  ...[`/sets/${setId}`, `/SETS/${setId}/`, '/sets/nope', `/sets/${setId}/volumes.txt`, '/feed.xml', '/feed.atom', '/FEED.XML', `/sets/${setId}/feed.xml`, `/sets/${setId}/FEED.xml`],
  ...['/nothing', '/NOTHING', '//', '/%E0%A4%A', '/meta/x-v1/manifest.json', `/meta/${setId}-v1/manifest.json`, '/meta/', '/torrents/abc.torrent', `/sets/${setId}/latest/metadata.torrent`, `/sets/${setId}/1/metadata.torrent`],
];

await withCatalogue(undefined, async (base) => {
  for (const p of GETS) {
    out.push(await request(base, 'GET', p));
    // Outside /api a browser gets pages where an API client gets JSON.
    if (!p.toLowerCase().startsWith('/api')) out.push(await request(base, 'GET', p, HTML));
  }
  out.push(await request(base, 'GET', '/api/sets', { 'x-forwarded-for': '10.1.2.3' }));
  out.push(await request(base, 'GET', '/api/sets', { forwarded: 'for=10.1.2.3' }));
  for (const method of ['HEAD', 'OPTIONS']) for (const p of ['/api/sets', '/files', '/nothing', '/api/publish/x/1', '/', '/healthz']) out.push(await request(base, method, p));
  const json = { 'content-type': 'application/json' };
  out.push(await request(base, 'PUT', '/api/publish/x/1/manifest.json', json, '{}'));
  out.push(await request(base, 'DELETE', '/api/publish/x/1'));
  out.push(await request(base, 'POST', '/api/seeders/report', json, '{bad'));
  out.push(await request(base, 'POST', '/api/seeders/report', json, '{}'));
  out.push(await request(base, 'POST', '/api/drills', json, '{}'));
  out.push(await request(base, 'POST', '/api/census/leases', {}, '{}'));
  out.push(await request(base, 'POST', '/api/sets', {}, '{}'));
  out.push(await request(base, 'POST', '/files', HTML, 'x'));
});
out.push('=== rate limits exhausted (3 reads, 3 pages, 2 publishes a minute)');
await withCatalogue({ readPerMinute: 3, pagesPerMinute: 3, publishPerMinute: 2 }, async (base) => {
  for (const p of ['/api/sets', '/API/sets', `/api/view/files?q=${sha}`, '/api/nothing', '/api']) out.push(await request(base, 'GET', p));
  for (const p of ['/', '/files?q=x', '/metrics', '/nothing', '/metrics']) out.push(await request(base, 'GET', p, HTML));
  for (let i = 0; i < 3; i++) out.push(await request(base, 'GET', '/api/publish/x/1'));
  // Exempt from the page limit as written, in another letter case or not.
  for (let i = 0; i < 2; i++) for (const p of ['/healthz', '/meta/x-v1/manifest.json', '/torrents/abc.torrent', '/announce', '/Api/sets', '/METRICS', '/Meta/x']) out.push(await request(base, 'GET', p, HTML));
});
out.push('=== behind a trusted proxy (2 reads a minute)');
await withCatalogue(
  { readPerMinute: 2 },
  async (base) => {
    for (let i = 0; i < 3; i++) out.push(await request(base, 'GET', '/api/sets', { 'x-forwarded-for': `10.0.0.${i}` }));
  },
  { trustProxy: true },
);
process.stdout.write(`${out.join('\n')}\n`);
