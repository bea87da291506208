/**
 * What the copy figures' start-up warm-up costs the event loop, in figures the machine's load
 * does not move (issue 13 §1, the copy lookup while the figures warm up): the catalogue runs in
 * this process on a cached bench store, with no requests, and the warm-up's allocations are
 * sampled (V8's sampling heap profiler, garbage included), its garbage collections counted, and
 * its wall time reported beside the load. Young-generation collections stop the event loop, and
 * a request that arrives meanwhile waits: fewer bytes allocated means fewer such pauses.
 *
 *   node bin/run-ts.js bench/catalogue/warm-alloc.ts [--sets 1000] [--files-per-set 1000]
 *   (the store must exist: `npm run bench:catalogue` builds and caches it; 10M: flock /tmp/seedbank-10m.lock)
 */
import { readFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { writeObservations, type BenchIndex } from './build-store.ts';

interface SampledNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: SampledNode[];
}

const { values: args } = parseArgs({ options: { sets: { type: 'string', default: '1000' }, 'files-per-set': { type: 'string', default: '1000' } } });
const load = () => os.loadavg().map((l) => l.toFixed(1)).join('/');
// The same folder bench/catalogue/build-store.ts caches the store in (generator version 4).
const root = path.join(os.tmpdir(), `seedbank-catalogue-bench-g4-${args.sets}x${args['files-per-set']}`);
const index = JSON.parse(await readFile(path.join(root, 'index.json'), 'utf8')) as BenchIndex;
await writeObservations(path.join(root, 'data'), index);
const { startCatalogueServer } = await import('../../services/tracker-web/server.ts');
const { createLogger } = await import('../../shared/log.ts');

const gcs: Array<{ kind: number; ms: number }> = [];
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push({ kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0, ms: e.duration });
});
const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
const server = await startCatalogueServer({ dataDir: path.join(root, 'data'), port: 0, host: '127.0.0.1', census: { autoStart: false }, logger: createLogger({ level: 'warn', format: 'pretty' }) });
// The start-up warm-up began inside startCatalogueServer: from here to its end is what is measured.
await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
observer.observe({ entryTypes: ['gc'] });
const loadBefore = load();
const t0 = performance.now();
await server.copies.whenWarm();
const warmMs = performance.now() - t0;
observer.disconnect();
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: SampledNode } };
session.disconnect();

// Bytes allocated under the warm-up's own frames (warmOnce and what it calls).
const inside = (n: SampledNode, under: boolean): number => {
  const here = under || n.callFrame.functionName === 'warmOnce';
  return (here ? n.selfSize : 0) + n.children.reduce((k, c) => k + inside(c, here), 0);
};
/** Bytes allocated under the warm-up, by the function that allocated them (its own frame). */
const byFunction = new Map<string, number>();
const collect = (n: SampledNode, under: boolean): void => {
  const here = under || n.callFrame.functionName === 'warmOnce';
  if (here && n.selfSize > 0) {
    const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(services|shared|node_modules)\//, '$1/')}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + n.selfSize);
  }
  for (const c of n.children) collect(c, here);
};
collect(profile.head, false);
const total = (n: SampledNode): number => n.selfSize + n.children.reduce((k, c) => k + total(c), 0);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const minor = gcs.filter((g) => g.kind === 1);
const major = gcs.filter((g) => g.kind === 4);
const sum = (xs: typeof gcs) => xs.reduce((k, g) => k + g.ms, 0).toFixed(0);
const max = (xs: typeof gcs) => xs.reduce((k, g) => Math.max(k, g.ms), 0).toFixed(1);
const s = server.copies.warmSlices;
console.log(`# copy-figure warm-up at start, ${index.sets.length} sets, no requests: ${(warmMs / 1000).toFixed(2)} s (load ${loadBefore} → ${load()})`);
console.log(`  allocated by the warm-up: ${mib(inside(profile.head, false))} MiB (whole process meanwhile ${mib(total(profile.head))} MiB)`);
console.log(`  garbage collections meanwhile: ${minor.length} young-generation (${sum(minor)} ms, longest ${max(minor)} ms), ${major.length} full (${sum(major)} ms, longest ${max(major)} ms), ${gcs.length - minor.length - major.length} other`);
console.log(`  by function: ${[...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, b]) => `${k} ${mib(b)}`).join('; ')}`);
if (s && s.count > 0) console.log(`  ${s.count} slices: CPU p50 ${(s.cpuUs.percentile(50) / 1000).toFixed(2)} p99 ${(s.cpuUs.percentile(99) / 1000).toFixed(2)} max ${(s.cpuUs.max / 1000).toFixed(2)} ms; wall p99 ${(s.wallUs.percentile(99) / 1000).toFixed(2)} max ${(s.wallUs.max / 1000).toFixed(2)} ms`);
await server.close();
