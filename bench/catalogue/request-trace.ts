/**
 * Per-request instrumentation of the catalogue child (issue 13 §1, the copy lookup's slow 1%):
 * for each HTTP request the server handles while a trace runs, its wall time inside the server
 * (request start to response finish, from node:diagnostics_channel), the deltas of
 * process.resourceUsage() over it (page faults, context switches, CPU), the garbage collections
 * that ran inside it (PerformanceObserver 'gc'), and how many reads it made of each LMDB table
 * (the store's table methods wrapped while the trace runs). The parent then prints what the
 * slowest 1% have in common against the median requests (summariseTrace).
 */
import diagnostics from 'node:diagnostics_channel';
import os from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { log } from './http-timing.ts';

/** One traced request, as the child records it. */
export interface RequestRecord {
  url: string;
  wallMs: number;
  userMs: number;
  systemMs: number;
  majorFaults: number;
  minorFaults: number;
  voluntarySwitches: number;
  involuntarySwitches: number;
  /** Garbage collections that started inside the request, and their summed duration. */
  gcCount: number;
  gcMs: number;
  /** Reads per table ("fileIndex.get": 1, ...), only tables read. */
  reads: Record<string, number>;
  /** From the previous traced request's finish to this one's start: how long, and how much of it the event loop was busy (timers, background work delaying the read of this request). */
  gapMs: number;
  gapBusyMs: number;
  /** Garbage collections that started in that gap (the server's heap, collected between requests), summed. */
  gapGcMs: number;
}

/** What the client (the bench process) spent on one request, beside the server's record. */
export interface ClientRecord {
  ms: number;
  cpuMs: number;
  involuntarySwitches: number;
  gcMs: number;
}

/** Table methods that read; each call counts as one read (a range read counts once), calls made inside another counted one (lmdb-js's get calls getBinaryFast) do not. */
const READ_METHODS = ['get', 'getBinaryFast', 'getRange', 'getKeys', 'getValues', 'doesExist'] as const;

type Usage = NodeJS.ResourceUsage;
interface Open {
  t0: number;
  ru: Usage;
  reads: Map<string, number>;
  gapMs: number;
  gapBusyMs: number;
}

/** A running trace in the child; `stop` returns what it recorded and undoes every hook. */
export interface ChildTrace {
  stop(): TraceResult;
}

/** What a trace recorded: the requests, and every garbage collection over the trace by kind. */
export interface TraceResult {
  records: RequestRecord[];
  /** By V8's kind name (scavenge, mark-compact, incremental marking, weak callbacks): count, summed and longest pause. */
  gc: Record<string, { count: number; ms: number; maxMs: number }>;
}

/** perf_hooks' GC kinds (constants.NODE_PERFORMANCE_GC_*). */
const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental marking', 8: 'weak callbacks' };

/**
 * Starts tracing requests whose URL starts with `prefix`, counting reads of the given tables
 * (the store's open tables, a name → Database object; their read methods are wrapped until stop).
 * Requests are expected one at a time (the bench's single kept-alive client).
 */
