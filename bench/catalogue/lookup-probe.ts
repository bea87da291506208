/**
 * The copy lookup's store reads in-process, no HTTP and no census (issue 13 §1): for random
 * sample SHA-1s of a cached bench store, the per-file rows (filesBySha1) and the file's row in
 * its version's list (setFiles.get), timed one by one, with CPU time, and the LMDB chunk
 * mappings (/proc/self/maps lines of catalogue.lmdb) before and after each slow one, so a
 * stall where LMDB unmaps its chunks shows as a drop in the mapping count.
 *
 *   node bin/run-ts.js bench/catalogue/lookup-probe.ts [--sets 1000] [--files-per-set 1000] [--lookups 20000] [--slow-ms 50]
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
const store = CatalogueStore.open(path.join(root, 'data'));
const r = prng(0x5eed);
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
  const sha1 = sha1s[Math.floor(r() * sha1s.length)]!;
  // Reading the maps costs about a millisecond at thousands of chunks: every MAPS_EVERY lookups and after a slow one.
  if (i % MAPS_EVERY === 0) mapped = lmdbMappings();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const locations = store.filesBySha1(sha1);
  const t1 = performance.now();
  const first = locations.at(-1);
  const row = first && store.setFiles.get(first.setId, first.version, first.title);
  const t2 = performance.now();
  const c = process.cpuUsage(c0);
  if (!row) throw new Error(`no row for ${sha1}`);
  wall.rows.push(t1 - t0);
  wall.row.push(t2 - t1);
  wall.all.push(t2 - t0);
  cpu.push((c.user + c.system) / 1000);
  if (t2 - t0 > slowMs) slow.push(`lookup ${i}: ${(t2 - t0).toFixed(1)} ms (rows ${(t1 - t0).toFixed(1)}, row ${(t2 - t1).toFixed(1)}), CPU ${((c.user + c.system) / 1000).toFixed(1)} ms, LMDB mappings ${mapped} (up to ${MAPS_EVERY} lookups before) → ${(mapped = lmdbMappings())}`);
}
for (const xs of [...Object.values(wall), cpu]) xs.sort((a, b) => a - b);
const f = (xs: number[]) => `p50 ${q(xs, 0.5).toFixed(3)} p99 ${q(xs, 0.99).toFixed(3)} max ${xs.at(-1)!.toFixed(1)} ms`;
console.log(`  filesBySha1 ${f(wall.rows)}`);
console.log(`  setFiles.get ${f(wall.row)}`);
console.log(`  both ${f(wall.all)}; CPU ${f(cpu)}; load ${load()}; LMDB mappings at the end ${lmdbMappings()}`);
for (const s of slow.slice(0, 20)) console.log(`  slow: ${s}`);
if (slow.length > 20) console.log(`  ... ${slow.length - 20} more slow lookups`);
await store.close();
