/**
 * The latency bench's copy lookups around a copy-figure warm-up (after a start, after a census
 * round, after an operator-list change), timed one after another and reported against the
 * lookup target with their attribution (bench/catalogue/warm-trace.ts).
 *
 * A p99 needs samples: over 300 lookups it is the third slowest, and the same code measured
 * 2.8 and 6.5 ms in two runs back to back. So a warm-up that ends after a few hundred lookups
 * is measured over several of its kind (`pooled`), and the start, which happens once a run, over
 * the first 2,000 lookups after it whether or not its warm-up still runs (as `npm run
 * bench:catalogue` times it).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { CatalogueChild } from '../catalogue/serve-child.ts';
import { fmtMs, get, log, okJson, quantile, settleClient } from '../catalogue/http-timing.ts';
import { attribute, epochMs, type SentRequest, type WarmTrace } from '../catalogue/warm-trace.ts';
import type { CpuReply } from './request-cpu.ts';

/** Lookups between two asks whether the copy-figure warm-up still runs. */
const WARMING_CHECK = 25;
export const load = () => os.loadavg().map((l) => l.toFixed(1)).join('/');

/** Asks the catalogue for the CPU samples of the requests since the last ask. */
export async function cpuSince(server: CatalogueChild): Promise<CpuReply> {
  const reply = (await server.request({ kind: 'cpu' } as never)) as unknown as CpuReply | null;
  if (!reply || reply.kind !== 'cpu') throw new Error(`the catalogue sent no CPU samples: ${JSON.stringify(reply)}`);
  return reply;
}

/** One section's figures on one line: latency, CPU per request (arrival to end, and the handler alone), event loop. */
export function report(label: string, wall: number[], cpu: CpuReply, targetMs: number, loadBefore: string, problems: string[], note = ''): void {
  wall.sort((a, b) => a - b);
  const c = [...cpu.cpuMs].sort((a, b) => a - b);
  const own = [...cpu.ownMs].sort((a, b) => a - b);
  const p99 = quantile(wall, 0.99);
  const cpu99 = quantile(c, 0.99);
  const own99 = quantile(own, 0.99);
  log(
    `  ${label}: ${wall.length} requests${note}; latency p50 ${fmtMs(quantile(wall, 0.5))} p99 ${fmtMs(p99)} ms (${(p99 / targetMs).toFixed(2)} of the ${targetMs} ms target); ` +
      `catalogue CPU p50 ${fmtMs(quantile(c, 0.5))} p99 ${fmtMs(cpu99)} ms (${(cpu99 / targetMs).toFixed(2)} of target), of it the handler's own p50 ${fmtMs(quantile(own, 0.5))} p99 ${fmtMs(own99)} ms (${(own99 / targetMs).toFixed(2)}); ` +
      `event loop ${(100 * cpu.elu).toFixed(0)}% busy, delay p99 ${fmtMs(cpu.delay.p99)} max ${fmtMs(cpu.delay.max)} ms; ` +
      `load ${loadBefore} → ${load()}${problems.length ? `; PROBLEMS: ${problems.join(' | ')}` : ''}`,
  );
}

/** The lookups timed around one warm-up, with what the catalogue saw of them. */
export interface WarmingRun {
  wall: number[];
  sent: SentRequest[];
  problems: string[];
  cpu: CpuReply;
  trace: WarmTrace;
  /** Lookups sent while the warm-up was known to run (it is asked every WARMING_CHECK lookups). */
  during: number;
  /** The warm-up still ran when the URLs ran out (as last asked). */
  ranOut: boolean;
  ms: number;
  loadBefore: string;
  /** Sets the warm-up kept and walked, and its slices' longest wall time (ms). */
  kept?: number;
  walked?: number;
  sliceMaxMs?: number;
  slices?: number;
}

/**
 * Copy lookups one after another while the warm-up runs, and on until `atLeast` were timed;
 * stops when the URLs run out. The warm-up is asked about every WARMING_CHECK lookups.
 */
