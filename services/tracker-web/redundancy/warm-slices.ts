/**
 * The copy-figure warm-up's slicing: it works in slices of about WARM_SLICE_MS, hands the event
 * loop back between them, and while requests keep arriving rests before the next one, so a
 * catalogue warming its figures keeps answering lookups. Each slice is recorded (wall and CPU
 * histograms, and an observer the bench traces with).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';

/** /proc/thread-self/schedstat of the thread that first asked (the main thread: the slicer runs there), kept open; null where there is none. */
let schedstat: number | null | undefined;
const schedBuf = Buffer.alloc(64);

/** The process's CPU time in microseconds (one getrusage call). */
function processCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * CPU time of this (the main) thread in microseconds: a slice's own CPU, without the warm-up
 * worker's or LMDB's threads beside it (process.cpuUsage counts every thread). Linux's
 * schedstat in nanoseconds; elsewhere the whole process's CPU. A read costs about 10 us, so it
 * is used only while a worker runs beside the slices.
 */
function threadCpuUs(): number {
  if (schedstat === undefined) {
    try {
      schedstat = openSync('/proc/thread-self/schedstat', 'r');
      process.once('exit', () => closeSync(schedstat!));
    } catch {
      schedstat = null;
    }
  }
  if (schedstat !== null) {
    const n = readSync(schedstat, schedBuf, 0, schedBuf.length, 0);
    const ns = Number(schedBuf.toString('latin1', 0, n).split(' ', 1)[0]);
    if (Number.isFinite(ns)) return ns / 1000;
  }
  return processCpuUs();
}

/**
 * How long one slice of the background warm-up may hold the event loop: it stops between two
 * volumes once past this, so a request waits at most this plus one volume's figures (about
 * 0.05 ms for a wholly held volume, 0.2-0.5 ms for a partly held one whose layout is read).
 */
export const WARM_SLICE_MS = 0.5;
/**
 * While requests keep arriving, the warm-up rests between slices until none has come for a
 * timer tick (about 1 ms), but at most this long in a row, so that a steady stream of requests
 * slows it down without stopping it. A request waits for a slice only when the slice began
 * before the request came; the fewer slices per request, the fewer requests meet one that ran
 * long (a garbage collection or a page read inside it).
 */
export const WARM_MAX_REST_MS = 3;

/** One slice of the background warm-up, as the bench traces it. */
export interface WarmSlice {
  /** When it handed the event loop back (epoch milliseconds, sub-millisecond). */
  endMs: number;
  wallMs: number;
  /** CPU during the slice: the process's, or, while the warm-up's worker runs beside, the main thread's own. */
  cpuMs: number;
  volumes: number;
  sets: number;
  layoutReads: number;
}

/** Every slice of one warm-up: how long each held the event loop, wall and CPU, in microseconds. */
export interface WarmSliceFigures {
  count: number;
  wallUs: RecordableHistogram;
  cpuUs: RecordableHistogram;
}

/** One warm-up's slicer: call `due()` between steps and `await slice()` when it says so. */
export class WarmSlicer {
  readonly figures: WarmSliceFigures = { count: 0, wallUs: createHistogram(), cpuUs: createHistogram() };
  /** Volumes and sets done in the current slice (the warm-up counts them). */
  volumes = 0;
  sets = 0;
  private start = performance.now();
  /** The slices' CPU clock: the process's (a getrusage call), or this thread's while a worker runs beside ({@link measureThreadCpu}). */
  private cpuClock: () => number = processCpuUs;
  private cpu = processCpuUs();
  private reads: number;

  /** `served`: requests answered so far; `layoutReads`: layouts read from the store so far; `observer`: who to tell of each slice (read at each slice: it may be set while a warm-up runs). */
  constructor(
    private readonly served: () => number,
    private readonly layoutReads: () => number,
    private readonly observer: () => ((s: WarmSlice) => void) | null,
  ) {
    this.reads = layoutReads();
  }

  /** Whether the current slice has run its time (checked before awaiting: an await per step allocated a promise each, 28 MB at 10M). */
  due(): boolean {
    return performance.now() - this.start >= WARM_SLICE_MS;
  }

  /** Starts the next slice's clock now, without recording one: after the warm-up waited (for its worker thread) rather than worked. */
  restart(): void {
    this.start = performance.now();
    this.cpu = this.cpuClock();
  }

  /** Counts each slice's CPU as this thread's from now on: a worker thread's CPU is not what a request waits for. */
  measureThreadCpu(): void {
    this.cpuClock = threadCpuUs;
    this.restart();
  }

  /** Ends the slice: records it, hands the event loop back, and rests while requests keep arriving. */
  async slice(): Promise<void> {
    const worked = performance.now() - this.start;
    const cpuUs = this.cpuClock() - this.cpu;
    const f = this.figures;
    f.count++;
    f.wallUs.record(Math.max(1, Math.round(worked * 1000)));
    f.cpuUs.record(Math.max(1, Math.round(cpuUs)));
    const reads = this.layoutReads();
    this.observer()?.({ endMs: performance.timeOrigin + performance.now(), wallMs: worked, cpuMs: cpuUs / 1000, volumes: this.volumes, sets: this.sets, layoutReads: reads - this.reads });
    this.volumes = 0;
    this.sets = 0;
    this.reads = reads;
    let before = this.served();
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Requests came while the slice ran: rest until a timer tick passes without one (at most WARM_MAX_REST_MS).
    for (let rested = performance.now(), t = rested; this.served() !== before && t - rested < WARM_MAX_REST_MS; t = performance.now()) {
      before = this.served();
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
    }
    this.start = performance.now();
    this.cpu = this.cpuClock();
  }
}
