/**
 * The catalogue bench's child processes and how the parent talks to them: the catalogue on
 * the cached store (answering IPC for stats, profiling, cache drops), and the Node HTTP
 * ceilings (a bare node:http server and Express 5 with a fixed announce reply).
 */
import { schedSince, threadSched, type ThreadSched } from './thread-sched.ts';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { fullCollection } from './http-timing.ts';
import { stopGroup, track } from './processes.ts';
import { writeObservations, type BenchIndex } from './build-store.ts';
import { simulateCensusRound } from './census-changes.ts';
import type { CopyIndex } from '../../services/tracker-web/redundancy/copy-index.ts';
import { startChildTrace, type ChildTrace, type TraceResult } from './request-trace.ts';
import { evictFromPageCache, StartTrace, type Eviction, type StartPhase } from './start-trace.ts';

const LOOPBACK = '127.0.0.1';
const SERVER_READY_TIMEOUT_MS = 120_000;
/** How long a closed catalogue child has to exit before its group is killed. */
const STOP_TIMEOUT_MS = 10_000;

/** What the catalogue child reports once it listens. */
export interface ServerReady {
  url: string;
  port: number;
  observations: number;
  /** startCatalogueServer, from the call until it resolved (listening). */
  startMs: number;
  /** startCatalogueServer phase by phase (start-trace.ts). */
  phases?: StartPhase[];
  /** With --cold: the store's file dropped from the page cache just before the start. */
  eviction?: Eviction;
}

/** Messages to the child. */
export type ParentMessage = { kind: 'profile-start' } | { kind: 'profile-stop'; file: string } | { kind: 'invalidate' } | { kind: 'census-round'; share: number } | { kind: 'warmed' } | { kind: 'warming' } | { kind: 'stats' } | { kind: 'heap-snapshot'; file: string } | { kind: 'loop-delay' } | { kind: 'trace-start'; prefix: string } | { kind: 'trace-stop' } | { kind: 'close' };

/** The child's memory and CPU. */
export interface ProcessStats {
  rssMiB: number;
  maxRssMiB: number;
  heapUsedMiB: number;
  /** V8 heap in use right after a full garbage collection. */
  heapLiveMiB?: number;
  heapTotalMiB: number;
  /** RSS split by Linux: anonymous (heap, buffers) and file-backed (mapped LMDB pages, code). */
  rssAnonMiB?: number;
  rssFileMiB?: number;
  /** Memory outside the V8 heap and LMDB's map: buffers Node holds. */
  externalMiB: number;
  cpuSeconds: number;
}

/** How long the latest warm-up's slices held the event loop, milliseconds (wall and CPU). */
export interface WarmSlices {
  count: number;
  wall: { p50: number; p99: number; max: number };
  cpu: { p50: number; p99: number; max: number };
  /** The main thread's CPU over every slice. */
  cpuTotalMs: number;
}

/** Where the bench's catalogue warms its copy figures: SEEDBANK_BENCH_WARM_UP=thread or main, else as the catalogue decides (auto). */
function warmUpPlace(): boolean | undefined {
  const v = process.env.SEEDBANK_BENCH_WARM_UP;
  return v === 'thread' ? true : v === 'main' ? false : undefined;
}

/** Messages from the child. */
export type ChildMessage =
  | ({ kind: 'ready' } & ServerReady)
  | { kind: 'profiled'; file: string }
  | { kind: 'heap-snapshot'; file: string; ms: number }
  | { kind: 'invalidated'; volumesChanged?: number }
  | { kind: 'warmed'; sinceStartMs: number; startWarmedMs: number | null; slices?: WarmSlices; worker?: { sets: number; wallMs: number; reniced: boolean; layoutReads: number; endedItself: boolean } | null; sets?: { kept: number; walked: number } | null }
  | { kind: 'warming'; running: boolean }
  | ({ kind: 'stats' } & ProcessStats)
  | { kind: 'loop-delay'; p50: number; p99: number; max: number; warming: boolean; sched: ThreadSched | null }
  | { kind: 'tracing' }
  | { kind: 'trace'; trace: TraceResult }
  | { kind: 'error'; message: string };

