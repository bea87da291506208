/**
 * The catalogue bench's figures: one record per run (kept as JSON beside the cached store so
 * sizes measured in separate runs can be compared), the table against the targets, and the
 * comparison across sizes (memory at 10M over memory at 1M: flat means about 1).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fmtMs, log, quantile, type Timing } from './http-timing.ts';
import type { SectionMaps } from './mapped-pages.ts';
import type { ProcessStats } from './serve-child.ts';
import type { StartPhase } from './start-trace.ts';

/** Where run records go. */
export const RESULTS_DIR = path.join(os.tmpdir(), 'seedbank-catalogue-bench-results');

/** Targets at 10,000,000 files (issue 13); at 1,000,000 the figures must be clearly inside them. */
export const TARGETS = { rssMiB: 2048, lookupP99Ms: 5, homeP99Ms: 100, setPageP99Ms: 50, startupMs: 10_000 };

/** p50/p99 of one section. */
export interface Quantiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

/** Everything one run measured. */
export interface RunRecord {
  at: string;
  sets: number;
  files: number;
  volumes: number;
  loadAverage: { start: number[]; end: number[] };
  store: { bytes: number; bytesPerFile: number; indexBytesPerFile: number; tables: Record<string, number>; buildMs: number; indexMs: number };
  startupMs: number;
  /** Whether the store's file was dropped from the page cache before the start (--cold). */
  cold?: boolean;
  /** startCatalogueServer phase by phase (start-trace.ts). */
  startPhases?: StartPhase[];
  firstHomeMs: number;
  warmedAfterMs: number | null;
  /** Event-loop delay (ms) over the copy lookups right after start, and whether the warm-up outlasted them. */
  warmLoopDelay?: { p99: number; max: number; stillWarming: boolean };
  timings: Record<string, Quantiles>;
  memory: ProcessStats | null;
  /** The store's resident pages (and anonymous memory) at each section's start and end (mapped-pages.ts). */
  mapped?: SectionMaps[];
}

/** p50/p99/max of a timing section. */
export function quantiles(t: Timing): Quantiles {
  const s = [...t.samples].sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1] ?? NaN, errors: t.errors.length };
}

/** Saves a run's record; returns its file. */
export async function saveRun(r: RunRecord): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${r.sets}x${r.files / r.sets}-${r.at.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(r, null, 2));
  return file;
}

