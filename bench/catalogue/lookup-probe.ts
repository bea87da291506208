/**
 * The copy lookup's store reads in-process, no HTTP and no census (issue 13 §1): for random
 * sample SHA-1s of a cached bench store, the per-file rows (filesBySha1) and the file's row in
 * its version's list (setFiles.get), timed one by one, with CPU time, and the LMDB chunk
 * mappings (/proc/self/maps lines of catalogue.lmdb) before and after each slow one, so a
 * stall where LMDB unmaps its chunks shows as a drop in the mapping count.
 *
 *   node bin/run-ts.js bench/catalogue/lookup-probe.ts [--sets 1000] [--files-per-set 1000] [--lookups 20000] [--slow-ms 50] [--bisect] [--no-remap]
 *
 * It opens the store like the catalogue does, so a store in an older format is migrated: point
 * it at a store of the current generator only.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { BenchIndex } from './build-store.ts';
import { prng } from './synthetic.ts';

const { values: args } = parseArgs({
  options: {
    sets: { type: 'string', default: '1000' },
    'files-per-set': { type: 'string', default: '1000' },
    lookups: { type: 'string', default: '20000' },
    'slow-ms': { type: 'string', default: '50' },
    generator: { type: 'string', default: '4' },
    /** Find the file's row by binary search, as format 3 did (about 20 reads instead of 4), to compare. */
    bisect: { type: 'boolean', default: false },
    /** Open the store with one whole-file map instead of LMDB's chunks (open-lmdb.ts), to compare. */
    'no-remap': { type: 'boolean', default: false },
  },
});
const load = () => os.loadavg().map((l) => l.toFixed(1)).join('/');

/** Lines of /proc/self/maps that map the LMDB data file: LMDB's mapped chunks under remapChunks. */
function lmdbMappings(): number {
  let n = 0;
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) if (line.endsWith('/data.mdb')) n++;
  return n;
}

const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

const root = path.join(os.tmpdir(), `seedbank-catalogue-bench-g${args.generator}-${args.sets}x${args['files-per-set']}`);
const index = JSON.parse(readFileSync(path.join(root, 'index.json'), 'utf8')) as BenchIndex;
const { CatalogueStore } = await import('../../services/tracker-web/store/catalogue-store.ts');
const store = CatalogueStore.open(path.join(root, 'data'), { remapChunks: !args['no-remap'] });
const r = prng(0x5eed);
/** The format-3 way to a file's row (the index's private binary search), for --bisect. */
const bisect = (f: { setId: string; version: number; title: string }): unknown => {
  const index = store.setFiles as unknown as { bisect(no: number, files: number, title: string): unknown; deps: { versionNo(s: string, v: number): number } };
  return index.bisect(index.deps.versionNo(f.setId, f.version), store.setFiles.versionFacts(f.setId, f.version)!.files, f.title);
};
/** Lookups during which LMDB unmapped most of its chunks at once. */
const purges: Array<{ at: number; cpuMs: number; wallMs: number }> = [];
const sha1s = index.sets.flatMap((s) => s.sampleSha1s);
const n = Number(args.lookups);
const slowMs = Number(args['slow-ms']);
const wall: Record<'rows' | 'row' | 'all', number[]> = { rows: [], row: [], all: [] };
const cpu: number[] = [];
const slow: string[] = [];
const MAPS_EVERY = 200;
let mapped = 0;
console.log(`# lookup probe: ${root}, ${n} lookups, load ${load()}`);
for (let i = 0; i < n; i++) {
  // One lookup per event-loop turn, as the server answers them: lmdb-js renews its read transaction
  // between turns, and under remapChunks one transaction holding 4,095 chunks fails (MDB_TXN_FULL).
  await new Promise<void>((resolve) => setImmediate(resolve));
  const sha1 = sha1s[Math.floor(r() * sha1s.length)]!;
  // Reading the maps costs about a millisecond at thousands of chunks: every MAPS_EVERY lookups and after a slow one.
  if (i % MAPS_EVERY === 0) mapped = lmdbMappings();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const locations = store.filesBySha1(sha1);
  const t1 = performance.now();
  const first = locations.at(-1);
  const row = first && (args.bisect ? bisect(first) : store.setFiles.get(first.setId, first.version, first.title, { sha1 }));
  const t2 = performance.now();
  const c = process.cpuUsage(c0);
  if (!row) throw new Error(`no row for ${sha1}`);
  wall.rows.push(t1 - t0);
  wall.row.push(t2 - t1);
  wall.all.push(t2 - t0);
  cpu.push((c.user + c.system) / 1000);
  if (t2 - t0 > slowMs) {
    const after = lmdbMappings();
    if (after < mapped / 2) purges.push({ at: i, cpuMs: (c.user + c.system) / 1000, wallMs: t2 - t0 });
    slow.push(`lookup ${i}: ${(t2 - t0).toFixed(1)} ms (rows ${(t1 - t0).toFixed(1)}, row ${(t2 - t1).toFixed(1)}), CPU ${((c.user + c.system) / 1000).toFixed(1)} ms, LMDB mappings ${mapped} (up to ${MAPS_EVERY} lookups before) → ${(mapped = after)}`);
  }
}
for (const xs of [...Object.values(wall), cpu]) xs.sort((a, b) => a - b);
const f = (xs: number[]) => `p50 ${q(xs, 0.5).toFixed(3)} p99 ${q(xs, 0.99).toFixed(3)} max ${xs.at(-1)!.toFixed(1)} ms`;
console.log(`  filesBySha1 ${f(wall.rows)}`);
console.log(`  setFiles.get ${f(wall.row)}`);
const status = readFileSync('/proc/self/status', 'utf8');
const kb = (field: string) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024);
console.log(`  both ${f(wall.all)}; CPU ${f(cpu)}; load ${load()}; LMDB mappings at the end ${lmdbMappings()}`);
console.log(`  memory at the end: RSS ${kb('VmRSS')} MiB (peak ${kb('VmHWM')}), of it file-backed ${kb('RssFile')} MiB, anonymous ${kb('RssAnon')} MiB; bisect ${args.bisect}, remapChunks ${!args['no-remap']}`);
const gaps = purges.slice(1).map((p, k) => p.at - purges[k]!.at);
console.log(
  `  LMDB chunk purges (most mappings dropped in one lookup): ${purges.length} in ${n} lookups, every ${gaps.length ? (gaps.reduce((a, b) => a + b, 0) / gaps.length).toFixed(0) : '-'} lookups; ` +
    `CPU ${purges.map((p) => p.cpuMs.toFixed(0)).join(', ')} ms; wall ${purges.map((p) => p.wallMs.toFixed(0)).join(', ')} ms`,
);
for (const s of slow.slice(0, 20)) console.log(`  slow: ${s}`);
if (slow.length > 20) console.log(`  ... ${slow.length - 20} more slow lookups`);
await store.close();
