/**
 * Census throughput: runCensus over many loopback peers, each a fake peer (bittorrent-protocol
 * over a `net` server) serving one real file, spread over a few child processes so the peers
 * do not share the census's event loop. Reports total seconds and peers/second per concurrency,
 * against a reference: one sequential audit's wall time × peers / concurrency (what perfect
 * overlap would give), and the census process's CPU time: on loopback the single-threaded
 * census saturates one core long before it runs out of connections.
 *
 *   node bin/run-ts.js bench/census.bench.ts [--peers 1000] [--processes 2] [--piece-kib 256] [--concurrency 32,128]
 *
 * Loopback only; a watchdog aborts the census if a run exceeds its time limit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { auditPeer, runCensus, type AuditTarget, type PeerAddress } from '../services/tracker-web/census/index.ts';
import { startFakePeer, type FakePeer } from '../test/helpers/peers/fake-peer.ts';
import { closeHashWorkers, createVolumeTorrent, parseVolumeTorrent } from '../shared/torrent/index.ts';

const PIECES_IN_FILE = 4;
/** Sequential audits timed for the reference; the first few warm up code paths. */
const REFERENCE_AUDITS = 60;
const REFERENCE_WARMUP = 10;
/** Per census run: the whole bench must stay well under a minute. */
const RUN_LIMIT_MS = 25_000;
const CHILD_READY_TIMEOUT_MS = 30_000;
const AUDIT_TIMEOUT_MS = 10_000;
const KIB = 1024;
const LOOPBACK = '127.0.0.1';

interface ServeRequest { dataPath: string; infoHash: string; pieceLength: number; count: number }
type ChildMessage = { ports: number[] } | { error: string };

const { values } = parseArgs({
  options: {
    serve: { type: 'string' },
    peers: { type: 'string', default: '1000' },
    processes: { type: 'string', default: '2' },
    'piece-kib': { type: 'string', default: '256' },
    concurrency: { type: 'string', default: '32,128' },
  },
  allowPositionals: true,
});

/** Child: start `count` honest fake peers, report their ports, close them when told. */
async function serve(req: ServeRequest): Promise<void> {
  const data = await readFile(req.dataPath);
  const peers: FakePeer[] = [];
  try {
    for (let i = 0; i < req.count; i++) {
      peers.push(await startFakePeer({ infoHash: req.infoHash, pieceLength: req.pieceLength, data, host: LOOPBACK }));
    }
    process.send!({ ports: peers.map((p) => p.port) } satisfies ChildMessage);
  } catch (err) {
    process.send!({ error: (err as Error).message } satisfies ChildMessage);
  }
  // The parent disconnecting (normally or because it died) ends the child.
  process.once('disconnect', () => {
    void Promise.all(peers.map((p) => p.close())).then(() => process.exit(0));
  });
}

/** Forks one child hosting `count` peers; resolves with the child and its ports. */
function startHost(req: ServeRequest): Promise<{ child: ChildProcess; ports: number[] }> {
  const runner = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const child = fork(runner, [self, '--serve', JSON.stringify(req)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`peer host process gave no ports within ${CHILD_READY_TIMEOUT_MS} ms`));
    }, CHILD_READY_TIMEOUT_MS);
    child.once('message', (m: ChildMessage) => {
      clearTimeout(timer);
      if ('error' in m) reject(new Error(`peer host process failed: ${m.error}`));
      else resolve({ child, ports: m.ports });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`peer host process exited with ${code} before reporting its ports`));
    });
  });
}

async function main(): Promise<void> {
  const peerCount = Number(values.peers);
  const processes = Math.max(1, Number(values.processes));
  const pieceLength = Number(values['piece-kib']) * KIB;
  const concurrencies = values.concurrency!.split(',').map(Number);

  const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-census-bench-'));
  const children: ChildProcess[] = [];
  try {
    const rel = 'a/ab/Census_bench.bin';
    const dataPath = path.join(work, 'commons', rel);
    await mkdir(path.dirname(dataPath), { recursive: true });
    await writeFile(dataPath, randomBytes(PIECES_IN_FILE * pieceLength));
    const built = await createVolumeTorrent({ files: [{ path: rel, length: PIECES_IN_FILE * pieceLength, absPath: dataPath }], pieceLength, urlList: [] });
    await closeHashWorkers();
    const t = parseVolumeTorrent(built.torrent);
    const target: AuditTarget = { infoHash: t.infoHash, pieceLength: t.pieceLength, totalBytes: t.totalBytes, pieces: t.pieces };

    const hostStart = performance.now();
    const share = (i: number) => Math.floor(peerCount / processes) + (i < peerCount % processes ? 1 : 0);
    const hosts = await Promise.all(Array.from({ length: processes }, (_, i) => startHost({ dataPath, infoHash: t.infoHash, pieceLength, count: share(i) })));
    children.push(...hosts.map((h) => h.child));
    const peers: PeerAddress[] = hosts.flatMap((h) => h.ports.map((port) => ({ host: LOOPBACK, port })));
    console.log(`${peers.length} fake peers in ${processes} processes, ${pieceLength / KIB} KiB pieces, started in ${((performance.now() - hostStart) / 1000).toFixed(1)} s; ${os.availableParallelism()} CPUs`);

    // Reference: sequential audits, one connection at a time.
    const times: number[] = [];
    for (let i = 0; i < REFERENCE_AUDITS; i++) {
      const r = await auditPeer(peers[i % peers.length]!, target, { timeoutMs: AUDIT_TIMEOUT_MS });
      if (!r.audited?.ok) throw new Error(`reference audit failed: ${r.error}`);
      if (i >= REFERENCE_WARMUP) times.push(r.ms);
    }
    const oneAuditMs = times.reduce((a, b) => a + b, 0) / times.length;
    console.log(`one audit (sequential, mean of ${times.length}): ${oneAuditMs.toFixed(2)} ms`);

    for (const concurrency of concurrencies) {
      const watchdog = AbortSignal.timeout(RUN_LIMIT_MS);
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const results = await runCensus([{ target, peers }], { concurrency, timeoutMs: AUDIT_TIMEOUT_MS, signal: watchdog });
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const failed = results.filter((r) => !r.audited?.ok);
      const reference = (oneAuditMs * peers.length) / concurrency / 1000;
      console.log(
        `concurrency ${String(concurrency).padStart(3)}: ${seconds.toFixed(2)} s, ${(peers.length / seconds).toFixed(0)} peers/s, ` +
        `${failed.length} failed${failed[0] ? ` (first: ${failed[0].error})` : ''}; ` +
        `reference ${reference.toFixed(2)} s (one audit × ${peers.length} / ${concurrency}), ratio ${(seconds / reference).toFixed(1)}; ` +
        `census CPU ${cpuSeconds.toFixed(2)} s = ${(cpuSeconds / seconds).toFixed(2)} of a core, ${((cpuSeconds * 1000) / peers.length).toFixed(2)} ms per audit`,
      );
    }
  } finally {
    for (const child of children) child.disconnect();
    await rm(work, { recursive: true, force: true });
  }
}

if (values.serve) await serve(JSON.parse(values.serve) as ServeRequest);
else await main();
