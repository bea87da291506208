/**
 * The catalogue bench's synthetic store: N sets × M files put through CatalogueStore.putVersion
 * (the publish path's last step) by a bulk load (store/bulk-load.ts: many versions per write
 * transaction; the per-file index, word search and title-id keys written in key order at the
 * end), while worker threads generate the next batch of sets (generate-pool.ts). Cached under
 * os.tmpdir() so a re-run starts in seconds. Also the census observations a round would have
 * written, with fresh timestamps on every run.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { GeneratePool } from './generate-pool.ts';
import { prng, type GeneratedSet } from './synthetic.ts';
import { fmtS, log } from './http-timing.ts';
import { isSimulatedHost } from './census-changes.ts';

/** Bump when the generator or the store format changes, so an old cache is not reused. */
const GENERATOR_VERSION = 4;
const SAMPLE_SHA1S_PER_SET = 12;
/** Sets per write transaction of the bulk load (and per generator batch). */
const SETS_PER_BATCH = 32;
/** Generator threads: generating a set costs a little less CPU than storing it, so one keeps up. */
const GENERATOR_THREADS = 1;
/** Census observations: seeder hosts drawn from a pool, 0–5 per volume (weights), some partial or failing. */
const HOST_POOL = 400;
const HOSTS_PER_VOLUME_WEIGHTS = [0.1, 0.2, 0.3, 0.25, 0.1, 0.05];
const PARTIAL_HOST_SHARE = 0.15;
const PARTIAL_MISSING_PIECES = 0.2;
const FAILED_AUDIT_SHARE = 0.03;
const AUDIT_AGE_MS = 2 * 3600 * 1000; // verdicts up to 2 hours old

/** What the bench remembers of a generated store. */
export interface BenchIndex {
  generator: number;
  sets: GeneratedSet[];
  loadMs: number;
  /** Time the store load waited for the generator threads (they run while a batch is stored). */
  generateMs: number;
  putMs: number;
  /** CPU time of the whole build (every thread), ms. */
  cpuMs?: number;
  /** Load average (1 min) at the start and the end of the build. */
  loadAverage?: [number, number];
  /** Time writing the per-file index in key order after the last set. */
  indexMs: number;
  indexRows: { files: number; titles: number; categories: number; words: number; titleIds?: number };
  createdAt: string;
}

/** Bytes under a folder. */
export async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await du(p) : (await stat(p)).size;
  }
  return total;
}

