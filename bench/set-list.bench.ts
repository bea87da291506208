/**
 * GET /api/sets at scale: the bytes and the time of one answer, and of a client walking every
 * page, against a catalogue (its own process, real HTTP on 127.0.0.1) on the bench's synthetic
 * store (bench/catalogue/build-store.ts, cached under os.tmpdir(): set TMPDIR to a folder of your
 * own). Times are printed with the catalogue's CPU per request (load-independent, a full GC per
 * sample subtracted) and the load average beside them; figures as ratios to the targets below.
 * Asserts nothing. Against a catalogue older than paging, every section gets the whole list.
 *
 *   TMPDIR=/tmp/mine node bin/run-ts.js bench/set-list.bench.ts [--sets 10000] [--files-per-set 10] [--requests 20]
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureData } from './catalogue/build-store.ts';
import { fmtMs, get, log, quantile } from './catalogue/http-timing.ts';
import { serveChild, startCatalogue, stopCatalogue, type CatalogueChild } from './catalogue/serve-child.ts';

/** Target of one default page: a phone on a slow link gets it in about a second. */
const TARGET_PAGE_BYTES = 256 * 1024;
/** Target of the catalogue's CPU for one default page: a few copy lookups' worth. */
const TARGET_PAGE_CPU_MS = 5;
/** Most pages the walk follows (a bench on a broken catalogue must end). */
const MAX_WALK_PAGES = 10_000;

const { values: args } = parseArgs({
  options: {
    serve: { type: 'string' },
    index: { type: 'string' },
    sets: { type: 'string', default: '10000' },
    'files-per-set': { type: 'string', default: '10' },
    requests: { type: 'string', default: '20' },
  },
});
const entry = fileURLToPath(import.meta.url);

/** The catalogue's CPU seconds so far (the child collects garbage before it reads them). */
async function cpuSeconds(server: CatalogueChild): Promise<number> {
  const s = await server.request({ kind: 'stats' });
  if (s?.kind !== 'stats') throw new Error(`the catalogue answered the stats request with ${s?.kind ?? 'nothing'}`);
  return s.cpuSeconds;
}

/** Runs `work` `times` times; the catalogue's CPU milliseconds per run, less the full GC each stats sample costs. */
async function cpuPerRun(server: CatalogueChild, times: number, work: () => Promise<void>): Promise<number> {
  const c0 = await cpuSeconds(server);
  const c1 = await cpuSeconds(server);
  for (let i = 0; i < times; i++) await work();
  const c2 = await cpuSeconds(server);
  return (Math.max(0, c2 - c1 - (c1 - c0)) * 1000) / times;
}

const load = () => os.loadavg()[0]!.toFixed(2);
const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

/** One URL asked `times` times: bytes of an answer, wall p50/p90, catalogue CPU per answer. */
async function section(server: CatalogueChild, label: string, url: string, times: number): Promise<{ bytes: number; cpuMs: number; sets: number; next: string | null }> {
  const samples: number[] = [];
  let bytes = 0;
  let body: { sets?: unknown[]; next?: string | null } = {};
  const cpuMs = await cpuPerRun(server, times, async () => {
    const r = await get(url);
    if (r.status !== 200) throw new Error(`${url} answered ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`);
    samples.push(r.ms);
    bytes = r.body.length;
    body = JSON.parse(r.body.toString('utf8')) as typeof body;
  });
  samples.sort((a, b) => a - b);
  const sets = body.sets?.length ?? 0;
  log(`  ${label}: ${sets} sets, ${kib(bytes)} (${(bytes / Math.max(1, sets)).toFixed(0)} B a set); wall p50 ${fmtMs(quantile(samples, 0.5))} p90 ${fmtMs(quantile(samples, 0.9))} ms; catalogue CPU ${fmtMs(cpuMs)} ms an answer; load ${load()}`);
  return { bytes, cpuMs, sets, next: body.next ?? null };
}

/** Follows `next` from the first page to the end, as clients do. */
async function walk(server: CatalogueChild, base: string, limit: number): Promise<void> {
  let pages = 0;
  let bytes = 0;
  let sets = 0;
  const t0 = performance.now();
  const cpuMs = await cpuPerRun(server, 1, async () => {
    for (let after: string | null = null; pages < MAX_WALK_PAGES; ) {
      const r = await get(`${base}/api/sets?limit=${limit}${after ? `&after=${after}` : ''}`);
      if (r.status !== 200) throw new Error(`page ${pages + 1} answered ${r.status}`);
      const body = JSON.parse(r.body.toString('utf8')) as { sets: unknown[]; next?: string | null };
      pages++;
      bytes += r.body.length;
      sets += body.sets.length;
      after = body.next ?? null;
      if (after === null) break;
    }
  });
  log(`  every page at limit=${limit}: ${pages} pages, ${sets} sets, ${kib(bytes)} in all; wall ${fmtMs(performance.now() - t0)} ms; catalogue CPU ${fmtMs(cpuMs)} ms; load ${load()}`);
}

async function main(): Promise<void> {
  const sets = Number(args.sets);
  const times = Number(args.requests);
  log(`# GET /api/sets on ${sets.toLocaleString('en')} sets (store under ${os.tmpdir()}); load ${load()}`);
  const data = await ensureData(sets, Number(args['files-per-set']), false);
  const server = await startCatalogue(entry, data);
  try {
    // The copy-figure warm-up runs after start; its CPU is not the list's.
    await server.request({ kind: 'warmed' });
    const url = server.ready.url;
    const first = await section(server, 'GET /api/sets (no query)', `${url}/api/sets`, times);
    await section(server, 'GET /api/sets?limit=1000', `${url}/api/sets?limit=1000`, times);
    if (first.next !== null) await section(server, `GET /api/sets?after=${first.next} (the second page)`, `${url}/api/sets?after=${first.next}`, times);
    await walk(server, url, 1000);
    await walk(server, url, 100);
    log(`  the no-query answer against the targets: bytes ${(first.bytes / TARGET_PAGE_BYTES).toFixed(2)} × ${kib(TARGET_PAGE_BYTES)}, CPU ${(first.cpuMs / TARGET_PAGE_CPU_MS).toFixed(2)} × ${TARGET_PAGE_CPU_MS} ms (under 1 meets them)`);
  } finally {
    await stopCatalogue(server);
  }
}

if (args.serve) await serveChild(args.serve, args.index!);
else await main();
