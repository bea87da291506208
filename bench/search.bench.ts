/**
 * Title search at scale: N synthetic Commons-like titles (Zipf-distributed words, see
 * bench/search/synthetic-titles.ts) published into a real catalogue store, then word-prefix
 * queries through CatalogueStore.searchTitles (what GET /api/search runs) in a fresh process
 * that only opens the store, so its memory is what a catalogue serving searches holds.
 *
 * Prints, per size: load time through putVersion (every table a publish writes), the time to
 * rebuild the title index alone from the titles table, the index's bytes per title on disk,
 * and per query kind p50/p99/max latency, how many pages hit the scan cap, and the query
 * process's heap and RSS. It asserts nothing.
 *
 *   node bin/run-ts.js bench/search.bench.ts [--titles 1000000,10000000] [--vocabulary 300000]
 *     [--load sorted|index|publish] [--batch 50000] [--queries 300] [--no-rebuild] [--fresh]
 *
 * --load sorted (default) writes the title index alone in key order, each page once (what a
 * bulk rebuild does; minutes at 10M); --load index writes it in batches as publishes of new
 * titles do, each batch touching pages all over the tree (an hour and more at 10M on a busy
 * machine); --load publish goes through putVersion (every table) and then times a rebuild of
 * the index from the titles table.
 *
 * Stores are cached under os.tmpdir() (seedbank-search-bench-<N>), so a re-run only queries;
 * --fresh rebuilds them. A 10M-title store takes several GB of disk and minutes to load.
 */
import { fork } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CatalogueStore } from '../services/tracker-web/store/catalogue-store.ts';
import { LMDB_FOLDER, openCatalogueTables } from '../services/tracker-web/store/open-lmdb.ts';
import { TitleIndex, titleKeys } from '../services/tracker-web/search/title-index.ts';
import { encodeStoredTitle, TitleIds } from '../services/tracker-web/store/title-ids.ts';
import { foldText } from '../services/tracker-web/search/title-words.ts';
import { prng } from '../shared/prng.ts';
import { titledVersion } from '../test/helpers/titled-version.ts';
import { titleGenerator } from './search/synthetic-titles.ts';

/** Bump when the generator or the load changes, so an old cached store is not reused. */
const GENERATOR_VERSION = 1;
/** Versions per synthetic set before the next set starts (a set is a few million files at most). */
const VERSIONS_PER_SET = 40;
/** Results per page, as the file page asks. */
const PAGE_LIMIT = 50;
const WARMUP_QUERIES = 200;
const CHILD_TIMEOUT_MS = 30 * 60_000;