export function startChildTrace(prefix: string, tables: Record<string, object>): ChildTrace {
  const records: RequestRecord[] = [];
  /** Each record's window [start, finish] (performance.now()), to match GC entries to it. */
  const windows: Array<[number, number]> = [];
  const gcs: Array<{ start: number; ms: number; kind: number }> = [];
  let open: Open | null = null;
  /** Event-loop utilisation and time at the last traced finish (or the trace start). */
  let lastElu = performance.eventLoopUtilization();
  let lastFinish = performance.now();
  const requests = new WeakMap<object, { url: string } & Open>();
  /** Depth of counted calls in progress, so a read made inside another is not counted twice. */
  let depth = 0;
  const undo: Array<() => void> = [];
  for (const [name, db] of Object.entries(tables)) {
    if (name === 'env' || !db) continue;
    for (const m of READ_METHODS) {
      const original = (db as Record<string, unknown>)[m];
      if (typeof original !== 'function') continue;
      const own = Object.prototype.hasOwnProperty.call(db, m);
      const key = `${name}.${m}`;
      (db as Record<string, unknown>)[m] = function (this: unknown, ...a: unknown[]) {
        if (depth === 0 && open) open.reads.set(key, (open.reads.get(key) ?? 0) + 1);
        depth++;
        try {
          return (original as (...x: unknown[]) => unknown).apply(this, a);
        } finally {
          depth--;
        }
      };
      undo.push(() => {
        if (own) (db as Record<string, unknown>)[m] = original;
        else delete (db as Record<string, unknown>)[m];
      });
    }
  }
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, ms: e.duration, kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0 });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const onStart = (m: unknown) => {
    const { request } = m as { request: { url?: string } };
    if (!request.url?.startsWith(prefix)) return;
    const t0 = performance.now();
    const elu = performance.eventLoopUtilization(lastElu);
    open = { t0, ru: process.resourceUsage(), reads: new Map(), gapMs: t0 - lastFinish, gapBusyMs: elu.active };
    requests.set(request, { url: request.url, ...open });
  };
  const onFinish = (m: unknown) => {
    const { request } = m as { request: object };
    const r = requests.get(request);
    if (!r) return;
    const t1 = performance.now();
    const ru = process.resourceUsage();
    requests.delete(request);
    if (open?.t0 === r.t0) open = null;
    records.push({
      url: r.url,
      wallMs: t1 - r.t0,
      userMs: (ru.userCPUTime - r.ru.userCPUTime) / 1000,
      systemMs: (ru.systemCPUTime - r.ru.systemCPUTime) / 1000,
      majorFaults: ru.majorPageFault - r.ru.majorPageFault,
      minorFaults: ru.minorPageFault - r.ru.minorPageFault,
      voluntarySwitches: ru.voluntaryContextSwitches - r.ru.voluntaryContextSwitches,
      involuntarySwitches: ru.involuntaryContextSwitches - r.ru.involuntaryContextSwitches,
      // GC entries arrive after the fact: matched to their request when the trace stops.
      gcCount: 0,
      gcMs: 0,
      reads: Object.fromEntries(r.reads),
      gapMs: r.gapMs,
      gapBusyMs: r.gapBusyMs,
      gapGcMs: 0,
    });
    windows.push([r.t0, t1]);
    lastElu = performance.eventLoopUtilization();
    lastFinish = performance.now();
  };
  diagnostics.subscribe('http.server.request.start', onStart);
  diagnostics.subscribe('http.server.response.finish', onFinish);
  return {
    stop() {
      diagnostics.unsubscribe('http.server.request.start', onStart);
      diagnostics.unsubscribe('http.server.response.finish', onFinish);
      gcObserver.disconnect();
      for (const u of undo) u();
      records.forEach((r, i) => {
        const [t0, t1] = windows[i]!;
        const inside = gcs.filter((g) => g.start >= t0 && g.start < t1);
        r.gcCount = inside.length;
        r.gcMs = inside.reduce((k, g) => k + g.ms, 0);
        const before = gcs.filter((g) => g.start >= t0 - r.gapMs && g.start < t0);
        r.gapGcMs = before.reduce((k, g) => k + g.ms, 0);
      });
      const gc: TraceResult['gc'] = {};
      for (const g of gcs) {
        const k = (gc[GC_KINDS[g.kind] ?? `kind ${g.kind}`] ??= { count: 0, ms: 0, maxMs: 0 });
        k.count++;
        k.ms += g.ms;
        k.maxMs = Math.max(k.maxMs, g.ms);
      }
      return { records, gc };
    },
  };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const f2 = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2)) : '-');
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

/** One figure of a group of requests: the mean, and the share of requests where it is above zero. */
function figure(rs: RequestRecord[], pick: (r: RequestRecord) => number): string {
  const xs = rs.map(pick);
  return `${f2(mean(xs))} (${Math.round((100 * xs.filter((x) => x > 0).length) / Math.max(1, xs.length))}% >0)`;
}

/**
 * Prints what the slowest 1% of the traced requests (by the client's time, `clientMs` in the
 * same order, else the server's) have in common against the median ones (the 45th-55th
 * percentiles): wall and CPU time, faults, context switches, GC, and reads per table.
 */