export async function timeWhileWarming(server: CatalogueChild, urls: string[], atLeast = 0): Promise<WarmingRun> {
  await cpuSince(server);
  await server.request({ kind: 'trace' } as never);
  settleClient();
  const loadBefore = load();
  const wall: number[] = [];
  const sent: SentRequest[] = [];
  const problems: string[] = [];
  const t0 = performance.now();
  let running = true;
  let during = 0;
  for (let i = 0; i < urls.length && (running || wall.length < atLeast); i += WARMING_CHECK) {
    if (running) {
      const reply = await server.request({ kind: 'warming' });
      running = reply?.kind === 'warming' && reply.running;
      if (running) during = i + WARMING_CHECK;
      else if (wall.length >= atLeast) break;
    }
    for (const u of urls.slice(i, i + WARMING_CHECK)) {
      const sentMs = epochMs();
      const r = await get(u);
      sent.push({ sentMs, doneMs: epochMs() });
      wall.push(r.ms);
      const p = okJson(true)(r.status, r.body);
      if (p && problems.length < 3) problems.push(p);
    }
  }
  during = Math.min(during, wall.length);
  const ms = performance.now() - t0;
  const cpu = await cpuSince(server);
  const trace = (await server.request({ kind: 'trace' } as never)) as unknown as WarmTrace;
  const warmed = await server.request({ kind: 'warmed' });
  const w = warmed?.kind === 'warmed' ? warmed : undefined;
  return { wall, sent, problems, cpu, trace, during, ranOut: running, ms, loadBefore, kept: w?.sets?.kept, walked: w?.sets?.walked, sliceMaxMs: w?.slices?.wall.max, slices: w?.slices?.count };
}

/** Several runs' lookups as one sample: latency, CPU and attribution over all of them. */
export function reportWarming(label: string, runs: WarmingRun[], targetMs: number): void {
  const wall = runs.flatMap((r) => r.wall);
  const cpu: CpuReply = {
    kind: 'cpu',
    cpuMs: runs.flatMap((r) => r.cpu.cpuMs),
    ownMs: runs.flatMap((r) => r.cpu.ownMs),
    elu: runs.reduce((k, r) => k + r.cpu.elu * r.ms, 0) / Math.max(1, runs.reduce((k, r) => k + r.ms, 0)),
    delay: { p50: Math.max(...runs.map((r) => r.cpu.delay.p50)), p99: Math.max(...runs.map((r) => r.cpu.delay.p99)), max: Math.max(...runs.map((r) => r.cpu.delay.max)) },
  };
  const each = runs.map((r) => `${r.wall.length} in ${fmtMs(r.ms)} ms${r.during < r.wall.length ? ` (${r.during} while it ran)` : ''}${r.ranOut ? ' (it still ran when the URLs ran out)' : ''}`);
  const note = runs.length > 1 ? ` over ${runs.length} warm-ups (${each.join(', ')})` : ` ${each[0]!.replace(/^\d+ /, '')}`;
  report(label, wall, cpu, targetMs, runs[0]!.loadBefore, runs.flatMap((r) => r.problems).slice(0, 3), note);
  const trace: WarmTrace = { kind: 'trace', requests: runs.flatMap((r) => r.trace.requests), gcs: runs.flatMap((r) => r.trace.gcs), slices: runs.flatMap((r) => r.trace.slices), majorFaults: runs.reduce((k, r) => k + r.trace.majorFaults, 0) };
  for (const line of attribute(runs.flatMap((r) => r.sent), trace)) log(line);
  const walked = runs.map((r) => (r.walked === undefined ? '?' : `${r.walked.toLocaleString('en')} walked, ${(r.kept ?? 0).toLocaleString('en')} kept`));
  log(`    sets per warm-up: ${walked.join('; ')}; the warm-ups' slices: ${runs.map((r) => `${r.slices ?? 0}, longest ${fmtMs(r.sliceMaxMs ?? 0)} ms`).join('; ')} (what a lookup arriving meanwhile waits for, at most)`);
}
