/**
 * Piece-hashing throughput: our createVolumeTorrent against create-torrent@6 and mktorrent on
 * the same tree of a few hundred random files, in page cache, same piece length.
 *
 *   node bin/run-ts.js bench/torrent-hash.bench.ts [--size-mb 1024] [--piece-kib 1024] [--runs 3]
 *
 * The tree is made once under os.tmpdir() and reused across runs.
 */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeHashWorkers, createVolumeTorrent, type VolumeFile } from '../shared/torrent/index.ts';

const DEFAULT_SIZE_MB = 1024;
const DEFAULT_PIECE_KIB = 1024;
const DEFAULT_RUNS = 3;
/** A few hundred files: enough that per-file costs show, few enough to stay a "large files" test. */
const FILE_COUNT = 300;
const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;
const WARM_CHUNK_BYTES = 8 * 1024 * 1024;
const BYTES_PER_MB = 1e6;

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: String(DEFAULT_SIZE_MB) },
    'piece-kib': { type: 'string', default: String(DEFAULT_PIECE_KIB) },
    runs: { type: 'string', default: String(DEFAULT_RUNS) },
  },
});
const sizeBytes = Number(values['size-mb']) * BYTES_PER_MB;
const pieceLength = Number(values['piece-kib']) * 1024;
const runs = Number(values.runs);
const log2Piece = Math.log2(pieceLength);
if (!Number.isInteger(log2Piece)) throw new Error('--piece-kib must be a power of two');

/** Deterministic pseudo-random sizes (mulberry32), so the tree is the same on every machine. */
function fileSizes(total: number, count: number): number[] {
  let seed = 0x5eedba4c;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const weights = Array.from({ length: count }, () => 0.05 + rand() ** 3);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.floor((w / sum) * total));
  sizes[0]! += total - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

/** Creates (once) the tree under tmpdir and returns its files in our volume order. */
function ensureTree(): { root: string; files: VolumeFile[] } {
  const base = path.join(os.tmpdir(), `seedbank-bench-torrent-${sizeBytes}`);
  const root = path.join(base, 'commons');
  const manifest = path.join(base, 'manifest.json');
  if (existsSync(manifest)) return { root, files: JSON.parse(readFileSync(manifest, 'utf8')) as VolumeFile[] };
  rmSync(base, { recursive: true, force: true });
  console.log(`creating ${FILE_COUNT} files, ${(sizeBytes / BYTES_PER_MB).toFixed(0)} MB, in ${root} …`);
  const chunk = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
  const files: VolumeFile[] = fileSizes(sizeBytes, FILE_COUNT).map((length, i) => {
    const hex = (i * 2654435761 >>> 0).toString(16).padStart(8, '0');
    const rel = `${hex[0]}/${hex.slice(0, 2)}/Bench_file_${String(i).padStart(4, '0')}.jpg`;
    const absPath = path.join(root, rel);
    mkdirSync(path.dirname(absPath), { recursive: true });
    const fd = openSync(absPath, 'w');
    for (let done = 0; done < length; ) {
      const n = Math.min(chunk.length, length - done);
      randomFillSync(chunk, 0, n);
      done += writeSync(fd, chunk, 0, n);
    }
    closeSync(fd);
    return { path: rel, length, absPath };
  });
  writeFileSync(manifest, JSON.stringify(files));
  return { root, files };
}

/** Reads every byte once so all tools start from the page cache. */
function warm(files: VolumeFile[]): void {
  const buf = Buffer.allocUnsafe(WARM_CHUNK_BYTES);
  for (const f of files) {
    const fd = openSync(f.absPath, 'r');
    while (readSync(fd, buf, 0, buf.length, null) > 0);
    closeSync(fd);
  }
}

interface Sample {
  wall: number;
  /** CPU seconds (user + system, all threads; children measured with /usr/bin/time). */
  cpu: number;
}

/** A run returns the CPU seconds of any child process it ran, since Node cannot see those. */
type Run = () => Promise<number | void> | number | void;

async function measure(fn: Run): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const childCpu = (await fn()) ?? 0;
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1e6 + childCpu };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

type CreateTorrent = (input: string, opts: object, cb: (err: Error | null, buf?: Uint8Array) => void) => void;

