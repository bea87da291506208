/**
 * The catalogue's start-up, phase by phase (issue 13: start-up to serving ≤ 10 s), and the
 * cold start the bench measures with `--cold`: only the store's file is dropped from the page
 * cache (posix_fadvise DONTNEED on data.mdb), never the machine's caches, which other runs on
 * the machine are measuring with.
 *
 * Per phase: wall time, CPU time (user + system), major page faults (a read that waited for
 * the disk), minor faults, and garbage-collection pauses. Wall minus CPU is time spent waiting
 * (the disk, or the other processes on the 2 cores: the load is printed beside it).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** How long eviction (an fdatasync, then the advice) may take before the run fails. */
const EVICT_TIMEOUT_MS = 120_000;
/** Eviction rounds at most, and what may stay cached for it to count as done. */
const EVICT_ATTEMPTS = 5;
const EVICT_DONE_BYTES = 1024 * 1024;

/** One phase of startCatalogueServer as the child measured it. */
export interface StartPhase {
  phase: string;
  wallMs: number;
  cpuMs: number;
  majorFaults: number;
  minorFaults: number;
  gcMs: number;
  /** The store's mappings at the phase's end (LMDB maps it in 64 KiB chunks and unmaps them all at about 8,000). */
  storeMaps: number;
}

/** The store's page-cache residency around an eviction. */
export interface Eviction {
  file: string;
  bytes: number;
  residentBefore: number;
  residentAfter: number;
  ms: number;
}

/** Bytes of `file` in the page cache (util-linux fincore). */
async function residentBytes(file: string): Promise<number> {
  const { stdout } = await run('fincore', ['--bytes', '--noheadings', '--output', 'RES', file]);
  return Number(stdout.trim());
}

/**
 * Drops one file's pages from the page cache: written back first (fdatasync: DONTNEED leaves
 * dirty pages), then POSIX_FADV_DONTNEED over the whole file. Touches nothing else.
 */
export async function evictFromPageCache(file: string): Promise<Eviction> {
  const t0 = performance.now();
  const residentBefore = await residentBytes(file);
  // Pages still being written back (the observations the child just wrote) or mapped by another process are skipped by the advice: try again while some stay.
  const script = 'import os,sys\nfd=os.open(sys.argv[1],os.O_RDONLY)\nos.fdatasync(fd)\nos.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED)\nprint(os.fstat(fd).st_size)\nos.close(fd)';
  let bytes = 0;
  let residentAfter = residentBefore;
  for (let attempt = 0; attempt < EVICT_ATTEMPTS && residentAfter > EVICT_DONE_BYTES; attempt++) {
    const { stdout } = await run('python3', ['-c', script, file], { timeout: EVICT_TIMEOUT_MS });
    bytes = Number(stdout.trim());
    residentAfter = await residentBytes(file);
  }
  return { file, bytes, residentBefore, residentAfter, ms: performance.now() - t0 };
}

/** Mappings of the store's data.mdb in this process. */
function storeMappings(): number {
  let n = 0;
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) if (line.endsWith('/data.mdb')) n++;
  return n;
}

/** Records start-up phases: call `mark(name)` as each ends (startCatalogueServer's onStartPhase), then `phases()`. */
export class StartTrace {
  private readonly marks: Array<{ phase: string; at: number; cpuUs: number; major: number; minor: number; maps: number }> = [];
  private readonly gc: PerformanceEntry[] = [];
  private readonly observer = new PerformanceObserver((list) => void this.gc.push(...list.getEntries()));

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
    this.mark('');
  }

  /** Ends the current phase under `phase`. */
  mark(phase: string): void {
    const ru = process.resourceUsage();
    const at = performance.now();
    this.marks.push({ phase, at, cpuUs: ru.userCPUTime + ru.systemCPUTime, major: ru.majorPageFault, minor: ru.minorPageFault, maps: storeMappings() });
  }

  /** The phases so far (GC entries are delivered asynchronously: call after a turn of the event loop). */
  phases(): StartPhase[] {
    this.observer.disconnect();
    const out: StartPhase[] = [];
    for (let i = 1; i < this.marks.length; i++) {
      const a = this.marks[i - 1]!;
      const b = this.marks[i]!;
      const gcMs = this.gc.filter((e) => e.startTime >= a.at && e.startTime < b.at).reduce((k, e) => k + e.duration, 0);
      out.push({ phase: b.phase, wallMs: b.at - a.at, cpuMs: (b.cpuUs - a.cpuUs) / 1000, majorFaults: b.major - a.major, minorFaults: b.minor - a.minor, gcMs, storeMaps: b.maps });
    }
    return out;
  }
}

/** Prints the timeline: one line a phase and the total. */
export function formatStartPhases(phases: StartPhase[]): string[] {
  const total = phases.reduce((k, p) => ({ wallMs: k.wallMs + p.wallMs, cpuMs: k.cpuMs + p.cpuMs, majorFaults: k.majorFaults + p.majorFaults, minorFaults: k.minorFaults + p.minorFaults, gcMs: k.gcMs + p.gcMs, storeMaps: p.storeMaps }), { wallMs: 0, cpuMs: 0, majorFaults: 0, minorFaults: 0, gcMs: 0, storeMaps: 0 });
  const row = (name: string, p: Omit<StartPhase, 'phase'>) =>
    `    ${name.padEnd(34)} ${p.wallMs.toFixed(0).padStart(7)} ms wall ${p.cpuMs.toFixed(0).padStart(7)} ms CPU ${p.gcMs.toFixed(0).padStart(6)} ms GC ${String(p.majorFaults).padStart(7)} major ${String(p.minorFaults).padStart(8)} minor faults ${String(p.storeMaps).padStart(6)} store maps`;
  return [...phases.map((p) => row(p.phase, p)), row('total', total)];
}