/** Every saved run record, oldest first. */
export async function loadRuns(): Promise<RunRecord[]> {
  const names = await readdir(RESULTS_DIR).catch(() => [] as string[]);
  const runs = await Promise.all(names.filter((n) => n.endsWith('.json')).map(async (n) => JSON.parse(await readFile(path.join(RESULTS_DIR, n), 'utf8')) as RunRecord));
  return runs.sort((a, b) => a.at.localeCompare(b.at));
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** Prints one run against the targets. */
export function printRun(r: RunRecord): void {
  const t = r.timings;
  const line = (label: string, q: Quantiles | undefined, limit: number | null) => {
    if (!q) return;
    const ratio = limit === null ? '' : (q.p99 / limit).toFixed(2);
    log(`| ${label} | ${q.n} | ${fmtMs(q.p50)} | ${fmtMs(q.p99)} | ${fmtMs(q.max)} | ${limit === null ? '' : `p99 ≤ ${limit} ms`} | ${ratio} | ${limit === null ? '–' : q.errors ? '✗ (errors)' : mark(q.p99 <= limit)} |`);
  };
  log(`\n## Results: ${r.sets.toLocaleString('en')} sets × ${(r.files / r.sets).toLocaleString('en')} files = ${r.files.toLocaleString('en')} files, ${r.volumes.toLocaleString('en')} volumes`);
  log(`load average ${r.loadAverage.start.map((l) => l.toFixed(2)).join(' / ')} at start, ${r.loadAverage.end.map((l) => l.toFixed(2)).join(' / ')} at end (1/5/15 min, ${os.availableParallelism()} cores, shared)\n`);
  log('| measure | n | p50 ms | p99 ms | max ms | target | p99 / target | met |');
  log('| --- | ---: | ---: | ---: | ---: | --- | ---: | :---: |');
  line('copy lookup `/api/view/files?q=<sha1>`, right after start', t.lookupCold, TARGETS.lookupP99Ms);
  line('copy lookup, after the warm-up', t.lookupWarm, TARGETS.lookupP99Ms);
  line('copy lookup of files not read before, after the warm-up (first-touch reference)', t.lookupFresh, null);
  line('location lookup `/api/files?sha1=` (reference)', t.locations, null);
  line('set page `/sets/:id`', t.setPage, TARGETS.setPageP99Ms);
  line('home page `/`, first request', t.homeFirst, null);
  line('home page `/`', t.home, TARGETS.homeP99Ms);
  line('category copies `/api/copies/category/:name`', t.category, null);
  line('`/metrics`', t.metrics, null);
  line('`/metrics` right after a census round', t.metricsCold, null);
  const m = r.memory;
  log('');
  log(`start-up to serving${r.cold ? " (cold: the store dropped from the page cache)" : ""}: ${(r.startupMs / 1000).toFixed(2)} s (startCatalogueServer until it serves; load ${r.loadAverage.start[0]?.toFixed(2)}) ${mark(r.startupMs <= TARGETS.startupMs)} (${(r.startupMs / TARGETS.startupMs).toFixed(2)} of the ${TARGETS.startupMs / 1000} s target); first home page ${fmtMs(r.firstHomeMs)} ms; copy figures warm ${r.warmedAfterMs === null ? '?' : `${(r.warmedAfterMs / 1000).toFixed(1)} s`} after start${r.warmLoopDelay ? ` (event-loop delay during the lookups right after start: p99 ${fmtMs(r.warmLoopDelay.p99)} max ${fmtMs(r.warmLoopDelay.max)} ms${r.warmLoopDelay.stillWarming ? '; the warm-up outlasted them' : '; the warm-up ended during them'})` : ''}`);
  if (m) log(`memory: RSS ${m.rssMiB} MiB at the end, peak ${m.maxRssMiB} MiB ${mark(m.maxRssMiB <= TARGETS.rssMiB)} (${(m.maxRssMiB / TARGETS.rssMiB).toFixed(2)} of ${TARGETS.rssMiB} MiB; at the end ${m.rssAnonMiB ?? '?'} MiB anonymous, ${m.rssFileMiB ?? '?'} MiB file-backed: LMDB's mapped pages and code), V8 heap ${m.heapUsedMiB} MiB used of ${m.heapTotalMiB} (${m.heapLiveMiB ?? '?'} MiB live after a full GC), external ${m.externalMiB} MiB, ${m.cpuSeconds.toFixed(0)} s CPU`);
  const top = Object.entries(r.store.tables).filter(([, b]) => b > 0).sort((a, b) => b[1] - a[1]).map(([k, b]) => `${k} ${mib(b)}`).join(', ');
  log(`store: ${mib(r.store.bytes)} on disk, ${r.store.bytesPerFile.toFixed(0)} bytes per file (per-file index alone ${r.store.indexBytesPerFile.toFixed(0)} bytes per file); built in ${(r.store.buildMs / 1000).toFixed(0)} s (per-file index in key order ${(r.store.indexMs / 1000).toFixed(0)} s); tables: ${top}`);
}

/** Runs on a store of format 3 or later (it has title ids): older stores' memory and bytes are not comparable. */
const currentFormat = (r: RunRecord) => (r.store.tables.titleNames ?? 0) > 0;
/** The size memory at the largest size is compared with, when it was measured. */
const REFERENCE_FILES = 1_000_000;

/** Prints the runs of every size side by side, and memory at the largest size over 1M files (or the smallest). */
export function printComparison(all: RunRecord[]): void {
  const runs = all.filter(currentFormat);
  const bySize = new Map<number, RunRecord[]>();
  for (const r of runs) bySize.set(r.files, [...(bySize.get(r.files) ?? []), r]);
  const sizes = [...bySize.keys()].sort((a, b) => a - b);
  if (sizes.length === 0) return;
  const range = (xs: number[], f = (x: number) => fmtMs(x)) => {
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`;
  };
  log(`\n## Across sizes (every saved run on a format-3 store: ${runs.length} of ${all.length}; ranges over runs)\n`);
  log(`| files | runs | load avg (1 min) | peak RSS MiB | anonymous RSS MiB at the end | V8 heap MiB (live after GC) | copy lookup p99 ms | home p99 ms | set page p99 ms | start-up s | store bytes/file (index) |`);
  log('| ---: | ---: | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of sizes) {
    const rs = bySize.get(s)!;
    const pick = (f: (r: RunRecord) => number | undefined) => rs.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
    log(
      `| ${s.toLocaleString('en')} | ${rs.length} | ${range(pick((r) => r.loadAverage.start[0]), (x) => x.toFixed(1))} | ${range(pick((r) => r.memory?.maxRssMiB), String)} | ${range(pick((r) => r.memory?.rssAnonMiB), String)} | ${range(pick((r) => r.memory?.heapUsedMiB), String)} (${range(pick((r) => r.memory?.heapLiveMiB), String)}) | ` +
        `${range(pick((r) => r.timings.lookupWarm?.p99))} | ${range(pick((r) => r.timings.home?.p99))} | ${range(pick((r) => r.timings.setPage?.p99))} | ${range(pick((r) => r.startupMs / 1000), (x) => x.toFixed(2))} | ` +
        `${range(pick((r) => r.store.bytesPerFile), (x) => x.toFixed(0))} (${range(pick((r) => r.store.indexBytesPerFile), (x) => x.toFixed(0))}) |`,
    );
  }
  if (sizes.length >= 2) {
    const reference = bySize.has(REFERENCE_FILES) && sizes[sizes.length - 1] !== REFERENCE_FILES ? REFERENCE_FILES : sizes[0]!;
    const small = bySize.get(reference)!;
    const large = bySize.get(sizes[sizes.length - 1]!)!;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
    const ratio = (f: (r: RunRecord) => number | undefined) => median(large.map(f).filter((x): x is number => x !== undefined)) / median(small.map(f).filter((x): x is number => x !== undefined));
    log(`\nmemory ${sizes[sizes.length - 1]!.toLocaleString('en')} / ${reference.toLocaleString('en')} files (medians; flat means ≈ 1): peak RSS ${ratio((r) => r.memory?.maxRssMiB).toFixed(2)}, anonymous RSS ${ratio((r) => r.memory?.rssAnonMiB).toFixed(2)}, V8 heap ${ratio((r) => r.memory?.heapUsedMiB).toFixed(2)}, live heap after GC ${ratio((r) => r.memory?.heapLiveMiB).toFixed(2)}`);
  }
}
