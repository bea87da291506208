/**
 * What a request made while the copy figures warm up waited for (issue 13 §1, the lookup p99
 * during the warm-up): the catalogue child keeps a timeline of its requests (arrival, handler
 * end), garbage collections and warm-up slices; the bench keeps when it sent each request and
 * got its answer; {@link attribute} lays the two side by side (one clock: epoch milliseconds)
 * and says, for the slow requests, how much of the wait was a slice, a GC, or the handler.
 */
import http from 'node:http';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import type { WarmSlice } from '../../services/tracker-web/redundancy/copy-index.ts';

/** Epoch milliseconds with sub-millisecond precision, comparable across the two processes. */
export const epochMs = () => performance.timeOrigin + performance.now();

/** One request as the catalogue saw it. */
export interface ServedRequest {
  arrivalMs: number;
  endMs: number;
  /** When the response's last bytes went to the kernel ('finish'). */
  finishMs: number;
}

/** One garbage collection (its pause on the main thread). */
export interface GcPause {
  startMs: number;
  ms: number;
  kind: number;
}

/** The child's timeline since the last ask. */
export interface WarmTrace {
  kind: 'trace';
  requests: ServedRequest[];
  gcs: GcPause[];
  slices: WarmSlice[];
  /** Major page faults (a page read from disk) since the last ask. */
  majorFaults: number;
}

/** Child: records requests, GC pauses and (through `observe`) warm-up slices; answers `{ kind: 'trace' }` over IPC. */
export function installWarmTrace(observe: (onSlice: (s: WarmSlice) => void) => void): void {
  const requests: ServedRequest[] = [];
  const gcs: GcPause[] = [];
  const slices: WarmSlice[] = [];
  observe((s) => slices.push(s));
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ startMs: performance.timeOrigin + e.startTime, ms: e.duration, kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0 });
  }).observe({ entryTypes: ['gc'] });
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string, ...rest: unknown[]) {
    if (event === 'request') {
      const r: ServedRequest = { arrivalMs: epochMs(), endMs: NaN, finishMs: NaN };
      requests.push(r);
      const res = rest[1] as http.ServerResponse;
      res.once('finish', () => (r.finishMs = epochMs()));
      // When the handler's end() handed the response to the socket; not by wrapping res.end,
      // which kept every request alive through young collections (request-cpu.ts).
      res.once('prefinish', () => (r.endMs = epochMs()));
    }
    return (emit as (...a: unknown[]) => boolean).apply(this, [event, ...rest]);
  } as typeof emit;
  let faults = process.resourceUsage().majorPageFault;
  process.on('message', (m: { kind?: string }) => {
    if (m.kind !== 'trace') return;
    const now = process.resourceUsage().majorPageFault;
    process.send!({ kind: 'trace', requests: requests.splice(0), gcs: gcs.splice(0), slices: slices.splice(0), majorFaults: now - faults } satisfies WarmTrace);
    faults = now;
  });
}

/** One request as the bench saw it. */
export interface SentRequest {
  sentMs: number;
  doneMs: number;
}

/** Milliseconds of [a0, a1] that [b0, b1] covers. */
const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/**
 * For the slowest `share` of the requests: total time, how long before the handler began
 * (waiting for the event loop), the handler's wall time, and how much of the request's span a
 * warm-up slice or a GC pause covered; the lines to print.
 */
export function attribute(sent: SentRequest[], trace: WarmTrace, share = 0.01): string[] {
  if (sent.length !== trace.requests.length) return [`    (trace: ${sent.length} requests sent, ${trace.requests.length} seen by the catalogue: not attributed)`];
  const rows = sent.map((s, i) => {
    const r = trace.requests[i]!;
    const slices = trace.slices.filter((x) => x.endMs > s.sentMs && x.endMs - x.wallMs < s.doneMs);
    const gcs = trace.gcs.filter((g) => g.startMs + g.ms > s.sentMs && g.startMs < s.doneMs);
    return {
      total: s.doneMs - s.sentMs,
      wait: r.arrivalMs - s.sentMs,
      handler: r.endMs - r.arrivalMs,
      flush: r.finishMs - r.endMs,
      after: s.doneMs - r.finishMs,
      slice: slices.reduce((k, x) => k + overlap(s.sentMs, s.doneMs, x.endMs - x.wallMs, x.endMs), 0),
      sliceMax: slices.reduce((k, x) => Math.max(k, x.wallMs), 0),
      what: slices.map((x) => `${x.volumes}v/${x.sets}s/${x.layoutReads}l`).join(' '),
      gc: gcs.reduce((k, g) => k + overlap(s.sentMs, s.doneMs, g.startMs, g.startMs + g.ms), 0),
      gcKinds: [...new Set(gcs.map((g) => g.kind))].join(','),
    };
  });
  rows.sort((a, b) => b.total - a.total);
  const slow = rows.slice(0, Math.max(1, Math.ceil(rows.length * share)));
  const sum = (f: (r: (typeof rows)[number]) => number) => slow.reduce((k, r) => k + f(r), 0);
  const f = (ms: number) => ms.toFixed(2);
  const gcAll = trace.gcs.reduce((k, g) => k + g.ms, 0);
  const big = [...trace.slices].sort((a, b) => b.wallMs - a.wallMs).slice(0, 5);
  const gcIn = (x: WarmSlice) => trace.gcs.reduce((k, g) => k + overlap(x.endMs - x.wallMs, x.endMs, g.startMs, g.startMs + g.ms), 0);
  const over = trace.slices.filter((x) => x.wallMs > 2);
  const overGc = over.reduce((k, x) => k + gcIn(x), 0);
  return [
    `    slowest ${slow.length} of ${rows.length}: total ${f(sum((r) => r.total))} ms = before the handler ${f(sum((r) => r.wait))} (of it a slice ${f(sum((r) => r.slice))}, GC ${f(sum((r) => r.gc))}) + handler ${f(sum((r) => r.handler))} + flush ${f(sum((r) => r.flush))} + after the flush (the client's side) ${f(sum((r) => r.after))} ms`,
    ...slow.slice(0, 8).map((r) => `      ${f(r.total)} ms: wait ${f(r.wait)} handler ${f(r.handler)} flush ${f(r.flush)} after ${f(r.after)} slice ${f(r.slice)} (longest ${f(r.sliceMax)}: ${r.what || '-'}) GC ${f(r.gc)} (kinds ${r.gcKinds || '-'})`),
    `    major page faults (reads from disk) in the catalogue over the section: ${trace.majorFaults}; GC: ${trace.gcs.length} pauses, ${f(gcAll)} ms, longest ${f(trace.gcs.reduce((k, g) => Math.max(k, g.ms), 0))} ms; ${over.length} slices over 2 ms (${f(over.reduce((k, x) => k + x.wallMs, 0))} ms, of it GC ${f(overGc)} ms); longest slices: ${big.map((x) => `${f(x.wallMs)} ms (GC ${f(gcIn(x))}, cpu ${f(x.cpuMs)}, ${x.volumes} volumes, ${x.sets} sets, ${x.layoutReads} layout reads)`).join('; ')}`,
  ];
}
