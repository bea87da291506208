/**
 * The catalogue bench's synthetic store: N sets × M files put through CatalogueStore.putVersion
 * (the publish path's last step), with the per-file index and the word search bulk-loaded in
 * key order at the end (store/bulk-index.ts; the set file lists and title names are appended in
 * order as they come), cached under os.tmpdir() so a re-run starts in seconds. Also the
 * census observations a round would have written, with fresh timestamps on every run.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildVersion, prng, type GeneratedSet } from './synthetic.ts';
import { fmtS, log } from './http-timing.ts';

/** Bump when the generator or the store format changes, so an old cache is not reused. */
const GENERATOR_VERSION = 3;
const SAMPLE_SHA1S_PER_SET = 12;
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
  generateMs: number;
  putMs: number;
  /** Time writing the per-file index in key order after the last set. */
  indexMs: number;
  indexRows: { files: number; titles: number; categories: number; words: number };
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
  const { BulkIndex } = await import('../../services/tracker-web/store/bulk-index.ts');
  const store = CatalogueStore.open(dataDir);
  const bulk = new BulkIndex();
  const summaries: GeneratedSet[] = [];
  let generateMs = 0;
  let putMs = 0;
  const t0 = performance.now();
  const base = Date.now() - sets * 3_600_000;
  const every = Math.max(100, Math.round(sets / 20 / 100) * 100);
  for (let i = 0; i < sets; i++) {
    const g0 = performance.now();
    const { version, summary } = buildVersion(i, filesPerSet, SAMPLE_SHA1S_PER_SET);
    const g1 = performance.now();
    store.putVersion(version, base + i * 3_600_000, bulk);
    putMs += performance.now() - g1;
    generateMs += g1 - g0;
    summaries.push(summary);
    if ((i + 1) % every === 0 || i + 1 === sets) log(`  loaded ${i + 1}/${sets} sets (${((i + 1) * filesPerSet).toLocaleString('en')} files) in ${fmtS(performance.now() - t0)}`);
  }
  const i0 = performance.now();
  const indexRows = store.finishBulkIndex(bulk);
  const indexMs = performance.now() - i0;
  log(`  per-file index and word search: ${indexRows.files.toLocaleString('en')} file rows, ${indexRows.titles.toLocaleString('en')} title rows, ${indexRows.categories.toLocaleString('en')} category rows, ${indexRows.words.toLocaleString('en')} word keys written in key order in ${fmtS(indexMs)}`);
  await store.flushed();
  await store.close();
  const loadMs = performance.now() - t0;
  const index: BenchIndex = { generator: GENERATOR_VERSION, sets: summaries, loadMs, generateMs, putMs, indexMs, indexRows, createdAt: new Date().toISOString() };
  await writeFile(indexFile, JSON.stringify(index));
  return { dataDir, indexFile, index, cached: false };
}

/** Writes census observations for every volume (what a round writes; the runner restores them at start). */
export async function writeObservations(dataDir: string, index: BenchIndex): Promise<number> {
  const { CatalogueStore } = await import('../../services/tracker-web/store/catalogue-store.ts');
  const store = CatalogueStore.open(dataDir);
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
        writes.push(store.putObservation(ih, host, 51413, { lastSeen: auditedAt, complete: have === pieces, havePieces: have, auditedAt, auditOk: r() >= FAILED_AUDIT_SHARE, bitfield }));
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
