/**
 * Catalogue at scale: 1,000 sets × 1,000 files (1,000,000 file entries) in the LMDB store,
 * then, over real HTTP on 127.0.0.1 against a catalogue running in its own process:
 *   - per-file copy lookups (GET /api/view/files?q=<sha1>: locations + copy count), cold and
 *     warm, and for reference the plain location lookup (GET /api/files?sha1=, no copies);
 *   - set pages (GET /sets/:id), the home page (GET /), and Prometheus scrapes (GET /metrics)
 *     with the copy figures cached and right after a census round would drop them;
 *   - HTTP announces per second through our tracker and through Debian's opentracker on the
 *     same machine (wrk, 32 connections, same Lua script and info hashes), as a ratio, beside
 *     two ceilings: a bare node:http server and Express 5 answering a fixed reply; profiled
 *     (inspector CPU profiler in the catalogue process) when ours is below the target ratio.
 * Prints figures and a markdown table against the targets; it asserts nothing.
 *
 *   node bin/run-ts.js bench/catalogue.bench.ts [--sets 1000] [--files-per-set 1000]
 *     [--lookups 2000] [--set-pages 200] [--home 20] [--wrk-seconds 10] [--connections 32]
 *     [--wrk-threads 1] [--hashes 500] [--fresh] [--profile] [--no-pages] [--no-tracker] [--no-ceiling]
 *
 * --profile also profiles extra passes of lookups, set pages and the home page (after the
 * measured ones, so the figures are not slowed by the profiler).
 *
 * The synthetic store is built straight through CatalogueStore.putVersion (the publish path's
 * last step; signed canonical manifests, strict volume torrents, real metadata torrents) and
 * cached under os.tmpdir(), so a re-run starts in seconds; --fresh rebuilds it. Copies come
 * from census observations written to the store before the server starts (what a census round
 * writes; CensusRunner restores them at start), with fresh timestamps on every run.
 * Slow pages are measured within a time budget per section and the table says so.
 * Needs `wrk` and `opentracker` (Debian packages) for the tracker part.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildVersion, prng, type GeneratedSet } from './catalogue/synthetic.ts';
import { freePort, killAll, runGroup, spawnGroup, stopGroup, track } from './catalogue/processes.ts';
import { summarizeProfile } from './catalogue/profile-summary.ts';

/** Bump when the generator changes, so an old cache is not reused. */
const GENERATOR_VERSION = 1;
const SAMPLE_SHA1S_PER_SET = 12;
const LOOPBACK = '127.0.0.1';
const WARMUP_REQUESTS = 20;
/** Per HTTP section: stop early (and say so) rather than run for ever on a slow page. */
const SECTION_BUDGET_MS = 60_000;
const HOME_BUDGET_MS = 30_000;
const WRK_WARMUP_SECONDS = 2;
const PROFILE_SECONDS = 5;
const TARGET_RATIO = 0.5;
const SERVER_READY_TIMEOUT_MS = 120_000;