/** Builds (or reuses) the cached store; returns its folder and index. */
export async function ensureData(sets: number, filesPerSet: number, fresh: boolean): Promise<{ dataDir: string; indexFile: string; index: BenchIndex; cached: boolean }> {
  const root = path.join(os.tmpdir(), `seedbank-catalogue-bench-g${GENERATOR_VERSION}-${sets}x${filesPerSet}`);
  const dataDir = path.join(root, 'data');
  const indexFile = path.join(root, 'index.json');
  if (!fresh && existsSync(indexFile)) {
    const index = JSON.parse(await readFile(indexFile, 'utf8')) as BenchIndex;
    if (index.generator === GENERATOR_VERSION && index.sets.length === sets) return { dataDir, indexFile, index, cached: true };
  }
  await rm(root, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const { CatalogueStore } = await import('../../services/tracker-web/store/catalogue-store.ts');
  const { CatalogueBulkLoad } = await import('../../services/tracker-web/store/bulk-load.ts');
  const store = CatalogueStore.open(dataDir);
  const load = new CatalogueBulkLoad(store);
  const pool = new GeneratePool(GENERATOR_THREADS, filesPerSet, SAMPLE_SHA1S_PER_SET);
  const summaries: GeneratedSet[] = [];
  let generateMs = 0;
  let putMs = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const load0 = os.loadavg()[0]!;
  const base = Date.now() - sets * 3_600_000;
  const every = Math.max(100, Math.round(sets / 20 / 100) * 100);
  const batchOf = (from: number) => pool.batch(from, Math.min(sets, from + SETS_PER_BATCH));
  let indexRows: BenchIndex['indexRows'];
  let indexMs: number;
  try {
    let next = batchOf(0);
    for (let from = 0; from < sets; from += SETS_PER_BATCH) {
      const g0 = performance.now();
      const batch = await next;
      // The next batch is generated while this one is written.
      if (from + SETS_PER_BATCH < sets) next = batchOf(from + SETS_PER_BATCH);
      const g1 = performance.now();
      load.putBatch(batch.map((g, k) => ({ version: g.version, now: base + (from + k) * 3_600_000 })));
      putMs += performance.now() - g1;
      generateMs += g1 - g0;
      for (const g of batch) summaries.push(g.summary);
      const done = from + batch.length;
      if (Math.floor(done / every) > Math.floor(from / every) || done === sets) {
        const cpu = process.cpuUsage(cpu0);
        log(`  loaded ${done}/${sets} sets (${(done * filesPerSet).toLocaleString('en')} files) in ${fmtS(performance.now() - t0)}; CPU ${fmtS((cpu.user + cpu.system) / 1000)}; load average ${os.loadavg()[0]!.toFixed(2)}`);
      }
    }
    const i0 = performance.now();
    indexRows = load.finish();
    indexMs = performance.now() - i0;
  } finally {
    await pool.close();
  }
  log(`  per-file index, word search and title ids: ${indexRows.files.toLocaleString('en')} file rows, ${indexRows.titles.toLocaleString('en')} title rows, ${indexRows.categories.toLocaleString('en')} category rows, ${indexRows.words.toLocaleString('en')} word keys, ${indexRows.titleIds!.toLocaleString('en')} title ids written in key order in ${fmtS(indexMs)}`);
  await store.flushed();
  await store.close();
  const loadMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  log(`  store built in ${fmtS(loadMs)} (CPU ${fmtS(cpuMs)} over every thread; waited ${fmtS(generateMs)} for the generator, ${fmtS(putMs)} storing, ${fmtS(indexMs)} writing the sorted tables)`);
  const index: BenchIndex = { generator: GENERATOR_VERSION, sets: summaries, loadMs, generateMs, putMs, cpuMs, loadAverage: [load0, os.loadavg()[0]!], indexMs, indexRows, createdAt: new Date().toISOString() };
  await writeFile(indexFile, JSON.stringify(index));
  return { dataDir, indexFile, index, cached: false };
}

/** Writes census observations for every volume (what a round writes; the runner restores them at start), the same at every run. */
export async function writeObservations(dataDir: string, index: BenchIndex): Promise<number> {
  const { CatalogueStore } = await import('../../services/tracker-web/store/catalogue-store.ts');
  const store = CatalogueStore.open(dataDir);
  // The holders an earlier run's simulated census round added (census-changes.ts) go: every run starts from the same census.
  const simulated: Array<[string, string, number]> = [];
  store.observations.each((ih, host, port) => {
    if (isSimulatedHost(host)) simulated.push([ih, host, port]);
  });
  await Promise.all(simulated.map(([ih, host, port]) => store.observations.remove(ih, host, port)));
  const r = prng(0xc0b1e5);
  const pool = Array.from({ length: HOST_POOL }, () => `${1 + Math.floor(r() * 222)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 253)}`);
  const now = Date.now();
  let writes: Array<Promise<void>> = [];
  let count = 0;
  for (const set of index.sets) {
    for (const [v, ih] of set.volumes.entries()) {
      const pieces = set.volumePieces[v]!;
      let x = r();
      let k = 0;
      while (k < HOSTS_PER_VOLUME_WEIGHTS.length - 1 && (x -= HOSTS_PER_VOLUME_WEIGHTS[k]!) >= 0) k++;
      const hosts = new Set<string>();
      while (hosts.size < k) hosts.add(pool[Math.floor(r() * pool.length)]!);
      for (const host of hosts) {
        const bitfield = new Uint8Array(Math.ceil(pieces / 8));
        const partial = r() < PARTIAL_HOST_SHARE;
        let have = 0;
        for (let p = 0; p < pieces; p++) {
          if (partial && r() < PARTIAL_MISSING_PIECES) continue;
          bitfield[p >> 3]! |= 0x80 >> (p & 7);
          have++;
        }
        const auditedAt = now - Math.floor(r() * AUDIT_AGE_MS);
        writes.push(store.observations.put(ih, host, 51413, { lastSeen: auditedAt, complete: have === pieces, havePieces: have, auditedAt, auditOk: r() >= FAILED_AUDIT_SHARE, bitfield }));
        count++;
      }
    }
    if (writes.length > 10_000) {
      await Promise.all(writes);
      writes = [];
    }
  }
  await Promise.all(writes);
  await store.close();
  return count;
}
