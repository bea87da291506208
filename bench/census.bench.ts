/**
 * Census throughput: runCensus over many loopback peers, each a fake peer (bittorrent-protocol
 * over a `net` server) serving one real file, spread over a few child processes so the peers
 * do not share the census's event loop. Reports total seconds and peers/second per concurrency,
 * against a reference: one sequential audit's wall time × peers / concurrency (what perfect
 * overlap would give), and the census process's CPU time: on loopback the single-threaded
 * census saturates one core long before it runs out of connections.
 *
 *   node bin/run-ts.js bench/census.bench.ts [--peers 1000] [--processes 2] [--piece-kib 256] [--concurrency 32,128]
 *     [--tarpits 1000 --tarpit-hosts 10] [--traffic] [--max-rate 100Mbps]
 *
 * With --traffic, three more rounds over the same peers measure what one audited (peer, volume)
 * costs in bytes read: whole pieces only (the reference), then with a cache of verified pieces
 * warmed by that round, block challenges only, and the census's default mix (a share of whole
 * random pieces). --max-rate caps every round's downloads together, as --census-max-rate does.
 *
 * Honest peers each listen on an address of their own (127.1.x.y, 250 to a /24), as peers of a
 * real swarm would. With --tarpits, the same honest round runs again with that many ports that
 * accept and never answer, spread over --tarpit-hosts addresses (127.0.0.2, .3, ...), listed
 * first; the bench prints that round's time against the honest-only one and whether every honest
 * verdict is unchanged, then a second tarpit round with the host backoff the first one learnt.
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
import net from 'node:net';
import { auditPeer, DEFAULT_WHOLE_PIECE_SHARE, HostBackoff, runCensus, VerifiedPieces, type AuditTarget, type CensusResult, type PeerAddress } from '../services/tracker-web/census/index.ts';
import { formatRate, formatSize, parseRate } from '../shared/units.ts';
import { startFakePeer, type FakePeer } from '../test/helpers/peers/fake-peer.ts';
import { closeHashWorkers, createVolumeTorrent, parseVolumeTorrent } from '../shared/torrent/index.ts';

const PIECES_IN_FILE = 4;
/** Sequential audits timed for the reference; the first few warm up code paths. */
const REFERENCE_AUDITS = 60;
const REFERENCE_WARMUP = 10;
/** Per census run: a run on a busy machine may take tens of seconds; past this something hangs. */
const MIN_RUN_LIMIT_MS = 120_000;
/** A loaded two-core machine audits 25 peers a second or more: ten times that long is a hang. */
const RUN_LIMIT_MS_PER_PEER = 400;
/** A child starts its peers one by one: on a loaded machine thousands take a while. */
const CHILD_READY_TIMEOUT_MS = 30_000 + 20 * Number(process.argv.includes('--peers') ? process.argv[process.argv.indexOf('--peers') + 1] : 1000);
const AUDIT_TIMEOUT_MS = 10_000;
const KIB = 1024;
/** Honest peers per /24: several networks, so per-network budgets do not bind honest peers. */
const HONEST_PER_NETWORK = 250;
/** The honest-only round against the round with tarpits: the issue's target. */
const TARGET_RATIO = 1.5;

interface ServeRequest { dataPath: string; infoHash: string; pieceLength: number; hosts: string[]; tarpit?: boolean }
type ChildMessage = { ports: number[] } | { error: string };

/** Address of honest peer i: 127.1.N.M, 250 to a network. */
const honestHost = (i: number) => `127.1.${Math.floor(i / HONEST_PER_NETWORK)}.${(i % HONEST_PER_NETWORK) + 1}`;
/** Address of tarpit host j: 127.0.0.2, .3, ... */
const tarpitHost = (j: number) => `127.0.0.${j + 2}`;

const { values } = parseArgs({
  options: {
    serve: { type: 'string' },
    peers: { type: 'string', default: '1000' },
    processes: { type: 'string', default: '2' },
    'piece-kib': { type: 'string', default: '256' },
    concurrency: { type: 'string', default: '32,128' },
    tarpits: { type: 'string', default: '0' },
    'tarpit-hosts': { type: 'string', default: '10' },
    traffic: { type: 'boolean', default: false },
    'max-rate': { type: 'string', default: '0' },
  },
  allowPositionals: true,
});

const runLimitMs = Math.max(MIN_RUN_LIMIT_MS, Number(values.peers) * RUN_LIMIT_MS_PER_PEER);