const { values: args } = parseArgs({
  options: {
    serve: { type: 'string' },
    index: { type: 'string' },
    ceiling: { type: 'string' },
    sets: { type: 'string', default: '1000' },
    'files-per-set': { type: 'string', default: '1000' },
    lookups: { type: 'string', default: '2000' },
    'set-pages': { type: 'string', default: '200' },
    home: { type: 'string', default: '20' },
    'wrk-seconds': { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    'wrk-threads': { type: 'string', default: '1' },
    hashes: { type: 'string', default: '500' },
    fresh: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-tracker': { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
    'no-pages': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

interface BenchIndex {
  generator: number;
  sets: GeneratedSet[];
  loadMs: number;
  generateMs: number;
  putMs: number;
  createdAt: string;
}

interface ServerReady {
  url: string;
  port: number;
  observations: number;
  startMs: number;
}

type ParentMessage = { kind: 'profile-start' } | { kind: 'profile-stop'; file: string } | { kind: 'invalidate' } | { kind: 'warmed' } | { kind: 'stats' } | { kind: 'close' };
interface ProcessStats {
  rssMiB: number;
  maxRssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  cpuSeconds: number;
}
type ChildMessage =
  | ({ kind: 'ready' } & ServerReady)
  | { kind: 'profiled'; file: string }
  | { kind: 'invalidated' }
  | { kind: 'warmed'; sinceStartMs: number }
  | ({ kind: 'stats' } & ProcessStats)
  | { kind: 'error'; message: string };

// ---------------------------------------------------------------------------------------------
// Child: the catalogue server on the cached store.
// ---------------------------------------------------------------------------------------------

/** Census observations for every volume: a pool of seeder hosts, 0–5 per volume, some partial or failing. */
async function writeObservations(dataDir: string, index: BenchIndex): Promise<number> {
  const { CatalogueStore } = await import('../services/tracker-web/store/catalogue-store.ts');
  const store = CatalogueStore.open(dataDir);
  const r = prng(0xc0b1e5);
  const pool = Array.from({ length: 400 }, () => `${1 + Math.floor(r() * 222)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 253)}`);
  const now = Date.now();
  const writes: Array<Promise<void>> = [];
  const weights = [0.1, 0.2, 0.3, 0.25, 0.1, 0.05];
  for (const set of index.sets) {
    set.volumes.forEach((ih, v) => {
      const pieces = set.volumePieces[v]!;
      let x = r();
      let k = 0;
      while (k < weights.length - 1 && (x -= weights[k]!) >= 0) k++;
      const hosts = new Set<string>();
      while (hosts.size < k) hosts.add(pool[Math.floor(r() * pool.length)]!);
      for (const host of hosts) {
        const bitfield = new Uint8Array(Math.ceil(pieces / 8));
        const partial = r() < 0.15;
        let have = 0;
        for (let p = 0; p < pieces; p++) {
          if (partial && r() < 0.2) continue;
          bitfield[p >> 3]! |= 0x80 >> (p & 7);
          have++;
        }
        const auditedAt = now - Math.floor(r() * 2 * 3600 * 1000);
        writes.push(
          store.putObservation(ih, host, 51413, {
            lastSeen: auditedAt,
            complete: have === pieces,
            havePieces: have,
            auditedAt,
            auditOk: r() >= 0.03,
            bitfield,
          }),
        );
      }
    });
  }
  await Promise.all(writes);
  await store.close();
  return writes.length;
}

async function serveChild(dataDir: string, indexFile: string): Promise<void> {
  const send = (m: ChildMessage) => process.send!(m);
  try {
    const index = JSON.parse(await readFile(indexFile, 'utf8')) as BenchIndex;
    const observations = await writeObservations(dataDir, index);
    const { startCatalogueServer } = await import('../services/tracker-web/server.ts');
    const t0 = performance.now();
    // The API's per-address limit (600 reads a minute) would turn a one-address bench into 429s.
    const server = await startCatalogueServer({ dataDir, port: 0, host: LOOPBACK, census: { autoStart: false }, rateLimits: { readPerMinute: 100_000_000 } });
    const startMs = performance.now() - t0;
    const { Session } = await import('node:inspector/promises');
    let session: InstanceType<typeof Session> | null = null;
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
          // What the end of a census round does (census.onRound), without running one.
          server.copies.invalidate();
          send({ kind: 'invalidated' });
        } else if (m.kind === 'warmed') {
          await server.copies.whenWarm();
          send({ kind: 'warmed', sinceStartMs: performance.now() - t0 });
        } else if (m.kind === 'stats') {
          const mem = process.memoryUsage();
          const ru = process.resourceUsage();
          const mib = (b: number) => Math.round(b / 2 ** 20);
          send({ kind: 'stats', rssMiB: mib(mem.rss), maxRssMiB: Math.round(ru.maxRSS / 1024), heapUsedMiB: mib(mem.heapUsed), heapTotalMiB: mib(mem.heapTotal), cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6 });
        } else if (m.kind === 'close') {
          await server.close();
          process.exit(0);
        }
      })().catch((err: unknown) => send({ kind: 'error', message: String(err) }));
    });
    process.once('disconnect', () => void server.close().finally(() => process.exit(0)));
    send({ kind: 'ready', url: server.url, port: server.port, observations, startMs });
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
async function ceilingChild(mode: string): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// Parent: data, requests, wrk, report.
// ---------------------------------------------------------------------------------------------

const n = (name: keyof typeof args) => Number(args[name]);
const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? await du(p) : (await stat(p)).size;
  }
  return total;
}

