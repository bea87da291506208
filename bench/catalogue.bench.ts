/**
 * Catalogue at scale (issue 13): N sets × M files in the LMDB store (default 1,000 × 1,000;
 * `--sets 10000` for 10,000,000 files), then, over real HTTP on 127.0.0.1 against a catalogue
 * running in its own process: per-file copy lookups, set pages, the home page, category copy
 * figures and Prometheus scrapes; its memory (RSS, V8 heap), its start-up time, the store's
 * bytes per file; optionally (`--tracker`) HTTP announces per second against opentracker.
 * Each run's figures are saved (bench/catalogue/report.ts), and the comparison across every
 * saved size is printed at the end: memory at 10M over memory at 1M (flat means about 1).
 * Prints figures against the targets; it asserts nothing.
 *
 *   node bin/run-ts.js bench/catalogue.bench.ts [--sets 1000] [--files-per-set 1000] [--runs 1]
 *     [--lookups 2000] [--set-pages 200] [--home 20] [--fresh] [--profile] [--no-pages]
 *     [--tracker] [--wrk-seconds 10] [--connections 32] [--wrk-threads 1] [--hashes 500] [--no-ceiling]
 *     [--heap-snapshot DIR] [--no-category] [--no-trace] [--cold] [--startup-only]
 *
 * --cold drops the store's file (data.mdb, only that file) from the page cache before each
 * start, so the start reads the store from disk as a first start after a reboot does; the
 * start-up timeline (start-trace.ts: wall, CPU, GC, major page faults per phase) is printed
 * either way. --startup-only starts, takes the first home page and the memory, and stops (the
 * start-up figures over several runs: `--runs 3 --startup-only [--cold]`). The copy lookups after
 * the warm-up are timed untraced, then traced in a second pass that prints what the slowest 1%
 * had in common (request-trace.ts); --no-trace skips that pass.
 *
 * Modules: bench/catalogue/build-store.ts (synthetic store, bulk-loaded per-file index, census
 * observations), serve-child.ts (the catalogue process), http-timing.ts, tracker-section.ts,
 * profile-section.ts, report.ts, mapped-pages.ts (the store's pages each section maps). The store is
 * cached under os.tmpdir(); --fresh rebuilds it.
 */
import { schedSince, threadSched, type ThreadSched } from './catalogue/thread-sched.ts';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { du, ensureData } from './catalogue/build-store.ts';
import { agent, fmtS, get, log, okHtml, okJson, okMetrics, timeRequests, type Timing } from './catalogue/http-timing.ts';
import { killAll } from './catalogue/processes.ts';
import { PAGE_FUNCTIONS, profiled } from './catalogue/profile-section.ts';
import { loadRuns, printComparison, printRun, quantiles, saveRun, type RunRecord } from './catalogue/report.ts';
import { catalogueNodeOptions, ceilingChild, serveChild, startCatalogue, stopCatalogue, type ProcessStats } from './catalogue/serve-child.ts';
import { seededShuffle } from './catalogue/shuffle.ts';
import { SectionSampler } from './catalogue/mapped-pages.ts';
import { summariseTrace } from './catalogue/request-trace.ts';
import { formatStartPhases } from './catalogue/start-trace.ts';
import { setIdentity } from './catalogue/synthetic.ts';
import { measureTracker, printTracker, TARGET_RATIO } from './catalogue/tracker-section.ts';

const WARMUP_REQUESTS = 20;
const HOME_BUDGET_MS = 30_000;
const CATEGORY_REQUESTS = 20;
const PROFILE_SECONDS = 5;
/** Tables of the per-file index, for the index-only bytes per file. */
const INDEX_TABLES = ['fileIndex', 'titleIndex', 'categoryIndex', 'categories'];