/** A port that accepts connections and never sends a byte. */
async function startTarpitPort(host: string): Promise<FakePeer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, () => resolve()));
  return {
    host, port: (server.address() as net.AddressInfo).port, connections: 0, idle: () => Promise.resolve(),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Child: start one honest fake peer (or tarpit port) per address given, report their ports, close them when told. */
async function serve(req: ServeRequest): Promise<void> {
  const data = req.tarpit ? Buffer.alloc(0) : await readFile(req.dataPath);
  const peers: FakePeer[] = [];
  try {
    for (const host of req.hosts) {
      peers.push(req.tarpit ? await startTarpitPort(host) : await startFakePeer({ infoHash: req.infoHash, pieceLength: req.pieceLength, data, host }));
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
    const addresses = Array.from({ length: peerCount }, (_, i) => honestHost(i));
    const shares = Array.from({ length: processes }, (_, i) => addresses.filter((_a, j) => j % processes === i));
    const hosts = await Promise.all(shares.map((share) => startHost({ dataPath, infoHash: t.infoHash, pieceLength, hosts: share })));
    children.push(...hosts.map((h) => h.child));
    const peers: PeerAddress[] = hosts.flatMap((h, i) => h.ports.map((port, j) => ({ host: shares[i]![j]!, port })));
    console.log(`${peers.length} fake peers on ${peers.length} addresses in ${processes} processes, ${pieceLength / KIB} KiB pieces, started in ${((performance.now() - hostStart) / 1000).toFixed(1)} s; ${os.availableParallelism()} CPUs`);

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
      const watchdog = AbortSignal.timeout(runLimitMs);
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

    if (values.traffic) await compareTraffic(target, peers, concurrencies[0]!);

    const tarpitCount = Number(values.tarpits);
    if (tarpitCount > 0) {
      const tarpitHosts = Math.max(1, Number(values['tarpit-hosts']));
      const pitAddresses = Array.from({ length: tarpitCount }, (_, i) => tarpitHost(i % tarpitHosts));
      const pit = await startHost({ dataPath, infoHash: t.infoHash, pieceLength, hosts: pitAddresses, tarpit: true });
      children.push(pit.child);
      const tarpits: PeerAddress[] = pit.ports.map((port, i) => ({ host: pitAddresses[i]!, port }));
      await compareWithTarpits(target, peers, tarpits, tarpitHosts, concurrencies[0]!);
    }
  } finally {
    for (const child of children) child.disconnect();
    await rm(work, { recursive: true, force: true });
  }
}

/** Commons' order of magnitude: 75,000 volumes with 3 copies each. */
const COMMONS_AUDITS_PER_ROUND = 225_000;

/** Rounds with whole pieces, block challenges only, and the default mix: bytes read per audit and round time, within --max-rate. */
async function compareTraffic(target: AuditTarget, peers: PeerAddress[], concurrency: number): Promise<void> {
  const rate = parseRate(values['max-rate']!);
  if (rate === null) throw new Error(`--max-rate ${values['max-rate']} is not a rate (e.g. 100Mbps, 0 for none)`);
  // The cache holds every piece of the bench's volume; the census's default bound is 64 MiB.
  const verified = new VerifiedPieces(PIECES_IN_FILE * target.pieceLength * 2, 0);
  const mixed = new VerifiedPieces(PIECES_IN_FILE * target.pieceLength * 2, DEFAULT_WHOLE_PIECE_SHARE);
  const round = async (label: string, cache: VerifiedPieces | undefined) => {
    const started = performance.now();
    const results = await runCensus([{ target, peers }], { concurrency, maxBytesPerSecond: rate, verified: cache, signal: AbortSignal.timeout(runLimitMs) });
    const seconds = (performance.now() - started) / 1000;
    const audited = results.filter((r) => r.audited);
    const bytes = audited.reduce((n, r) => n + (r.traffic?.in ?? 0), 0);
    const blocks = audited.filter((r) => r.audited?.check === 'block').length;
    const failed = results.length - results.filter((r) => r.audited?.ok).length;
    const perAudit = bytes / Math.max(1, audited.length);
    console.log(
      `${label.padEnd(22)}: ${results.length} peers in ${seconds.toFixed(2)} s (${(results.length / seconds).toFixed(0)} audits/s), ${failed} failed; ` +
      `${blocks} block challenges; read ${formatSize(bytes)}, ${formatSize(perAudit)} per audit` +
      `${rate > 0 ? `, ${formatRate(bytes / seconds)} against the ${formatRate(rate)} cap` : ''}`,
    );
    return { seconds, perAudit };
  };
  console.log(`traffic per audited (peer, volume), ${target.pieceLength / KIB} KiB pieces, ${peers.length} peers, concurrency ${concurrency}${rate > 0 ? `, cap ${formatRate(rate)}` : ''}:`);
  const whole = await round('whole pieces', undefined);
  // Warm both caches with one verified copy of every piece (what earlier rounds leave behind).
  for (let i = 0; i < PIECES_IN_FILE; i++) {
    const r = await auditPeer(peers[i % peers.length]!, target, { verified, random: () => (i + 0.5) / PIECES_IN_FILE, timeoutMs: AUDIT_TIMEOUT_MS });
    if (!r.audited?.ok) throw new Error(`warming audit failed: ${r.error}`);
  }
  for (let piece = 0; piece < PIECES_IN_FILE; piece++) {
    const bytes = verified.peek(target.infoHash, piece);
    if (bytes) mixed.put(target.infoHash, piece, bytes);
  }
  const blocks = await round('block challenges only', verified);
  const mix = await round(`default mix (1/${Math.round(1 / DEFAULT_WHOLE_PIECE_SHARE)} whole)`, mixed);
  console.log(
    `bytes per audit against whole pieces: block challenges ${(blocks.perAudit / whole.perAudit).toFixed(3)} (1/${(whole.perAudit / blocks.perAudit).toFixed(0)}), ` +
    `default mix ${(mix.perAudit / whole.perAudit).toFixed(3)} (1/${(whole.perAudit / mix.perAudit).toFixed(1)})`,
  );
  const commons = (perAudit: number, seconds: number) => {
    const bytes = perAudit * COMMONS_AUDITS_PER_ROUND;
    const atRate = rate > 0 ? bytes / rate : 0;
    const atMeasured = (seconds / peers.length) * COMMONS_AUDITS_PER_ROUND;
    return `${formatSize(bytes)} a round, ${(Math.max(atRate, atMeasured) / 3600).toFixed(2)} h (${rate > 0 ? `${(atRate / 3600).toFixed(2)} h at the cap, ` : ''}${(atMeasured / 3600).toFixed(2)} h at this run's audit rate)`;
  };
  console.log(`extrapolated to ${COMMONS_AUDITS_PER_ROUND.toLocaleString('en')} audits (75,000 volumes × 3 copies): whole pieces ${commons(whole.perAudit, whole.seconds)}; default mix ${commons(mix.perAudit, mix.seconds)}`);
}

/** Runs the honest round alone, then with the tarpits listed first; prints the ratio and whether honest verdicts held. */
async function compareWithTarpits(target: AuditTarget, honest: PeerAddress[], tarpits: PeerAddress[], tarpitHosts: number, concurrency: number): Promise<void> {
  const round = async (peers: PeerAddress[], backoff: HostBackoff) => {
    const started = performance.now();
    const results = await runCensus([{ target, peers }], { concurrency, backoff, signal: AbortSignal.timeout(runLimitMs) });
    return { seconds: (performance.now() - started) / 1000, results };
  };
  const isTarpit = new Set(tarpits.map((p) => `${p.host}:${p.port}`));
  const verdicts = (results: CensusResult[]) => new Map(results.filter((r) => !isTarpit.has(`${r.host}:${r.port}`)).map((r) => [`${r.host}:${r.port}`, r.audited?.ok ?? null]));
  // Honest-only rounds before and after the tarpit ones: the machine's load drifts, so the base is their mean.
  const before = await round(honest, new HostBackoff());
  const backoff = new HostBackoff();
  const first = await round([...tarpits, ...honest], backoff);
  const second = await round([...tarpits, ...honest], backoff);
  const after = await round(honest, new HostBackoff());
  const alone = { seconds: (before.seconds + after.seconds) / 2, results: before.results };
  console.log(`honest-only rounds: ${before.seconds.toFixed(2)} s before, ${after.seconds.toFixed(2)} s after the tarpit rounds`);
  const base = verdicts(alone.results);
  for (const [label, r] of [['first round', first], ['next round', second]] as const) {
    const v = verdicts(r.results);
    const changed = [...base].filter(([k, ok]) => v.get(k) !== ok || verdicts(after.results).get(k) !== ok).length;
    const carried = r.results.filter((x) => x.carried).length;
    const ratio = r.seconds / alone.seconds;
    console.log(
      `with ${tarpits.length} tarpit ports on ${tarpitHosts} addresses, ${label}: ${r.seconds.toFixed(2)} s against ${alone.seconds.toFixed(2)} s honest-only, ` +
      `ratio ${ratio.toFixed(2)} (target ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'}); honest verdicts ${changed === 0 ? 'unchanged' : `CHANGED for ${changed}`} ` +
      `(${[...base.values()].filter(Boolean).length} of ${base.size} passed); ${carried} tarpit ports carried to the next round; backed-off hosts ${backoff.size}`,
    );
  }
}

if (values.serve) await serve(JSON.parse(values.serve) as ServeRequest);
else await main();