export function summariseTrace(label: string, trace: TraceResult, client?: ClientRecord[]): void {
  const { records } = trace;
  const paired = client && client.length === records.length;
  if (client && !paired) log(`  request trace, ${label}: ${client.length} client records for ${records.length} server records: shown by the server's time`);
  const ms = (i: number) => (paired ? client[i]!.ms : records[i]!.wallMs);
  const cl = (r: RequestRecord, pick: (c: ClientRecord) => number) => (paired ? pick(client[records.indexOf(r)]!) : NaN);
  const order = records.map((_, i) => i).sort((a, b) => ms(a) - ms(b));
  const n = order.length;
  if (n === 0) return;
  const slowest = order.slice(n - Math.max(1, Math.round(n / 100))).map((i) => records[i]!);
  const median = order.slice(Math.floor(n * 0.45), Math.ceil(n * 0.55)).map((i) => records[i]!);
  log(`  request trace, ${label}: ${n} requests; load ${load()}`);
  log(`    ${'figure'.padEnd(30)} ${'slowest 1%'.padEnd(22)} median (p45-p55)`);
  const rows: Array<[string, (r: RequestRecord) => number]> = [
    ['client ms', (r) => ms(records.indexOf(r))],
    ['client - server ms', (r) => ms(records.indexOf(r)) - r.wallMs],
    ['client CPU ms', (r) => cl(r, (c) => c.cpuMs)],
    ['client involuntary switches', (r) => cl(r, (c) => c.involuntarySwitches)],
    ['client GC ms', (r) => cl(r, (c) => c.gcMs)],
    ['server gap before ms', (r) => r.gapMs],
    ['server busy in gap ms', (r) => r.gapBusyMs],
    ['server GC in gap ms', (r) => r.gapGcMs],
    ['server wall ms', (r) => r.wallMs],
    ['CPU user ms', (r) => r.userMs],
    ['CPU system ms', (r) => r.systemMs],
    ['wall - CPU ms (waiting)', (r) => r.wallMs - r.userMs - r.systemMs],
    ['major page faults', (r) => r.majorFaults],
    ['minor page faults', (r) => r.minorFaults],
    ['voluntary switches', (r) => r.voluntarySwitches],
    ['involuntary switches', (r) => r.involuntarySwitches],
    ['GCs', (r) => r.gcCount],
    ['GC ms', (r) => r.gcMs],
    ['table reads', (r) => Object.values(r.reads).reduce((a, b) => a + b, 0)],
  ];
  for (const [name, pick] of rows) log(`    ${name.padEnd(30)} ${figure(slowest, pick).padEnd(22)} ${figure(median, pick)}`);
  const tables = [...new Set(records.flatMap((r) => Object.keys(r.reads)))].sort();
  const perTable = (rs: RequestRecord[], t: string) => f2(mean(rs.map((r) => r.reads[t] ?? 0)));
  log(`    reads per request by table (all / slowest 1%): ${tables.map((t) => `${t} ${perTable(records, t)}/${perTable(slowest, t)}`).join(', ')}`);
  // Load-independent beside the wall times: CPU per request (the work), and how often the young generation is collected.
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil(p * xs.length) - 1))]!;
  const cpu = records.map((r) => r.userMs + r.systemMs);
  const wall = records.map((r) => r.wallMs);
  const scavenges = trace.gc.scavenge?.count ?? 0;
  log(`    server per request: CPU p50 ${f2(pct(cpu, 0.5))} ms, p99 ${f2(pct(cpu, 0.99))} ms; wall p50 ${f2(pct(wall, 0.5))} ms, p99 ${f2(pct(wall, 0.99))} ms; ${f2((1000 * scavenges) / n)} young-generation collections per 1,000 requests`);
  log(`    server GCs over the trace: ${Object.entries(trace.gc).map(([k, g]) => `${k} ${g.count} (${f2(g.ms)} ms, longest ${f2(g.maxMs)})`).join(', ') || 'none'}`);
  // The slow ones one by one: the figures side by side show which cause each had.
  for (const r of slowest.slice(-10).reverse()) {
    const i = records.indexOf(r);
    const c = paired ? client[i]! : null;
    const side = c ? ` (client CPU ${f2(c.cpuMs)} ms, ${c.involuntarySwitches} invol, GC ${f2(c.gcMs)} ms)` : '';
    log(`    slow: client ${f2(ms(i))} ms${side}, server busy before it ${f2(r.gapBusyMs)} of ${f2(r.gapMs)} ms (GC ${f2(r.gapGcMs)}), server ${f2(r.wallMs)} ms, CPU ${f2(r.userMs)}+${f2(r.systemMs)} ms, faults ${r.majorFaults} major/${r.minorFaults} minor, switches ${r.voluntarySwitches} vol/${r.involuntarySwitches} invol, GC ${r.gcCount} (${f2(r.gcMs)} ms)`);
  }
}