const { values: args } = parseArgs({
  options: {
    serve: { type: 'string' },
    index: { type: 'string' },
    ceiling: { type: 'string' },
    sets: { type: 'string', default: '1000' },
    'files-per-set': { type: 'string', default: '1000' },
    runs: { type: 'string', default: '1' },
    lookups: { type: 'string', default: '2000' },
    'set-pages': { type: 'string', default: '200' },
    home: { type: 'string', default: '20' },
    'wrk-seconds': { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    'wrk-threads': { type: 'string', default: '1' },
    hashes: { type: 'string', default: '500' },
    fresh: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    tracker: { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
    'no-pages': { type: 'boolean', default: false },
    'heap-snapshot': { type: 'string' },
    'no-category': { type: 'boolean', default: false },
    /** Skip the traced second pass of copy lookups (request-trace.ts). */
    'no-trace': { type: 'boolean', default: false },
    cold: { type: 'boolean', default: false },
    'startup-only': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const n = (name: keyof typeof args) => Number(args[name]);
const entry = fileURLToPath(import.meta.url);

/** One measured run against the cached store. */
async function runOnce(data: Awaited<ReturnType<typeof ensureData>>, store: RunRecord['store'], run: number): Promise<RunRecord> {
  const { index } = data;
  const loadStart = os.loadavg();
  log(`\n## Run ${run}: load average ${loadStart.map((l) => l.toFixed(2)).join(' / ')}`);
  const tServer = performance.now();
  const server = await startCatalogue(entry, data, { cold: args.cold });
  const url = server.ready.url;
  // Which section maps how much of the store (mapped-pages.ts): read from the child's /proc/<pid>/smaps.
  const maps = new SectionSampler(server.child.pid!);
  await maps.mark('first home page');
  const first = await get(`${url}/`);
  log(`  catalogue up at ${url} in ${fmtS(performance.now() - tServer)} (${server.ready.observations} census observations written first; startCatalogueServer ${fmtS(server.ready.startMs)}; first home page ${first.ms.toFixed(0)} ms; Node options ${catalogueNodeOptions().join(' ') || 'none'})`);
  const ev = server.ready.eviction;
  if (ev) log(`  --cold: ${(ev.residentBefore / 2 ** 20).toFixed(0)} MiB of the store's ${(ev.bytes / 2 ** 20).toFixed(0)} MiB were in the page cache, ${(ev.residentAfter / 2 ** 20).toFixed(0)} MiB after the eviction (${fmtS(ev.ms)})`);
  log(`  start-up timeline (${args.cold ? 'cold' : 'warm'} page cache; load ${os.loadavg()[0]!.toFixed(2)}):`);
  for (const line of formatStartPhases(server.ready.phases ?? [])) log(line);
  const timings: Record<string, Timing> = {};
  let memory: ProcessStats | null = null;
  let warmedAfterMs: number | null = null;
  let warmLoopDelay: RunRecord['warmLoopDelay'] = undefined;
  const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-catalogue-bench-run-'));
  try {
    const shuffle = seededShuffle(0xbe7c4 + run);
    const allSha1s = index.sets.flatMap((s) => s.sampleSha1s);
    const lookups = shuffle(allSha1s).slice(0, n('lookups') + WARMUP_REQUESTS);
    const warm = lookups.splice(0, WARMUP_REQUESTS);
    const setIds = shuffle(index.sets.map((s) => s.id));
    const setSample = setIds.slice(0, n('set-pages'));
    const lookupUrl = (sha1: string) => `${url}/api/view/files?q=${sha1}`;
    const categories = shuffle(index.sets.map((_, i) => i)).slice(0, CATEGORY_REQUESTS).map((i) => setIdentity(i).topic.category(setIdentity(i).place));

    if (!args['no-pages'] && !args['startup-only']) {
      await maps.mark('copy lookups while the warm-up runs');
      for (const sha1 of warm) await get(lookupUrl(sha1));
      await server.request({ kind: 'loop-delay' });
      const loadBefore = os.loadavg()[0]!.toFixed(1);
      const clientSched = threadSched();
      timings.lookupCold = await timeRequests('copy lookup right after start (the copy figures were brought up to date before it served, within its budget; past it they warm in the background)', '/api/view/files?q=<sha1>', lookups.map(lookupUrl), okJson(true));
      const delay = await server.request({ kind: 'loop-delay' });
      if (delay?.kind === 'loop-delay') {
        warmLoopDelay = { p99: delay.p99, max: delay.max, stillWarming: delay.warming };
        log(`    event-loop delay over those lookups p50 ${delay.p50.toFixed(1)} p99 ${delay.p99.toFixed(1)} max ${delay.max.toFixed(1)} ms; the warm-up ${delay.warming ? 'was still running at the end' : 'ended before the last of them'}; load ${loadBefore} → ${os.loadavg()[0]!.toFixed(1)}`);
        const c = schedSince(clientSched);
        const fmt = (s: ThreadSched | null) => (s ? `ran ${s.runMs.toFixed(0)} ms, waited ${s.waitMs.toFixed(0)} ms for a CPU` : 'no schedstat');
        log(`    main threads over those lookups (schedstat; the wait is the machine's load): catalogue ${fmt(delay.sched)}; this client ${fmt(c)}`);
      }
      await maps.mark('rest of the copy-figure warm-up');
      const warmed = await server.request({ kind: 'warmed' });
      if (warmed?.kind === 'warmed') {
        warmedAfterMs = warmed.startWarmedMs ?? warmed.sinceStartMs;
        const w = warmed.worker;
        const where = w ? `on a worker thread: ${w.sets} sets walked in ${(w.wallMs / 1000).toFixed(1)} s, ${w.layoutReads} torrents read, ${w.reniced ? 'at nice 19' : 'at normal priority'}, ${w.endedItself ? 'ended by itself' : 'ended from outside'}` : 'on the main thread';
        const sl = warmed.slices;
        const main = sl ? `; on the main thread ${sl.count} slices, ${sl.cpuTotalMs.toFixed(0)} ms CPU in all, each p50 ${sl.cpu.p50.toFixed(2)} p99 ${sl.cpu.p99.toFixed(2)} max ${sl.cpu.max.toFixed(2)} ms CPU, wall p99 ${sl.wall.p99.toFixed(2)} max ${sl.wall.max.toFixed(2)} ms` : '';
        const sets = warmed.sets ? `; ${warmed.sets.kept.toLocaleString('en')} sets' kept figures still held, ${warmed.sets.walked.toLocaleString('en')} sets walked` : '';
        log(`  copy-figure warm-up finished ${(warmedAfterMs / 1000).toFixed(1)} s after start (${warmed.startWarmedMs !== null && warmed.startWarmedMs <= server.ready.startMs ? 'before the catalogue served; ' : ''}${where}${main}${sets})`);
      }
      await maps.mark('copy lookups after the warm-up');
      timings.lookupWarm = await timeRequests('copy lookup, after the warm-up', '/api/view/files?q=<sha1>', shuffle(lookups).map(lookupUrl), okJson(true));
      // The pass above reads files the pass during the warm-up read (their pages mapped, their
      // volumes' holders cached): this one reads files never read before, with no warm-up running,
      // so a lookup's first-touch cost is told apart from what a running warm-up costs it.
      const used = new Set([...warm, ...lookups]);
      const fresh = shuffle(allSha1s.filter((s) => !used.has(s))).slice(0, n('lookups'));
      await maps.mark('copy lookups of files not read before');
      timings.lookupFresh = await timeRequests('copy lookup of files not read before, no warm-up running (first-touch reference)', '/api/view/files?q=<sha1>', fresh.map(lookupUrl), okJson(true));
      if (!args['no-trace']) {
        // A second pass, traced: the trace's own work (a record and resource figures per request, wrapped
        // table reads, a GC observer) allocates in the catalogue, so the figure above is taken without it.
        await maps.mark('copy lookups after the warm-up, traced');
        await server.request({ kind: 'trace-start', prefix: '/api/view/files' });
        const tracedPass = await timeRequests('copy lookup, after the warm-up, traced pass (not the figure)', '/api/view/files?q=<sha1>', shuffle(lookups).map(lookupUrl), okJson(true));
        const traced = await server.request({ kind: 'trace-stop' });
        if (traced?.kind === 'trace') summariseTrace('copy lookup, after the warm-up (traced pass)', traced.trace, tracedPass.client);
      }
      await maps.mark('location lookups');
      timings.locations = await timeRequests('location lookup (no copies)', '/api/files?sha1=', shuffle(lookups).map((s) => `${url}/api/files?sha1=${s}`), okJson(false));
      await maps.mark('set pages');
      timings.setPage = await timeRequests('set page (first view of each set)', '/sets/:id', setSample.map((id) => `${url}/sets/${id}`), okHtml);
      timings.homeFirst = { label: 'home first', how: '/', planned: 1, samples: [first.ms], errors: okHtml(first.status, first.body) ? ['bad first page'] : [], bytes: first.body.length, cutShort: false };
      await maps.mark('home pages');
      timings.home = await timeRequests('home page', '/', Array.from({ length: n('home') }, () => `${url}/`), okHtml, HOME_BUDGET_MS);
      await maps.mark('category copy figures');
      // --no-category: skip the category figures (at 10M, before they were counted in slices, one category's scan broke the store's read transaction: MDB_TXN_FULL, then MDB_BAD_TXN for every read after).
      if (!args['no-category']) timings.category = await timeRequests('category copy figures', '/api/copies/category/:name', categories.map((c) => `${url}/api/copies/category/${encodeURIComponent(c)}`), (s, b) => (s === 200 ? null : `HTTP ${s}: ${b.toString('utf8', 0, 200)}`));
      await maps.mark('/metrics');
      timings.metrics = await timeRequests('Prometheus scrape', '/metrics', Array.from({ length: 5 }, () => `${url}/metrics`), okMetrics);
      await maps.mark('census round end: /metrics, figures recomputed');
      await server.request({ kind: 'invalidate' });
      timings.metricsCold = await timeRequests('Prometheus scrape right after a census round (figures recomputing in the background)', '/metrics', [`${url}/metrics`], okMetrics);
      await server.request({ kind: 'warmed' });
      await maps.mark(null);
      if (args.profile) {
        const more = shuffle(allSha1s).slice(0, 300);
        await profiled(server, url, 'copy lookups', PAGE_FUNCTIONS, async () => {
          for (const sha1 of more) await get(lookupUrl(sha1));
          return `${more.length} copy lookups`;
        });
        await profiled(server, url, 'set pages', PAGE_FUNCTIONS, async () => {
          for (const id of setIds.slice(0, 30)) await get(`${url}/sets/${id}`);
          return '30 set pages';
        });
        await profiled(server, url, 'home page', PAGE_FUNCTIONS, async () => {
          await get(`${url}/`);
          return '1 home page';
        });
      }
    }
    if (args.tracker && !args['startup-only']) {
      log('\n## Tracker: HTTP announces, wrk');
      const perSet = Math.max(1, Math.ceil(n('hashes') / index.sets.length));
      const hashes = index.sets.flatMap((s) => s.volumes.slice(0, perSet)).slice(0, n('hashes'));
      const t = await measureTracker({ url, entry, work, hashes, seconds: n('wrk-seconds'), threads: n('wrk-threads'), connections: n('connections'), ceiling: !args['no-ceiling'] });
      printTracker(t, n('connections'), n('wrk-seconds'));
      if (t.ours.rps / t.theirs.rps < TARGET_RATIO && args.profile) log(`  (profile the tracker with ${PROFILE_SECONDS} s of wrk by hand: the ratio is under target)`);
    }
    const st = await server.request({ kind: 'stats' });
    if (st?.kind === 'stats') memory = st;
    if (args['heap-snapshot']) {
      // The live heap at the end of the run, for bench/catalogue/heap-summary.ts (what grows with sets and volumes).
      await mkdir(args['heap-snapshot'], { recursive: true });
      const file = path.resolve(args['heap-snapshot'], `catalogue-${index.sets.length}x${index.sets[0]?.files ?? 0}-run${run}.heapsnapshot`);
      const snap = await server.request({ kind: 'heap-snapshot', file });
      if (snap?.kind === 'heap-snapshot') log(`  heap snapshot: ${snap.file} (${fmtS(snap.ms)}); summarise with node bin/run-ts.js bench/catalogue/heap-summary.ts ${snap.file}`);
    }
    maps.print();
  } finally {
    await stopCatalogue(server);
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
  const q = Object.fromEntries(Object.entries(timings).map(([k, t]) => [k, quantiles(t)]));
  return {
    at: new Date().toISOString(),
    sets: index.sets.length,
    files: index.sets.reduce((k, s) => k + s.files, 0),
    volumes: index.sets.reduce((k, s) => k + s.volumes.length, 0),
    loadAverage: { start: loadStart, end: os.loadavg() },
    store,
    startupMs: server.ready.startMs,
    cold: args.cold,
    startPhases: server.ready.phases,
    firstHomeMs: first.ms,
    warmedAfterMs,
    warmLoopDelay,
    timings: q,
    memory,
    mapped: maps.sections,
  };
}

async function main(): Promise<void> {
  const sets = n('sets');
  const filesPerSet = n('files-per-set');
  log(`# Catalogue bench: ${sets.toLocaleString('en')} sets × ${filesPerSet.toLocaleString('en')} files`);
  log(`machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model.trim() ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}, Node ${process.version}`);
  log('\n## Data');
  const t0 = performance.now();
  const data = await ensureData(sets, filesPerSet, args.fresh);
  const { index } = data;
  const bytes = await du(path.join(data.dataDir, 'catalogue.lmdb'));
  const { CatalogueStore } = await import('../services/tracker-web/store/catalogue-store.ts');
  const opened = CatalogueStore.open(data.dataDir);
  const tables = opened.tableBytes();
  await opened.close();
  const files = index.sets.reduce((k, s) => k + s.files, 0);
  const indexBytes = INDEX_TABLES.reduce((k, name) => k + (tables[name] ?? 0), 0);
  const store: RunRecord['store'] = { bytes, bytesPerFile: bytes / files, indexBytesPerFile: indexBytes / files, tables, buildMs: index.loadMs, indexMs: index.indexMs };
  if (data.cached) log(`  reused the cached store ${data.dataDir} (opened in ${fmtS(performance.now() - t0)}); it was built ${index.createdAt} in ${fmtS(index.loadMs)}`);
  const buildCpu = index.cpuMs === undefined ? '' : `, CPU ${fmtS(index.cpuMs)} over every thread, load average ${index.loadAverage?.map((l) => l.toFixed(1)).join(' → ')}`;
  const generated = index.cpuMs === undefined ? `${fmtS(index.generateMs)} generating manifests/torrents/pages` : `${fmtS(index.generateMs)} waiting for the generator thread`;
  log(`  build: ${fmtS(index.loadMs)}${buildCpu} (${generated}, ${fmtS(index.putMs)} in putVersion, ${fmtS(index.indexMs)} writing the sorted tables in key order); LMDB ${(bytes / 2 ** 20).toFixed(0)} MiB, ${(bytes / files).toFixed(0)} bytes per file`);
  for (let run = 1; run <= n('runs'); run++) {
    const record = await runOnce(data, store, run);
    printRun(record);
    log(`  saved: ${await saveRun(record)}`);
  }
  printComparison(await loadRuns());
  agent.destroy();
}

if (args.serve) {
  await serveChild(args.serve, args.index!, { cold: args.cold });
} else if (args.ceiling) {
  await ceilingChild(args.ceiling);
} else {
  try {
    await main();
  } finally {
    killAll();
  }
}