/**
 * Child: the catalogue server on the cached store, after writing fresh census observations;
 * with `cold`, the store's file is dropped from the page cache after those writes, right
 * before the start (a first start after a reboot or after other work).
 */
export async function serveChild(dataDir: string, indexFile: string, o: { cold?: boolean; onServer?: (server: { copies: CopyIndex }) => void } = {}): Promise<void> {
  const send = (m: ChildMessage) => process.send!(m);
  try {
    const index = JSON.parse(await readFile(indexFile, 'utf8')) as BenchIndex;
    const observations = await writeObservations(dataDir, index);
    const { startCatalogueServer, DEFAULT_BACKGROUND_NICE } = await import('../../services/tracker-web/server.ts');
    // Warnings and errors (a failed warm-up, a request that failed) go to stderr: a figure measured past a failure is not the figure.
    const { createLogger } = await import('../../shared/log.ts');
    const logger = createLogger({ level: 'warn', format: 'pretty' });
    const eviction = o.cold ? await evictFromPageCache(path.join(dataDir, 'catalogue.lmdb', 'data.mdb')) : undefined;
    const startTrace = new StartTrace();
    const t0 = performance.now();
    // The API's per-address limit (600 reads a minute) would turn a one-address bench into 429s.
    const server = await startCatalogueServer({ dataDir, port: 0, host: LOOPBACK, census: { autoStart: false }, rateLimits: { readPerMinute: 100_000_000 }, logger, onStartPhase: (p) => startTrace.mark(p), copyWarmUpOnWorker: warmUpPlace(), warmUpRequests: benchWarmUpRequests(), backgroundNice: benchBackgroundNice(DEFAULT_BACKGROUND_NICE) });
    const startMs = performance.now() - t0;
    // When the warm-up the start began ended (before serving when it fit the start's budget).
    let startWarmedMs: number | null = server.copies.warmingNow ? null : startMs;
    if (startWarmedMs === null) void server.copies.whenWarm().then(() => (startWarmedMs = performance.now() - t0));
    o.onServer?.(server);
    // How long anything (a request included) waited for the event loop, from start-up on; reset at every ask.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    let schedAtReset = threadSched();
    // GC entries arrive on a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    const phases = startTrace.phases();
    const { Session } = await import('node:inspector/promises');
    let session: InstanceType<typeof Session> | null = null;
    let trace: ChildTrace | null = null;
    process.on('message', (m: ParentMessage) => {
      void (async () => {
        if (m.kind === 'profile-start') {
          session = new Session();
          session.connect();
          await session.post('Profiler.enable');
          await session.post('Profiler.setSamplingInterval', { interval: 1000 });
          await session.post('Profiler.start');
        } else if (m.kind === 'profile-stop' && session) {
          const { profile } = await session.post('Profiler.stop');
          await writeFile(m.file, JSON.stringify(profile));
          session.disconnect();
          session = null;
          send({ kind: 'profiled', file: m.file });
        } else if (m.kind === 'invalidate') {
          // Every set's figures recomputed, as after an operator-list change (the server's operatorsChanged).
          server.copies.invalidate();
          void server.copies.warm();
          send({ kind: 'invalidated' });
        } else if (m.kind === 'census-round') {
          // A round that changed a share of the volumes' verdicts, ended by the server's own census.onRound.
          send({ kind: 'invalidated', volumesChanged: simulateCensusRound(server.census, m.share) });
        } else if (m.kind === 'warmed') {
          await server.copies.whenWarm();
          const w = server.copies.warmSlices;
          const ms = (h: { percentile(p: number): number; max: number }) => ({ p50: h.percentile(50) / 1000, p99: h.percentile(99) / 1000, max: h.max / 1000 });
          const slices = w && w.count > 0 ? { count: w.count, wall: ms(w.wallUs), cpu: ms(w.cpuUs), cpuTotalMs: (w.cpuUs.mean * w.count) / 1000 } : undefined;
          const last = server.copies.lastWarmUp;
          send({ kind: 'warmed', sinceStartMs: performance.now() - t0, startWarmedMs, slices, worker: last && { sets: last.sets, wallMs: last.wallMs, reniced: last.reniced, layoutReads: last.layoutReads, endedItself: last.endedItself }, sets: server.copies.warmUpSets });
        } else if (m.kind === 'loop-delay') {
          send({ kind: 'loop-delay', p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6, warming: server.copies.warmingNow, sched: schedSince(schedAtReset) });
          loopDelay.reset();
          schedAtReset = threadSched();
        } else if (m.kind === 'warming') {
          send({ kind: 'warming', running: server.copies.warmingNow });
        } else if (m.kind === 'stats') {
          // heapUsed counts garbage not yet collected; the live heap after a full GC is what grows or not.
          const before = process.memoryUsage();
          fullCollection();
          const mem = process.memoryUsage();
          const ru = process.resourceUsage();
          const mib = (b: number) => Math.round(b / 2 ** 20);
          // Linux splits RSS into anonymous memory (heap, buffers) and file-backed pages (LMDB's map, code).
          const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
          const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
          send({ kind: 'stats', rssMiB: mib(before.rss), maxRssMiB: Math.round(ru.maxRSS / 1024), heapUsedMiB: mib(before.heapUsed), heapLiveMiB: mib(mem.heapUsed), heapTotalMiB: mib(before.heapTotal), externalMiB: mib(mem.external), rssAnonMiB: Math.round(kb('RssAnon') / 1024), rssFileMiB: Math.round(kb('RssFile') / 1024), cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6 });
        } else if (m.kind === 'heap-snapshot') {
          // What stays alive at the end of a run, for heap-summary.ts (the snapshot collects garbage first).
          const t = performance.now();
          v8.writeHeapSnapshot(m.file);
          send({ kind: 'heap-snapshot', file: m.file, ms: performance.now() - t });
        } else if (m.kind === 'trace-start') {
          // The store's tables are private: the trace wraps their read methods to count reads per table.
          trace = startChildTrace(m.prefix, (server.store as unknown as { t: Record<string, object> }).t);
          send({ kind: 'tracing' });
        } else if (m.kind === 'trace-stop') {
          send({ kind: 'trace', trace: trace?.stop() ?? { records: [], gc: {} } });
          trace = null;
        } else if (m.kind === 'close') {
          await server.close();
          process.exit(0);
        }
      })().catch((err: unknown) => send({ kind: 'error', message: String(err) }));
    });
    process.once('disconnect', () => void server.close().finally(() => process.exit(0)));
    send({ kind: 'ready', url: server.url, port: server.port, observations, startMs, phases, eviction });
  } catch (err) {
    send({ kind: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  }
}

/**
 * Child: the ceiling of a Node HTTP tracker on this machine: a bare node:http server (or the
 * same behind Express 5) answering every request with a fixed announce reply of the size ours
 * sends (counts, interval, 50 compact peers), no parsing, no swarm.
 */
export async function ceilingChild(mode: string): Promise<void> {
  const peers = Buffer.alloc(50 * 6, 7);
  const body = Buffer.concat([Buffer.from('d8:completei12e10:incompletei38e8:intervali1800e5:peers300:'), peers, Buffer.from('e')]);
  const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
    res.end(body);
  };
  let listener: http.RequestListener = handler;
  if (mode === 'express') {
    const { default: express } = await import('express');
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.get('/announce', (req, res) => handler(req, res));
    listener = app;
  }
  const srv = http.createServer(listener);
  await new Promise<void>((resolve) => srv.listen(0, LOOPBACK, resolve));
  process.send!({ kind: 'ready', url: `http://${LOOPBACK}:${(srv.address() as { port: number }).port}`, port: 0, observations: 0, startMs: 0 } satisfies ChildMessage);
  process.once('disconnect', () => process.exit(0));
}

/** Starts `entry` (the bench script) with `childArgs` in a child process (its own process group) and waits until it listens. */
export async function startServer(entry: string, childArgs: string[], execArgv: string[] = process.execArgv): Promise<{ child: ChildProcess; ready: ServerReady; request: (m: ParentMessage) => Promise<ChildMessage | null> }> {
  const runner = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
  const child = track(fork(runner, [entry, ...childArgs], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true, execArgv }));
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the catalogue did not start within ${SERVER_READY_TIMEOUT_MS} ms`)), SERVER_READY_TIMEOUT_MS);
    child.once('message', (m: ChildMessage) => {
      clearTimeout(timer);
      if (m.kind === 'ready') resolve(m);
      else reject(new Error(`catalogue failed to start: ${m.kind === 'error' ? m.message : m.kind}`));
    });
    child.once('exit', (code) => reject(new Error(`catalogue process exited (${code}) before it was ready`)));
  });
  // A child that dies mid-run shows in the parent only as a reset connection: say how it ended.
  child.once('exit', (code, signal) => process.stderr.write(`catalogue child ${child.pid} exited: code ${code}, signal ${signal}\n`));
  const request = (m: ParentMessage) =>
    new Promise<ChildMessage | null>((resolve) => {
      if (m.kind === 'profile-start' || m.kind === 'close') {
        child.send(m);
        resolve(null);
        return;
      }
      child.once('message', (reply: ChildMessage) => resolve(reply));
      child.send(m);
    });
  return { child, ready, request };
}

/** A running catalogue child, as startServer gives it. */
export type CatalogueChild = Awaited<ReturnType<typeof startServer>>;

/** SEEDBANK_BENCH_WARM_UP_REQUESTS: the lookups a start answers to itself (web/code-warm-up.ts), to compare; unset: the catalogue's default. */
function benchWarmUpRequests(): number | undefined {
  const text = process.env.SEEDBANK_BENCH_WARM_UP_REQUESTS;
  return text === undefined ? undefined : Number(text);
}

/** The nice value `seedbank serve` gives the catalogue's other threads (SEEDBANK_BENCH_BACKGROUND_NICE to compare; 0: left alone). */
function benchBackgroundNice(serveDefault: number): number {
  const text = process.env.SEEDBANK_BENCH_BACKGROUND_NICE;
  return text === undefined ? serveDefault : Number(text);
}

/** The deployment's options for the catalogue (systemd reads them from this file). */
const DEPLOY_ENV = fileURLToPath(new URL('../../deploy/catalogue/catalogue.env', import.meta.url));

/**
 * The Node options the deployed catalogue runs with (NODE_OPTIONS in deploy/catalogue/catalogue.env),
 * so the bench measures the heap settings production gets; SEEDBANK_BENCH_NODE_OPTIONS replaces
 * them, to compare (a 4 MB young generation was tried that way: README, "Catalogue at scale").
 */
export function catalogueNodeOptions(): string[] {
  const override = process.env.SEEDBANK_BENCH_NODE_OPTIONS;
  const line = override ?? /^NODE_OPTIONS=(.*)$/m.exec(readFileSync(DEPLOY_ENV, 'utf8'))?.[1] ?? '';
  return line.split(/\s+/).filter(Boolean);
}

/** Starts the catalogue on the cached store in a child running `entry` (a bench that hands `--serve DIR --index FILE [--cold]` to serveChild), with the deployment's Node options. */
export function startCatalogue(entry: string, data: { dataDir: string; indexFile: string }, o: { cold?: boolean } = {}): Promise<CatalogueChild> {
  return startServer(entry, ['--serve', data.dataDir, '--index', data.indexFile, ...(o.cold ? ['--cold'] : [])], [...process.execArgv, ...catalogueNodeOptions()]);
}

/** Asks the catalogue child to close, then stops its process group (killed if it has not gone within STOP_TIMEOUT_MS). */
export async function stopCatalogue(server: CatalogueChild): Promise<void> {
  const { child } = server;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await server.request({ kind: 'close' });
  // The catalogue closes its store and exits by itself. A SIGTERM right after the close message
  // (the child's handler exits at once, mid-close: LMDB's environment torn down under its own
  // threads) crashed 10M catalogues with SIGSEGV; so it is only the fallback now.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
  clearTimeout(timer);
  await stopGroup(child, STOP_TIMEOUT_MS);
}

/** How long a catalogue may take to close by itself before it is signalled. */
const CLOSE_WAIT_MS = 60_000;
