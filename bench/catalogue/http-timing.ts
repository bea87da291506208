/**
 * Timed HTTP requests for the catalogue bench: one kept-alive client asking one URL after
 * another (like a person clicking), p50/p90/p99 per section, a time budget per section so a
 * slow page cannot stall the run, and checks that each answer is what it should be.
 */
import http from 'node:http';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { ClientRecord } from './request-trace.ts';

/** Per HTTP section: stop early (and say so) rather than run for ever on a slow page. */
export const SECTION_BUDGET_MS = 60_000;

/** Milliseconds with as many decimals as they deserve. */
export const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
/** Milliseconds as seconds, one decimal. */
export const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** One line on stdout. */
export const log = (line: string) => process.stdout.write(`${line}\n`);

/** The one kept-alive connection every timed request goes over. */
export const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET on a kept-alive connection; the time is until the last body byte. */
export function get(url: string): Promise<{ status: number; ms: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

export interface Timing {
  label: string;
  how: string;
  planned: number;
  samples: number[];
  errors: string[];
  bytes: number;
  cutShort: boolean;
  /** Per request, what the bench process itself spent on it (CPU, being descheduled, its own GC). */
  client?: ClientRecord[];
}

/** The q-quantile of sorted samples (nearest rank). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Requests the URLs one after another (one client, like a person clicking), within the section budget. */
/** One full garbage collection in this process now (turns on V8's gc function the first time). */
export function fullCollection(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/**
 * One full collection in the client's process before a timed section: what it allocated
 * loading the bench's index and in the section before is not collected under the section's
 * first requests (young collections of 5-8 ms in the client at 10M, landing on a lookup's
 * figure as time after the catalogue's response was sent).
 */
export const settleClient = fullCollection;

export async function timeRequests(label: string, how: string, urls: string[], check: (status: number, body: Buffer) => string | null, budgetMs = SECTION_BUDGET_MS): Promise<Timing> {
  settleClient();
  const t: Timing = { label, how, planned: urls.length, samples: [], errors: [], bytes: 0, cutShort: false, client: [] };
  const started = performance.now();
  // The client's own GC pauses, matched to the request they fell in (a slow figure may be the bench's own).
  const gcs: Array<{ start: number; ms: number }> = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, ms: e.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const windows: Array<[number, number]> = [];
  for (const u of urls) {
    if (performance.now() - started > budgetMs) {
      t.cutShort = true;
      break;
    }
    const ru0 = process.resourceUsage();
    const t0 = performance.now();
    const r = await get(u);
    const ru1 = process.resourceUsage();
    windows.push([t0, t0 + r.ms]);
    t.client!.push({ ms: r.ms, cpuMs: (ru1.userCPUTime + ru1.systemCPUTime - ru0.userCPUTime - ru0.systemCPUTime) / 1000, involuntarySwitches: ru1.involuntaryContextSwitches - ru0.involuntaryContextSwitches, gcMs: 0 });
    t.samples.push(r.ms);
    t.bytes += r.body.length;
    const problem = check(r.status, r.body);
    if (problem && t.errors.length < 5) t.errors.push(problem);
  }
  // GC entries are delivered after the fact: wait one turn so the last ones are in.
  await new Promise<void>((resolve) => setImmediate(resolve));
  gcObserver.disconnect();
  t.client!.forEach((c, i) => {
    const [a, b] = windows[i]!;
    c.gcMs = gcs.filter((g) => g.start >= a && g.start < b).reduce((k, g) => k + g.ms, 0);
  });
  const s = [...t.samples].sort((a, b) => a - b);
  log(
    `  ${label}: ${t.samples.length}${t.cutShort ? ` of ${t.planned} (stopped at the ${fmtS(SECTION_BUDGET_MS)} budget)` : ''} requests, ` +
      `p50 ${fmtMs(quantile(s, 0.5))} ms, p90 ${fmtMs(quantile(s, 0.9))} ms, p99 ${fmtMs(quantile(s, 0.99))} ms, max ${fmtMs(s[s.length - 1] ?? NaN)} ms, ` +
      `${Math.round(t.bytes / Math.max(1, t.samples.length) / 1024)} KiB avg${t.errors.length ? `; PROBLEMS: ${t.errors.join(' | ')}` : ''}`,
  );
  return t;
}

/** A copy lookup (wantCopies) or a location lookup answered with what it should hold. */
export const okJson = (wantCopies: boolean) => (status: number, body: Buffer): string | null => {
  if (status !== 200) return `HTTP ${status}: ${body.toString('utf8', 0, 200)}`;
  const j = JSON.parse(body.toString('utf8')) as { kind?: string; file?: { copies?: number }; files?: unknown[] };
  if (wantCopies && (j.kind !== 'found' || typeof j.file?.copies !== 'number')) return `unexpected body ${body.toString('utf8', 0, 200)}`;
  if (!wantCopies && !j.files?.length) return `no locations: ${body.toString('utf8', 0, 200)}`;
  return null;
};
/** A whole HTML page. */
export const okHtml = (status: number, body: Buffer): string | null => (status === 200 && body.includes('</html>') ? null : `HTTP ${status}: ${body.toString('utf8', 0, 200)}`);
/** A Prometheus scrape with the copy gauges. */
export const okMetrics = (status: number, body: Buffer): string | null => (status === 200 && body.includes('seedbank_files_without_copy') ? null : `HTTP ${status}: ${body.toString('utf8', 0, 200)}`);
