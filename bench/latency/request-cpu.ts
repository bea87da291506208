/**
 * CPU time per HTTP request inside the catalogue process, for the latency bench: the bench's
 * client sends one request at a time, so the process's CPU time between a request's arrival
 * and its response's end is that request's cost, whatever else the machine runs.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** What the catalogue child answers to `{ kind: 'cpu' }`: the samples since the last ask. */
export interface CpuReply {
  kind: 'cpu';
  /** CPU milliseconds (user + system, all threads) per finished request. */
  cpuMs: number[];
  /** Event-loop utilisation since the last ask (0..1). */
  elu: number;
}

/** Counts CPU per request on every node:http server this process starts, and answers `cpu` asks over IPC. */
export function installRequestCpu(): void {
  const samples: number[] = [];
  let eluMark = performance.eventLoopUtilization();
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string, ...rest: unknown[]) {
    if (event === 'request') {
      const start = process.cpuUsage();
      const res = rest[1] as http.ServerResponse;
      res.once('finish', () => {
        const d = process.cpuUsage(start);
        samples.push((d.user + d.system) / 1000);
      });
    }
    return (emit as (...a: unknown[]) => boolean).apply(this, [event, ...rest]);
  } as typeof emit;
  process.on('message', (m: { kind?: string }) => {
    if (m.kind !== 'cpu') return;
    const elu = performance.eventLoopUtilization(eluMark);
    eluMark = performance.eventLoopUtilization();
    process.send!({ kind: 'cpu', cpuMs: samples.splice(0), elu: elu.utilization } satisfies CpuReply);
  });
}