const { values: args } = parseArgs({
  options: {
    query: { type: 'string' },
    titles: { type: 'string', default: '1000000,10000000' },
    vocabulary: { type: 'string', default: '300000' },
    batch: { type: 'string', default: '50000' },
    queries: { type: 'string', default: '300' },
    load: { type: 'string', default: 'sorted' },
    'no-rebuild': { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
  },
});

interface BuildFigures {
  generator: number;
  titles: number;
  /** 'publish': every table through putVersion; 'index': the title index alone, batch by batch; 'sorted': the index alone, in key order. */
  load: 'publish' | 'index' | 'sorted';
  loadMs: number;
  rebuildMs: number | null;
  indexBytes: number;
  indexKeys: number;
  titlesTableBytes: number;
  envFileBytes: number;
}

interface KindFigures {
  kind: string;
  p50: number;
  p99: number;
  /** CPU time of the query (user + system), p99: the work, without waiting for a core on a busy machine. */
  cpuP99: number;
  max: number;
  capped: number;
  meanResults: number;
  meanScanned: number;
  count: number;
}

interface QueryFigures {
  kinds: KindFigures[];
  heapMb: number;
  rssMb: number;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function tableBytes(s: { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number }): number {
  return s.pageSize * (s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages);
}

/** Writes only the title index, batch by batch as publishes of new titles would (--load index): minutes for 10M titles, not hours. */
async function buildIndexOnly(dir: string, titles: number): Promise<number> {
  const gen = titleGenerator(Number(args.vocabulary));
  const batch = Number(args.batch);
  const t = openCatalogueTables(dir);
  const index = new TitleIndex(t.env, t.titleWords, new TitleIds(t.titleNames, t.titleIds));
  const started = performance.now();
  let lastReport = started;
  for (let first = 0; first < titles; first += batch) {
    const list = Array.from({ length: Math.min(batch, titles - first) }, (_, k) => gen.title(first + k));
    t.env.transactionSync(() => index.addTitlesSync(list));
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.error(`  indexed ${first + list.length} of ${titles} titles in ${((lastReport - started) / 1000).toFixed(0)} s`);
    }
  }
  index.markEmptyComplete();
  await t.env.flushed;
  const ms = performance.now() - started;
  await t.env.close();
  return ms;
}

/** Keys per write transaction of the sorted load. */
const SORTED_TXN_KEYS = 1_000_000;
/** Bytes a partition buffers in memory before it is appended to its file. */
const PARTITION_FLUSH_BYTES = 4 * 1048576;

/**
 * Writes the title index in key order (--load sorted), as a bulk rebuild would: one pass
 * spills every title's keys (titleKeys, the index's own) to a file per first key byte, then
 * each file is sorted and written in order, so every B-tree page is written once, full.
 */
async function buildSorted(dir: string, titles: number): Promise<number> {
  const gen = titleGenerator(Number(args.vocabulary));
  const spill = path.join(dir, 'spill');
  mkdirSync(spill, { recursive: true });
  const started = performance.now();
  const pending = new Map<number, { parts: Buffer[]; bytes: number }>();
  const flush = (first: number) => {
    const p = pending.get(first);
    if (!p || p.bytes === 0) return;
    appendFileSync(path.join(spill, String(first)), Buffer.concat(p.parts));
    pending.set(first, { parts: [], bytes: 0 });
  };
  let lastReport = started;
  // Title ids are the titles' numbers from 1; their names are appended as they come.
  const t = openCatalogueTables(dir);
  let names: Array<[number, Buffer]> = [];
  const flushNames = () => {
    const batch = names;
    names = [];
    t.env.transactionSync(() => {
      for (const [id, name] of batch) t.titleNames.putSync(id, name, { append: true });
    });
  };
  for (let i = 0; i < titles; i++) {
    const title = gen.title(i);
    names.push([i + 1, encodeStoredTitle(title)]);
    if (names.length >= SORTED_TXN_KEYS) flushNames();
    for (const key of titleKeys(title, i + 1)) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(key.length);
      const p = pending.get(key[0]!) ?? { parts: [], bytes: 0 };
      p.parts.push(len, key);
      p.bytes += key.length + 2;
      pending.set(key[0]!, p);
      if (p.bytes > PARTITION_FLUSH_BYTES) flush(key[0]!);
    }
    if (i % 100_000 === 0 && performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.error(`  spilled keys of ${i} of ${titles} titles in ${((lastReport - started) / 1000).toFixed(0)} s`);
    }
  }
  for (const first of pending.keys()) flush(first);
  flushNames();
  const index = new TitleIndex(t.env, t.titleWords, new TitleIds(t.titleNames, t.titleIds));
  const empty = Buffer.alloc(0);
  for (const first of [...pending.keys()].sort((a, b) => a - b)) {
    const bytes = readFileSync(path.join(spill, String(first)));
    const keys: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const len = bytes.readUInt16BE(at);
      keys.push(bytes.subarray(at + 2, at + 2 + len));
      at += 2 + len;
    }
    keys.sort(Buffer.compare);
    for (let k = 0; k < keys.length; k += SORTED_TXN_KEYS) {
      t.env.transactionSync(() => {
        for (const key of keys.slice(k, k + SORTED_TXN_KEYS)) t.titleWords.putSync(key, empty);
      });
    }
    rmSync(path.join(spill, String(first)));
    console.error(`  wrote ${keys.length} keys beginning with byte ${first} at ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  index.markEmptyComplete();
  await t.env.flushed;
  const ms = performance.now() - started;
  await t.env.close();
  return ms;
}

async function build(dir: string, titles: number): Promise<BuildFigures> {
  const gen = titleGenerator(Number(args.vocabulary));
  const batch = Number(args.batch);
  await rm(dir, { recursive: true, force: true });
  if (args.load === 'index') return figures(dir, titles, await buildIndexOnly(dir, titles), null, 'index');
  if (args.load === 'sorted') return figures(dir, titles, await buildSorted(dir, titles), null, 'sorted');
  const store = CatalogueStore.open(dir);
  const started = performance.now();
  let lastReport = started;
  for (let first = 0, n = 0; first < titles; first += batch, n++) {
    const setId = `bench-${Math.floor(n / VERSIONS_PER_SET)}`;
    const version = (n % VERSIONS_PER_SET) + 1;
    const list = Array.from({ length: Math.min(batch, titles - first) }, (_, k) => gen.title(first + k));
    store.putVersion(await titledVersion(path.join(dir, 'keys'), { setId, version, titles: list }));
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.error(`  loaded ${first + list.length} of ${titles} titles in ${((lastReport - started) / 1000).toFixed(0)} s`);
    }
  }
  await store.flushed();
  const loadMs = performance.now() - started;
  await store.close();

  let rebuildMs: number | null = null;
  if (!args['no-rebuild']) {
    // The index alone: cleared, then rebuilt from the titles table as an older catalogue's would be.
    const t = openCatalogueTables(dir);
    await t.titleWords.clearAsync();
    await t.env.close();
    const again = CatalogueStore.open(dir);
    const t0 = performance.now();
    await again.rebuildTitleIndex();
    rebuildMs = performance.now() - t0;
    await again.close();
  }
  return figures(dir, titles, loadMs, rebuildMs, 'publish');
}

async function figures(dir: string, titles: number, loadMs: number, rebuildMs: number | null, load: BuildFigures['load']): Promise<BuildFigures> {
  const t = openCatalogueTables(dir);
  const words = t.titleWords.getStats() as Parameters<typeof tableBytes>[0] & { entryCount: number };
  const figures: BuildFigures = {
    generator: GENERATOR_VERSION,
    titles,
    load,
    loadMs,
    rebuildMs,
    indexBytes: tableBytes(words),
    indexKeys: words.entryCount,
    titlesTableBytes: tableBytes(t.titleIndex.getStats() as Parameters<typeof tableBytes>[0]),
    envFileBytes: (await stat(path.join(dir, LMDB_FOLDER, 'data.mdb'))).size,
  };
  await t.env.close();
  await writeFile(path.join(dir, 'bench.json'), JSON.stringify(figures));
  return figures;
}

/** The query pools: one-letter, common and rare words and prefixes, and two-word queries, from the generator's vocabulary by rank. */
function queryKinds(count: number): Array<{ kind: string; queries: string[] }> {
  const gen = titleGenerator(Number(args.vocabulary));
  const v = gen.vocabulary.map(foldText);
  const rand = prng(7);
  const rank = (lo: number, hi: number) => v[lo + Math.floor(rand() * (hi - lo))]!;
  const many = (f: () => string) => Array.from({ length: count }, f);
  const rare = () => rank(Math.floor(v.length / 2), v.length);
  return [
    { kind: 'one letter ("e")', queries: many(() => 'abcdefghiklmnoprstuvz'[Math.floor(rand() * 21)]!) },
    { kind: 'common word (rank 1-50)', queries: many(() => rank(0, 50)) },
    { kind: 'common prefix (2 letters)', queries: many(() => rank(0, 200).slice(0, 2)) },
    { kind: 'rare word (rank > V/2)', queries: many(rare) },
    { kind: 'rare prefix (4 letters)', queries: many(() => rare().slice(0, 4)) },
    { kind: 'common + rare word', queries: many(() => `${rank(0, 50)} ${rare()}`) },
    { kind: 'two common words', queries: many(() => `${rank(0, 50)} ${rank(0, 50)}`) },
    { kind: 'common + rare prefix', queries: many(() => `${rank(0, 50)} ${rare().slice(0, 3)}`) },
  ];
}

/** The query phase, run in its own process (--query DIR): prints QueryFigures as JSON on stdout. */
async function queryPhase(dir: string): Promise<void> {
  const store = CatalogueStore.open(dir);
  const kinds = queryKinds(Number(args.queries));
  for (const q of kinds.flatMap((k) => k.queries).slice(0, WARMUP_QUERIES)) store.searchTitles(q, { limit: PAGE_LIMIT });
  const out: KindFigures[] = [];
  for (const { kind, queries } of kinds) {
    const ms: number[] = [];
    const cpu: number[] = [];
    let capped = 0;
    let results = 0;
    let scanned = 0;
    for (const q of queries) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const page = store.searchTitles(q, { limit: PAGE_LIMIT });
      ms.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      if (page.capped) capped++;
      results += page.titles.length;
      scanned += page.scanned;
    }
    ms.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    out.push({ kind, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), cpuP99: quantile(cpu, 0.99), max: ms.at(-1)!, capped, meanResults: results / queries.length, meanScanned: scanned / queries.length, count: queries.length });
  }
  const mem = process.memoryUsage();
  const figures: QueryFigures = { kinds: out, heapMb: mb(mem.heapUsed), rssMb: mb(mem.rss) };
  await store.close();
  process.stdout.write(JSON.stringify(figures));
}

function runQueryChild(dir: string): Promise<QueryFigures> {
  const runner = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'run-ts.js');
  return new Promise((resolve, reject) => {
    const child = fork(runner, [fileURLToPath(import.meta.url), '--query', dir, '--queries', String(args.queries), '--vocabulary', String(args.vocabulary)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as QueryFigures);
      else reject(new Error(`the query process exited with ${code}`));
    });
  });
}

async function main(): Promise<void> {
  if (args.query) return queryPhase(args.query);
  for (const titles of String(args.titles).split(',').map(Number)) {
    const dir = path.join(os.tmpdir(), `seedbank-search-bench-${titles}`);
    const cached = !args.fresh && existsSync(path.join(dir, 'bench.json')) ? (JSON.parse(await readFile(path.join(dir, 'bench.json'), 'utf8')) as BuildFigures) : null;
    console.error(`${titles.toLocaleString('en')} titles: ${cached?.generator === GENERATOR_VERSION && cached.load === args.load ? 'cached store' : 'loading'} in ${dir}`);
    const reuse = cached?.generator === GENERATOR_VERSION && cached.load === args.load;
    const b = reuse ? cached : await build(dir, titles);
    const q = await runQueryChild(dir);
    const perTitle = (bytes: number) => (bytes / titles).toFixed(0);
    console.log(`\n## ${titles.toLocaleString('en')} titles`);
    const how = { publish: 'load through putVersion (every table a publish writes)', index: 'index build (the title index alone, batches as publishes write them)', sorted: 'index build (the title index alone, written in key order)' }[b.load];
    console.log(`${how}: ${(b.loadMs / 1000).toFixed(1)} s (${Math.round(titles / (b.loadMs / 1000)).toLocaleString('en')} titles/s)`);
    if (b.rebuildMs !== null) console.log(`index alone, rebuilt from the titles table: ${(b.rebuildMs / 1000).toFixed(1)} s (${Math.round(titles / (b.rebuildMs / 1000)).toLocaleString('en')} titles/s)`);
    console.log(`index on disk: ${mb(b.indexBytes)} MB, ${perTitle(b.indexBytes)} bytes/title, ${(b.indexKeys / titles).toFixed(2)} keys/title (titles table ${perTitle(b.titlesTableBytes)} bytes/title; whole data.mdb ${mb(b.envFileBytes)} MB)`);
    console.log(`query process after ${q.kinds.reduce((n, k) => n + k.count, 0) + WARMUP_QUERIES} queries: heap ${q.heapMb} MB, RSS ${q.rssMb} MB (RSS includes mapped LMDB pages)`);
    console.log(`load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`);
    console.log('| query | p50 ms | p99 ms | max ms | p99 CPU ms | capped | mean results | mean keys read |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const k of q.kinds) {
      console.log(`| ${k.kind} | ${k.p50.toFixed(2)} | ${k.p99.toFixed(2)} | ${k.max.toFixed(1)} | ${k.cpuP99.toFixed(2)} | ${k.capped}/${k.count} | ${k.meanResults.toFixed(1)} | ${Math.round(k.meanScanned)} |`);
    }
  }
}

await main();
