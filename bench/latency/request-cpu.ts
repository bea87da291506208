/**
 * CPU time per HTTP request inside the catalogue process, for the latency bench: the bench's
 * client sends one request at a time, so the process's CPU time between a request's arrival
 * and its response's end is that request's cost, whatever else the machine runs. Background
 * work of the same thread (the copy-figure warm-up) that runs while a request waits counts in
 * that figure too; `ownMs` is the request's own CPU until its handler ends the response, and the
 * event-loop delay histogram says how long anything (a request included) waited for the loop.
 */
import http from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** What the catalogue child answers to `{ kind: 'cpu' }`: the samples since the last ask. */
export interface CpuReply {
  kind: 'cpu';
  /** CPU milliseconds (user + system, all threads) per finished request, from arrival to the response's end. */
  cpuMs: number[];
  /** CPU milliseconds from each request's arrival until its handler ends the response (what the request itself costs). */
  ownMs: number[];
  /** Event-loop utilisation since the last ask (0..1). */
  elu: number;
  /** Event-loop delay since the last ask (perf_hooks monitorEventLoopDelay, 1 ms resolution), milliseconds. */
  delay: { p50: number; p99: number; max: number };
}

/** Counts CPU per request on every node:http server this process starts, and answers `cpu` asks over IPC. */
export function installRequestCpu(): void {
  const samples: number[] = [];
  const own: number[] = [];
  let eluMark = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string, ...rest: unknown[]) {
    if (event !== 'request') return (emit as (...a: unknown[]) => boolean).apply(this, [event, ...rest]);
    const start = process.cpuUsage();
    const res = rest[1] as http.ServerResponse;
    res.once('finish', () => {
      const d = process.cpuUsage(start);
      samples.push((d.user + d.system) / 1000);
    });
    // Until the handler ends the response ('prefinish': end() handed the last bytes to the
    // socket): async middleware (the rate limiter) only awaits microtasks, so no background
    // slice runs in between. Not by wrapping res.end: an own `end` set on each response kept
    // every request's objects alive through two young collections (3.7 MB surviving each at
    // 1M files instead of 0.7, pauses 6-11 ms instead of 3-4): the bench slowed what it measured.
    res.once('prefinish', () => {
      const d = process.cpuUsage(start);
      own.push((d.user + d.system) / 1000);
    });
    return (emit as (...a: unknown[]) => boolean).apply(this, [event, ...rest]);
  } as typeof emit;
  process.on('message', (m: { kind?: string }) => {
    if (m.kind !== 'cpu') return;
    const elu = performance.eventLoopUtilization(eluMark);
    eluMark = performance.eventLoopUtilization();
    const ms = (ns: number) => ns / 1e6;
    const d = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) };
    delay.reset();
    process.send!({ kind: 'cpu', cpuMs: samples.splice(0), ownMs: own.splice(0), elu: elu.utilization, delay: d } satisfies CpuReply);
  });
}
