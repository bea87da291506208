/**
 * What a copy lookup allocates (issue 13 §1): the catalogue in this process on a cached bench
 * store, `--lookups` sequential `/api/view/files?q=<sha1>` requests over loopback after the
 * copy figures are warm, under V8's sampling heap profiler; prints the bytes allocated per
 * request by function (self), the young-generation collections over the run and their pauses.
 * Young-generation pauses between requests were most of the slowest 1% at 10M files.
 *
 *   node bin/run-ts.js bench/catalogue/lookup-alloc.ts [--sets 1000] [--files-per-set 1000] [--lookups 2000] [--top 25] [--save lookups.heapprofile]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { BenchIndex } from './build-store.ts';
import { writeObservations } from './build-store.ts';
import { agent, get } from './http-timing.ts';
import { prng } from './synthetic.ts';

const { values: args } = parseArgs({
  options: {
    sets: { type: 'string', default: '1000' },
    'files-per-set': { type: 'string', default: '1000' },
    lookups: { type: 'string', default: '2000' },
    top: { type: 'string', default: '25' },
    generator: { type: 'string', default: '4' },
    /** Without the sampling profiler (it holds a weak handle per sampled object, which slows every collection): for GC pauses under --trace-gc. */
    'no-sampling': { type: 'boolean', default: false },
    /** Only what outlived a young-generation collection (promoted, or alive at the end): what makes those collections slow. */
    survivors: { type: 'boolean', default: false },
    /** Writes the sampled profile here (Chrome DevTools' Memory tab opens a .heapprofile): the call paths behind each line. */
    save: { type: 'string' },
  },
});
/** Frames of the bench's HTTP client: what sits under them is the client's allocation, not the catalogue's. */
const CLIENT_FRAME = /_http_client|_http_agent|\/bench\//;
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const root = path.join(os.tmpdir(), `seedbank-catalogue-bench-g${args.generator}-${args.sets}x${args['files-per-set']}`);
const index = JSON.parse(readFileSync(path.join(root, 'index.json'), 'utf8')) as BenchIndex;
const dataDir = path.join(root, 'data');
await writeObservations(dataDir, index);
const { startCatalogueServer } = await import('../../services/tracker-web/server.ts');
const { createLogger } = await import('../../shared/log.ts');
const server = await startCatalogueServer({ dataDir, port: 0, host: '127.0.0.1', census: { autoStart: false }, rateLimits: { readPerMinute: 100_000_000 }, logger: createLogger({ level: 'warn', format: 'pretty' }) });
try {
  await server.copies.whenWarm();
  const r = prng(0xa110c);
  const sha1s = index.sets.flatMap((s) => s.sampleSha1s);
  const pick = () => sha1s[Math.floor(r() * sha1s.length)]!;
  // A first pass fills the caches (records, layouts, version facts) as the bench's warm-up does.
  for (let i = 0; i < 200; i++) await get(`${server.url}/api/view/files?q=${pick()}`);
  const n = Number(args.lookups);
  const gcs: Array<{ kind: number; ms: number }> = [];
  const obs = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) gcs.push({ kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0, ms: e.duration });
  });
  obs.observe({ entryTypes: ['gc'] });
  const sampling = !args['no-sampling'];
  const session = new Session();
  session.connect();
  // Every allocation, not only what is alive at the end: the collected ones are the young-generation work.
  if (sampling) await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMinorGC: !args.survivors, includeObjectsCollectedByMajorGC: true } as object);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const res = await get(`${server.url}/api/view/files?q=${pick()}`);
    if (res.status !== 200) throw new Error(`lookup ${i}: HTTP ${res.status}`);
  }
  const cpu = process.cpuUsage(cpu0);
  const { profile } = sampling ? ((await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } }) : { profile: { head: { callFrame: { functionName: '', url: '', lineNumber: 0 }, selfSize: 0, children: [] } as ProfileNode } };
  session.disconnect();
  if (args.save && sampling) writeFileSync(args.save, JSON.stringify(profile));
  await new Promise<void>((resolve) => setImmediate(resolve));
  obs.disconnect();
  const bySite = new Map<string, number>();
  let total = 0;
  let client = 0;
  const walk = (node: ProfileNode, clientSide: boolean) => {
    const f = node.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|services|shared|bench)\//, '$1/')}:${f.lineNumber + 1}`;
    // The bench's own half of each request: its HTTP client and agent, and the bench code.
    const inClient = clientSide || CLIENT_FRAME.test(f.url);
    if (node.selfSize) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    total += node.selfSize;
    if (inClient) client += node.selfSize;
    for (const c of node.children) walk(c, inClient);
  };
  walk(profile.head, false);
  // The profile holds every allocation of the process (the client's too): both halves of each request run here.
  console.log(`# ${n} copy lookups on ${root} (catalogue and client in one process), load ${load()}`);
  const young = gcs.filter((g) => g.kind === 1);
  if (sampling) console.log(`  sampled allocation: ${(total / n / 1024).toFixed(1)} KiB per request (catalogue ${((total - client) / n / 1024).toFixed(1)}, bench client ${(client / n / 1024).toFixed(1)})`);
  console.log(`  young-generation collections ${young.length} (${young.reduce((k, g) => k + g.ms, 0).toFixed(1)} ms), ${((young.length / n) * 2000).toFixed(1)} per 2,000 requests; others ${gcs.length - young.length}`);
  // CPU of the whole process (catalogue and client; the sampling profiler's too unless --no-sampling): the load moves it less than wall times.
  console.log(`  CPU ${((cpu.user + cpu.system) / n).toFixed(0)} µs per request (user ${(cpu.user / n).toFixed(0)}, system ${(cpu.system / n).toFixed(0)})`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) console.log(`  ${(bytes / n).toFixed(0).padStart(7)} B/request  ${site}`);
} finally {
  agent.destroy();
  await server.close();
}