/** Builds (or reuses) the cached store; returns its folder and index. */
async function ensureData(sets: number, filesPerSet: number): Promise<{ dataDir: string; indexFile: string; index: BenchIndex; cached: boolean }> {
  const root = path.join(os.tmpdir(), `seedbank-catalogue-bench-g${GENERATOR_VERSION}-${sets}x${filesPerSet}`);
  const dataDir = path.join(root, 'data');
  const indexFile = path.join(root, 'index.json');
  if (!args.fresh && existsSync(indexFile)) {
    const index = JSON.parse(await readFile(indexFile, 'utf8')) as BenchIndex;
    if (index.generator === GENERATOR_VERSION && index.sets.length === sets) return { dataDir, indexFile, index, cached: true };
  }
  await rm(root, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const { CatalogueStore } = await import('../services/tracker-web/store/catalogue-store.ts');
  const store = CatalogueStore.open(dataDir);
  const summaries: GeneratedSet[] = [];
  let generateMs = 0;
  let putMs = 0;
  const t0 = performance.now();
  const base = Date.now() - sets * 3_600_000;
  for (let i = 0; i < sets; i++) {
    const g0 = performance.now();
    const { version, summary } = buildVersion(i, filesPerSet, SAMPLE_SHA1S_PER_SET);
    const g1 = performance.now();
    store.putVersion(version, base + i * 3_600_000);
    putMs += performance.now() - g1;
    generateMs += g1 - g0;
    summaries.push(summary);
    if ((i + 1) % 100 === 0 || i + 1 === sets) log(`  loaded ${i + 1}/${sets} sets (${((i + 1) * filesPerSet).toLocaleString('en')} files) in ${fmtS(performance.now() - t0)}`);
  }
  await store.flushed();
  await store.close();
  const loadMs = performance.now() - t0;
  const index: BenchIndex = { generator: GENERATOR_VERSION, sets: summaries, loadMs, generateMs, putMs, createdAt: new Date().toISOString() };
  await writeFile(indexFile, JSON.stringify(index));
  return { dataDir, indexFile, index, cached: false };
}

/** Starts the catalogue in a child process (its own process group) and waits until it listens. */
async function startServer(childArgs: string[]): Promise<{ child: ChildProcess; ready: ServerReady; request: (m: ParentMessage) => Promise<ChildMessage | null> }> {
  const runner = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const child = track(fork(runner, [self, ...childArgs], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true }));
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the catalogue did not start within ${SERVER_READY_TIMEOUT_MS} ms`)), SERVER_READY_TIMEOUT_MS);
    child.once('message', (m: ChildMessage) => {
      clearTimeout(timer);
      if (m.kind === 'ready') resolve(m);
      else reject(new Error(`catalogue failed to start: ${m.kind === 'error' ? m.message : m.kind}`));
    });
    child.once('exit', (code) => reject(new Error(`catalogue process exited (${code}) before it was ready`)));
  });
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

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET on a kept-alive connection; the time is until the last body byte. */
function get(url: string): Promise<{ status: number; ms: number; body: Buffer }> {
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

interface Timing {
  label: string;
  how: string;
  planned: number;
  samples: number[];
  errors: string[];
  bytes: number;
  cutShort: boolean;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Requests the URLs one after another (one client, like a person clicking), within the section budget. */
async function timeRequests(label: string, how: string, urls: string[], check: (status: number, body: Buffer) => string | null, budgetMs = SECTION_BUDGET_MS): Promise<Timing> {
  const t: Timing = { label, how, planned: urls.length, samples: [], errors: [], bytes: 0, cutShort: false };
  const started = performance.now();
  for (const u of urls) {
    if (performance.now() - started > budgetMs) {
      t.cutShort = true;
      break;
    }
    const r = await get(u);
    t.samples.push(r.ms);
    t.bytes += r.body.length;
    const problem = check(r.status, r.body);
    if (problem && t.errors.length < 5) t.errors.push(problem);
  }
  const s = [...t.samples].sort((a, b) => a - b);
  log(
    `  ${label}: ${t.samples.length}${t.cutShort ? ` of ${t.planned} (stopped at the ${fmtS(SECTION_BUDGET_MS)} budget)` : ''} requests, ` +
      `p50 ${fmtMs(quantile(s, 0.5))} ms, p90 ${fmtMs(quantile(s, 0.9))} ms, p99 ${fmtMs(quantile(s, 0.99))} ms, max ${fmtMs(s[s.length - 1] ?? NaN)} ms, ` +
      `${Math.round(t.bytes / Math.max(1, t.samples.length) / 1024)} KiB avg${t.errors.length ? `; PROBLEMS: ${t.errors.join(' | ')}` : ''}`,
  );
  return t;
}

const okJson = (wantCopies: boolean) => (status: number, body: Buffer): string | null => {
  if (status !== 200) return `HTTP ${status}: ${body.toString('utf8', 0, 200)}`;
  const j = JSON.parse(body.toString('utf8')) as { kind?: string; file?: { copies?: number }; files?: unknown[] };
  if (wantCopies && (j.kind !== 'found' || typeof j.file?.copies !== 'number')) return `unexpected body ${body.toString('utf8', 0, 200)}`;
  if (!wantCopies && !j.files?.length) return `no locations: ${body.toString('utf8', 0, 200)}`;
  return null;
};
const okHtml = (status: number, body: Buffer): string | null => (status === 200 && body.includes('</html>') ? null : `HTTP ${status}: ${body.toString('utf8', 0, 200)}`);
const okMetrics = (status: number, body: Buffer): string | null => (status === 200 && body.includes('seedbank_files_without_copy') ? null : `HTTP ${status}: ${body.toString('utf8', 0, 200)}`);

// ---- tracker ------------------------------------------------------------------------------------

const pctEncode = (hex: string) => hex.replace(/../g, (b) => `%${b}`);

/** The wrk script: random published info hash, a fresh peer id and port per request, numwant 50. */
function wrkScript(hashes: string[]): string {
  return `-- generated by bench/catalogue.bench.ts
local hashes = {
${hashes.map((h) => `  "${pctEncode(h)}",`).join('\n')}
}
local created = 0
function setup(thread)
  thread:set("tid", created)
  created = created + 1
end
function init(args)
  math.randomseed(4242 + tid)
  counter = 0
end
function request()
  counter = counter + 1
  local ih = hashes[math.random(#hashes)]
  local peer = string.format("-SB0001-%012d", tid * 100000000000 + counter)
  local port = math.random(1025, 65000)
  local left = (counter % 4 == 0) and "0" or "1048576"
  return wrk.format("GET", "/announce?info_hash=" .. ih .. "&peer_id=" .. peer .. "&port=" .. port .. "&uploaded=0&downloaded=0&left=" .. left .. "&compact=1&numwant=50")
end
`;
}

interface WrkResult {
  rps: number;
  requests: number;
  p50: string;
  p99: string;
  non2xx: number;
  socketErrors: string;
}

async function runWrk(baseUrl: string, script: string, seconds: number): Promise<WrkResult> {
  const out = await runGroup('wrk', ['-t', String(n('wrk-threads')), '-c', String(n('connections')), '-d', `${seconds}s`, '--latency', '-s', script, `${baseUrl}/`], (seconds + 30) * 1000);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors:([^\n]+)/.exec(out)?.[1]?.trim() ?? 'none';
  return { rps, requests, p50, p99, non2xx, socketErrors };
}

/** One announce through our own client: proves the tracker accepts these hashes (a refusal is a 200 too). */
async function checkAnnounce(baseUrl: string, infoHash: string): Promise<string> {
  const r = await get(`${baseUrl}/announce?info_hash=${pctEncode(infoHash)}&peer_id=-SB0001-999999999999&port=6881&uploaded=0&downloaded=0&left=0&compact=1&numwant=50`);
  const text = r.body.toString('latin1');
  if (r.status !== 200 || text.includes('failure reason')) throw new Error(`announce refused by ${baseUrl}: HTTP ${r.status} ${text.slice(0, 200)}`);
  return text.slice(0, 60);
}

/** Seeds (complete) and leechers the tracker reports for one info hash, by scrape. */
async function scrapeCounts(baseUrl: string, infoHash: string): Promise<string> {
  const r = await get(`${baseUrl}/scrape?info_hash=${pctEncode(infoHash)}`);
  const text = r.body.toString('latin1');
  const complete = /8:completei(\d+)e/.exec(text)?.[1];
  const incomplete = /10:incompletei(\d+)e/.exec(text)?.[1];
  return complete === undefined ? `scrape gave ${JSON.stringify(text.slice(0, 80))}` : `${complete} seeders + ${incomplete} leechers`;
}

async function startOpentracker(work: string, hashes: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const whitelist = path.join(work, 'opentracker-whitelist.txt');
  await writeFile(whitelist, `${hashes.join('\n')}\n`, { mode: 0o644 });
  // Debian builds it with WANT_ACCESSLIST_WHITE: only whitelisted hashes are tracked (absolute
  // path: it chroots to -d). As root it drops to `nobody`.
  const child = spawnGroup('opentracker', ['-i', LOOPBACK, '-p', String(port), '-P', String(port), '-w', `/${path.basename(whitelist)}`, '-d', work, '-u', 'nobody'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://${LOOPBACK}:${port}`;
  for (let i = 0; ; i++) {
    try {
      await checkAnnounce(url, hashes[0]!);
      break;
    } catch (err) {
      if (i >= 50 || child.exitCode !== null) throw new Error(`opentracker did not come up: ${(err as Error).message}; its output: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, stop: () => stopGroup(child) };
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const sets = n('sets');
  const filesPerSet = n('files-per-set');
  const cores = os.availableParallelism();
  const loadBefore = os.loadavg();
  log(`# Catalogue bench: ${sets.toLocaleString('en')} sets × ${filesPerSet.toLocaleString('en')} files`);
  log(`machine: ${cores} cores (${os.cpus()[0]?.model.trim() ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, load average ${loadBefore.map((l) => l.toFixed(2)).join(' / ')}, Node ${process.version}`);

  log('\n## Data');
  const t0 = performance.now();
  const { dataDir, indexFile, index, cached } = await ensureData(sets, filesPerSet);
  const lmdbBytes = await du(path.join(dataDir, 'catalogue.lmdb'));
  if (cached) log(`  reused the cached store ${dataDir} (opened in ${fmtS(performance.now() - t0)}); it was built ${index.createdAt} in ${fmtS(index.loadMs)}`);
  log(`  load: ${fmtS(index.loadMs)} (${fmtS(index.generateMs)} generating manifests/torrents/pages, ${fmtS(index.putMs)} in putVersion), LMDB ${(lmdbBytes / 2 ** 20).toFixed(0)} MiB`);
  const volumes = index.sets.reduce((k, s) => k + s.volumes.length, 0);
  log(`  ${index.sets.length} sets, ${volumes} volumes, ${(index.sets.reduce((k, s) => k + s.files, 0)).toLocaleString('en')} file entries`);

  const tServer = performance.now();
  const server = await startServer(['--serve', dataDir, '--index', indexFile]);
  log(`  catalogue up at ${server.ready.url} in ${fmtS(performance.now() - tServer)} (${server.ready.observations} census observations written first; startCatalogueServer ${fmtS(server.ready.startMs)})`);
  const url = server.ready.url;
  const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-catalogue-bench-run-'));
  await import('node:fs/promises').then((fs) => fs.chmod(work, 0o755));
  const rows: string[][] = [];
  const timings: Record<string, Timing> = {};
  let tracker: { ours: WrkResult; theirs: WrkResult; hashes: number; ceilings: Array<[string, WrkResult]> } | null = null;
  let memory: ProcessStats | null = null;

  /** Runs `fn` under the inspector's CPU profiler in the catalogue process and prints where its time went. */
  const profiled = async (title: string, inclusive: string[], fn: () => Promise<string>): Promise<void> => {
    log(`\n## Profile: ${title} (inspector CPU profiler in the catalogue process, 1 ms sampling)`);
    const file = path.join(os.tmpdir(), `seedbank-catalogue-bench-${title.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${Date.now()}.cpuprofile`);
    const probe = await get(`${url}/healthz`);
    if (probe.ms > 500) log(`  (the catalogue took ${fmtS(probe.ms)} to answer /healthz before profiling: its event loop was busy)`);
    await server.request({ kind: 'profile-start' });
    await new Promise((res) => setTimeout(res, 300));
    const what = await fn();
    const reply = await server.request({ kind: 'profile-stop', file });
    if (reply?.kind !== 'profiled') throw new Error(`profiling failed: ${JSON.stringify(reply)}`);
    const p = await summarizeProfile(file, inclusive);
    const busy = p.totalMs - p.idleMs;
    const pc = (ms: number) => `${((100 * ms) / busy).toFixed(1)}%`.padStart(6);
    log(`  ${what}; ${fmtS(p.totalMs)} sampled, ${fmtS(busy)} busy`);
    log('  busy time by origin (self time):');
    for (const [o, ms] of p.origins.slice(0, 10)) log(`    ${pc(ms)}  ${o}`);
    log('  top functions (self time):');
    for (const [f, ms] of p.functions.slice(0, 16)) log(`    ${pc(ms)}  ${f}`);
    log('  inclusive time (share of busy time spent inside):');
    for (const [f, ms] of p.inclusive) log(`    ${pc(ms)}  ${f}`);
    log(`  profile: ${file} (open in Chrome DevTools)`);
  };
  const PAGE_FUNCTIONS = [
    'parseManifest@manifest.ts',
    'manifest@catalogue-store.ts',
    'listSets@catalogue-store.ts',
    'filesBySha1@catalogue-store.ts',
    'summarizeSet@set-summaries.ts',
    'set@copy-index.ts',
    'file@copy-index.ts',
    'volume@copy-index.ts',
    'layout@census-runner.ts',
    'parseVolumeTorrent@parse-volume-torrent.ts',
    'copiesPerFile@copies.ts',
    'fileModel@file-model.ts',
    'setModel@set-model.ts',
    'homeModel@home-model.ts',
    'renderSet@render-set.ts',
    'renderHome@render-home.ts',
  ];

  try {
    const r = prng(0xbe7c4);
    const allSha1s = index.sets.flatMap((s) => s.sampleSha1s);
    const shuffle = <T>(xs: T[]) => {
      const a = [...xs];
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      return a;
    };
    const lookups = shuffle(allSha1s).slice(0, n('lookups') + WARMUP_REQUESTS);
    const warm = lookups.splice(0, WARMUP_REQUESTS);
    const setIds = shuffle(index.sets.map((s) => s.id));
    const setSample = setIds.slice(0, n('set-pages'));
    const setWarm = setIds.slice(n('set-pages'), n('set-pages') + 5);
    const lookupUrl = (sha1: string) => `${url}/api/view/files?q=${sha1}`;

    if (!args['no-pages']) {
      log('\n## HTTP, one client, sequential (keep-alive)');
      for (const sha1 of warm) await get(lookupUrl(sha1));
      timings.lookupCold = await timeRequests('copy lookup, copy caches cold (background warm-up running)', '/api/view/files?q=<sha1>', lookups.map(lookupUrl), okJson(true));
      // Steady state from here: the start-up warm-up yields to requests, so it can outlast the
      // cold pass; the figures below are for a catalogue that has finished starting.
      const warmed = await server.request({ kind: 'warmed' });
      if (warmed?.kind === 'warmed') log(`  copy-figure warm-up finished ${(warmed.sinceStartMs / 1000).toFixed(1)} s after start`);
      timings.lookupWarm = await timeRequests('copy lookup, same SHA-1s again (copy caches warm)', '/api/view/files?q=<sha1>', lookups.map(lookupUrl), okJson(true));
      timings.locations = await timeRequests('location lookup (no copies)', '/api/files?sha1=', shuffle(lookups).map((s) => `${url}/api/files?sha1=${s}`), okJson(false));
      for (const id of setWarm) await get(`${url}/sets/${id}`);
      timings.setPage = await timeRequests('set page (first view of each set)', '/sets/:id', setSample.map((id) => `${url}/sets/${id}`), okHtml);
      timings.homeFirst = await timeRequests('home page, first request (computes every set\'s copy figures)', '/', [`${url}/`], okHtml);
      timings.home = await timeRequests('home page, following requests', '/', Array.from({ length: n('home') }, () => `${url}/`), okHtml, HOME_BUDGET_MS);
      timings.metrics = await timeRequests('Prometheus scrape, copy figures cached', '/metrics', Array.from({ length: 5 }, () => `${url}/metrics`), okMetrics);
      await server.request({ kind: 'invalidate' });
      timings.metricsCold = await timeRequests('Prometheus scrape right after a census round (copy caches dropped)', '/metrics', [`${url}/metrics`], okMetrics);

      if (args.profile) {
        const more = shuffle(allSha1s).slice(0, 300);
        await profiled('copy lookups', PAGE_FUNCTIONS, async () => {
          for (const sha1 of more) await get(lookupUrl(sha1));
          return `${more.length} copy lookups`;
        });
        const moreSets = shuffle(index.sets.map((x) => x.id)).slice(0, 30);
        await profiled('set pages', PAGE_FUNCTIONS, async () => {
          for (const id of moreSets) await get(`${url}/sets/${id}`);
          return `${moreSets.length} set pages`;
        });
        await profiled('home page', PAGE_FUNCTIONS, async () => {
          await get(`${url}/`);
          return '1 home page (copy figures cached)';
        });
        await server.request({ kind: 'invalidate' });
        await profiled('scrape after a census round', PAGE_FUNCTIONS, async () => {
          await get(`${url}/metrics`);
          return '1 GET /metrics with the copy caches dropped (every set\'s copy figures recomputed)';
        });
      }
    }

    if (!args['no-tracker']) {
      log('\n## Tracker: HTTP announces, wrk');
      const perSet = Math.max(1, Math.ceil(n('hashes') / index.sets.length));
      const hashes = index.sets.flatMap((s) => s.volumes.slice(0, perSet)).slice(0, n('hashes'));
      const script = path.join(work, 'announce.lua');
      await writeFile(script, wrkScript(hashes));
      const seconds = n('wrk-seconds');
      log(`  ${hashes.length} published volume info hashes, ${n('connections')} connections, ${n('wrk-threads')} wrk thread(s), ${seconds} s each after a ${WRK_WARMUP_SECONDS} s warm-up`);
      const measure = async (name: string, base: string) => {
        await runWrk(base, script, WRK_WARMUP_SECONDS);
        const w = await runWrk(base, script, seconds);
        const swarm = name.startsWith('Node') ? '' : `; one swarm now holds ${await scrapeCounts(base, hashes[0]!)}`;
        log(`  ${name.padEnd(34)} ${w.rps.toFixed(0).padStart(6)} announces/s (${w.requests} in ${seconds} s, latency p50 ${w.p50}, p99 ${w.p99}, non-2xx ${w.non2xx}, socket errors: ${w.socketErrors})${swarm}`);
        return w;
      };
      await checkAnnounce(url, hashes[0]!);
      const ours = await measure('our tracker', url);
      const ot = await startOpentracker(work, hashes);
      let theirs: WrkResult;
      try {
        theirs = await measure('opentracker', ot.url);
      } finally {
        await ot.stop();
      }
      const ratio = ours.rps / theirs.rps;
      const ceilings: Array<[string, WrkResult]> = [];
      if (!args['no-ceiling']) {
        for (const mode of ['bare', 'express']) {
          const c = await startServer(['--ceiling', mode]);
          try {
            ceilings.push([mode, await measure(`Node ceiling: ${mode === 'bare' ? 'bare node:http' : 'Express 5'}, fixed reply`, c.ready.url)]);
          } finally {
            await stopGroup(c.child);
          }
        }
      }
      tracker = { ours, theirs, hashes: hashes.length, ceilings };
      log(`  ratio ours/opentracker: ${ratio.toFixed(2)}x (target ≥ ${TARGET_RATIO}x)`);
      if (ratio < TARGET_RATIO || args.profile) {
        await profiled('tracker announces', ['handleRaw@catalogue-tracker.ts', 'announcePeer@catalogue-tracker.ts', 'parseAnnounceQuery@announce-query.ts', 'announce@swarm-store.ts', 'pick@swarm.ts', 'compactAnnounceReply@http-replies.ts'], async () => {
          const during = await runWrk(url, script, PROFILE_SECONDS);
          return `${during.rps.toFixed(0)} announces/s while profiled (${PROFILE_SECONDS} s of wrk; non-2xx ${during.non2xx}, socket errors: ${during.socketErrors})`;
        });
      }
    }
    const st = await server.request({ kind: 'stats' });
    if (st?.kind === 'stats') {
      memory = st;
      log(`\n  catalogue process at the end: RSS ${st.rssMiB} MiB (peak ${st.maxRssMiB} MiB, LMDB pages included), V8 heap ${st.heapUsedMiB} of ${st.heapTotalMiB} MiB, ${st.cpuSeconds.toFixed(0)} s CPU`);
    }
  } finally {
    await server.request({ kind: 'close' });
    await stopGroup(server.child, 10_000);
    agent.destroy();
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }

  // ---- report ----
  const loadAfter = os.loadavg();
  const row = (t: Timing | undefined, target: string, limit: number | null, on: 'p99' | 'max') => {
    if (!t) return;
    const s = [...t.samples].sort((a, b) => a - b);
    const p99 = quantile(s, 0.99);
    const judged = on === 'p99' ? p99 : (s[s.length - 1] ?? NaN);
    const verdict = limit === null ? '–' : t.errors.length ? '✗ (errors)' : judged <= limit ? '✓' : '✗';
    const count = `${t.samples.length}${t.cutShort ? ` of ${t.planned} (time budget)` : ''}`;
    rows.push([t.label, `\`GET ${t.how}\``, count, fmtMs(quantile(s, 0.5)), fmtMs(p99), target, verdict]);
  };
  row(timings.lookupCold, 'p99 ≤ 5 ms', 5, 'p99');
  row(timings.lookupWarm, 'p99 ≤ 5 ms', 5, 'p99');
  row(timings.locations, '(reference)', null, 'p99');
  row(timings.setPage, 'p99 ≤ 50 ms', 50, 'p99');
  row(timings.homeFirst, '≤ 100 ms', 100, 'max');
  row(timings.home, '≤ 100 ms', 100, 'max');
  row(timings.metrics, '(scrape timeout 10 s)', 10_000, 'max');
  row(timings.metricsCold, '(scrape timeout 10 s)', 10_000, 'max');

  log('\n## Results\n');
  log(`Machine: ${cores} cores (${os.cpus()[0]?.model.trim() ?? '?'}), load average ${loadBefore.map((l) => l.toFixed(2)).join(' / ')} at start, ${loadAfter.map((l) => l.toFixed(2)).join(' / ')} at end (1/5/15 min); Node ${process.version}; the machine is shared with other work.`);
  log(`Data: ${index.sets.length.toLocaleString('en')} sets, ${index.sets.reduce((k, s) => k + s.files, 0).toLocaleString('en')} files, ${volumes.toLocaleString('en')} volumes; LMDB ${(lmdbBytes / 2 ** 20).toFixed(0)} MiB; built in ${fmtS(index.loadMs)}${cached ? ' (cached: this run reused it)' : ''}.\n`);
  log('| measure | request | n | p50 ms | p99 ms | target | met |');
  log('| --- | --- | ---: | ---: | ---: | --- | :---: |');
  for (const r of rows) log(`| ${r.join(' | ')} |`);
  if (tracker) {
    const ratio = tracker.ours.rps / tracker.theirs.rps;
    log(`| announces/s, our tracker | \`GET /announce\` (wrk ${n('connections')} conns, ${n('wrk-seconds')} s) | ${tracker.ours.requests} | ${tracker.ours.p50} | ${tracker.ours.p99} | | ${tracker.ours.rps.toFixed(0)}/s |`);
    log(`| announces/s, opentracker | same script, same ${tracker.hashes} hashes | ${tracker.theirs.requests} | ${tracker.theirs.p50} | ${tracker.theirs.p99} | | ${tracker.theirs.rps.toFixed(0)}/s |`);
    log(`| **ratio ours / opentracker** | | | | | ≥ ${TARGET_RATIO}x | ${ratio.toFixed(2)}x ${ratio >= TARGET_RATIO ? '✓' : '✗'} |`);
    for (const [mode, w] of tracker.ceilings) {
      log(`| (ceiling) ${mode === 'bare' ? 'bare node:http' : 'Express 5'}, fixed 50-peer reply | same script | ${w.requests} | ${w.p50} | ${w.p99} | | ${w.rps.toFixed(0)}/s = ${(w.rps / tracker.theirs.rps).toFixed(2)}x |`);
    }
  }
  if (memory) log(`\nCatalogue process: peak RSS ${memory.maxRssMiB} MiB (LMDB's mapped pages included), V8 heap ${memory.heapUsedMiB} MiB at the end.`);
  log('\nn = requests measured; home page and first-request rows are judged on their slowest request. Copies: from census observations injected through the store (0–5 hosts per volume).');
}

if (args.serve) {
  await serveChild(args.serve, args.index!);
} else if (args.ceiling) {
  await ceilingChild(args.ceiling);
} else {
  try {
    await main();
  } finally {
    killAll();
  }
}