const { root, files } = ensureTree();
const total = files.reduce((a, f) => a + f.length, 0);
warm(files);
const { default: createTorrent } = (await import('create-torrent' as string)) as { default: CreateTorrent };
const mktorrentOut = path.join(os.tmpdir(), `seedbank-bench-${process.pid}.torrent`);
const timeOut = `${mktorrentOut}.time`;
const mktorrent = (threads?: number): number => {
  rmSync(mktorrentOut, { force: true });
  const args = ['-l', String(log2Piece), '-o', mktorrentOut, ...(threads ? ['-t', String(threads)] : []), root];
  execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', timeOut, 'mktorrent', ...args], { stdio: 'ignore' });
  const [user, sys] = readFileSync(timeOut, 'utf8').trim().split(/\s+/).map(Number);
  return (user ?? 0) + (sys ?? 0);
};

const OURS = 'seedbank createVolumeTorrent';
const CREATE_TORRENT = 'create-torrent@6';
const MKTORRENT_DEFAULT = `mktorrent (default threads, ${os.availableParallelism()} cores)`;
/** Name, timed run, untimed preparation. */
const contenders: Array<[string, Run, (() => Promise<void>)?]> = [
  [OURS, async () => void (await createVolumeTorrent({ files, pieceLength, urlList: [] }))],
  // Workers are pooled between calls; this row pays for starting them every time.
  [`${OURS}, cold workers`, async () => void (await createVolumeTorrent({ files, pieceLength, urlList: [] })), closeHashWorkers],
  ['seedbank, 1 worker', async () => void (await createVolumeTorrent({ files, pieceLength, urlList: [], workers: 1 }))],
  [CREATE_TORRENT, () => new Promise<void>((resolve, reject) => createTorrent(root, { pieceLength, announceList: [] }, (err) => (err ? reject(err) : resolve())))],
  [MKTORRENT_DEFAULT, () => mktorrent()],
  ['mktorrent -t 1', () => mktorrent(1)],
];

console.log(`${files.length} files, ${(total / BYTES_PER_MB).toFixed(0)} MB, piece ${pieceLength / 1024} KiB, ${runs} runs each, ${os.availableParallelism()} CPUs, Node ${process.version}`);
// Round-robin rather than all runs of one tool in a row, so load from elsewhere hits all tools alike.
const samples = new Map<string, Sample[]>(contenders.map(([name]) => [name, []]));
for (let r = 0; r < runs; r++) {
  for (const [name, fn, prepare] of contenders) {
    await prepare?.();
    samples.get(name)!.push(await measure(fn));
  }
}
rmSync(mktorrentOut, { force: true });
rmSync(timeOut, { force: true });

const mbps = (s: number): number => total / BYTES_PER_MB / s;
const results = new Map(
  [...samples].map(([name, xs]) => {
    const walls = xs.map((x) => x.wall);
    return [name, { best: Math.min(...walls), median: median(walls), cpu: median(xs.map((x) => x.cpu)), walls }];
  }),
);
const rows = [...results].map(([name, r]) => [
  name,
  r.walls.map((t) => t.toFixed(2)).join(' / '),
  mbps(r.best).toFixed(0),
  mbps(r.median).toFixed(0),
  r.cpu.toFixed(2),
  mbps(r.cpu).toFixed(0),
]);
const header = ['tool', 'wall seconds per run', 'MB/s best', 'MB/s median', 'CPU s (median)', 'MB per CPU-s'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const row of rows) console.log(line(row));

const ours = results.get(OURS)!;
/** Throughput ratio ours/other = the other's time over ours. */
const ratio = (other: string): string => {
  const o = results.get(other)!;
  return `${(o.median / ours.median).toFixed(2)}x median, ${(o.best / ours.best).toFixed(2)}x best, ${(o.cpu / ours.cpu).toFixed(2)}x per CPU-second`;
};
console.log(`ours / mktorrent default threads: ${ratio(MKTORRENT_DEFAULT)}`);
console.log(`ours / mktorrent -t 1:            ${ratio('mktorrent -t 1')}`);
console.log(`ours / create-torrent@6:          ${ratio(CREATE_TORRENT)}`);
const cold = results.get(`${OURS}, cold workers`)!;
console.log(`cold workers / mktorrent default:  ${(results.get(MKTORRENT_DEFAULT)!.median / cold.median).toFixed(2)}x median, ${(results.get(MKTORRENT_DEFAULT)!.best / cold.best).toFixed(2)}x best`);
await closeHashWorkers();
