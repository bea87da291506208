// Swarm benchmark (node bin/run-ts.js bench/swarm.bench.ts [--bulk-mb 64] [--seed-mb 256] [--rounds 3]
//   [--files 100000] [--volumes 4] [--upgrade-files 200] [--only bulk|seeding|rss|upgrade]):
// (a) bulk download from three of our seeders: our client against aria2c (web seeds off);
// (b) seeding: aria2c from our seeder against aria2c from a python3-libtorrent seeder, both
//     seeding the whole time (each torrent copy names its own tracker, so aria2c finds only
//     the one being measured), alternated over several rounds: medians and their ratio;
// (c) RSS of a seeder hosting many tiny files in several volumes (sets), when it starts
//     seeding, after a minute, and at its peak, beside transmission-daemon on the same torrents;
// (d) version upgrade: a seeder holding v1 adds v2 (files appended, one re-uploaded) and
//     downloads only what changed: bytes received over bytes changed.
// Everything on 127.0.0.1 with generated data; each part has a time limit.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import bencode from 'bencode';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { commonsPath } from '../shared/commons-path.ts';
import { createVolumeTorrent } from '../shared/torrent/index.ts';
import { formatSize } from '../shared/units.ts';
import { Seeder } from '../clients/seeder/index.ts';
import { startChildSeeder, type ChildSeeder } from '../test/helpers/peers/child-seeder.ts';
import { aria2Download, freeLoopbackPort, startLibtorrentSeeder } from '../test/helpers/peers/other-clients.ts';
import { startTestTracker } from '../test/helpers/peers/tracker.ts';
import { retargetTorrent } from '../test/helpers/peers/torrent-copy.ts';

const MB = 1_000_000;
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const BULK_BYTES = arg('bulk-mb', 64) * MB;
const BULK_FILE_BYTES = 4 * MB;
const BULK_PIECE_LENGTH = 256 * 1024;
const SEED_BYTES = arg('seed-mb', 256) * MB;
const SEED_ROUNDS = arg('rounds', 3);
const TINY_FILES = arg('files', 100_000);
const TINY_VOLUMES = arg('volumes', 4);
/** RSS is read again after this long: V8 gives back the start-up check's garbage lazily. */
const RSS_SETTLE_MS = 60_000;
const TINY_FILE_BYTES = 600;
const TINY_PIECE_LENGTH = 256 * 1024;
const PART_TIMEOUT_MS = 120_000;
const POLL_MS = 200;
const UPGRADE_FILES = arg('upgrade-files', 200);
const UPGRADE_FILE_BYTES = 200_000;
const UPGRADE_NEW_FILES = 10;
const UPGRADE_PIECE_LENGTH = 256 * 1024;
/** Target: bytes received within 5 % of the bytes changed, plus one piece per changed file. */
const UPGRADE_TARGET_RATIO = 1.05;

const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-swarm-bench-'));
const rows: [string, string, string][] = [];
const cleanups: (() => Promise<unknown>)[] = [];

/** Writes `count` files of `size` random bytes in the Commons layout under dir/commons; returns their volume entries. */
async function makeFiles(dir: string, prefix: string, count: number, size: number) {
  const files: { path: string; length: number; absPath: string; data?: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}_${String(i).padStart(6, '0')}.jpg`;
    const rel = commonsPath(name);
    const abs = path.join(dir, 'commons', ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    const data = randomBytes(size);
    await writeFile(abs, data);
    files.push({ path: rel, length: size, absPath: abs, ...(size < 4096 ? { data } : {}) });
  }
  return files;
}

async function torrentFile(name: string, files: Awaited<ReturnType<typeof makeFiles>>, pieceLength: number, announce: string[]): Promise<string> {
  const t = await createVolumeTorrent({ files, pieceLength, urlList: [], announce });
  const file = path.join(work, `${name}.torrent`);
  await writeFile(file, t.torrent);
  return file;
}

/**
 * A volume torrent hashed from memory: shared/torrent's hash workers keep every file of a job
 * open until the job ends and run out of descriptors at about 20,000 files (reported).
 */
async function tinyTorrentFile(name: string, files: Awaited<ReturnType<typeof makeFiles>>, pieceLength: number): Promise<string> {
  const all = Buffer.concat(files.map((f) => f.data!));
  const pieces: Buffer[] = [];
  for (let off = 0; off < all.length; off += pieceLength) pieces.push(createHash('sha1').update(all.subarray(off, off + pieceLength)).digest());
  const info = {
    files: files.map((f) => ({ length: f.length, path: f.path.split('/'), sha1: createHash('sha1').update(f.data!).digest() })),
    name: 'commons',
    'piece length': pieceLength,
    pieces: Buffer.concat(pieces),
  };
  const file = path.join(work, `${name}.torrent`);
  await writeFile(file, bencode.encode({ info }));
  return file;
}

const rate = (bytes: number, ms: number) => `${formatSize(Math.round(bytes / (ms / 1000)))}/s`;

async function withDeadline<T>(what: string, p: Promise<T>, ms = PART_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: over ${ms} ms`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

async function partBulk(): Promise<void> {
  const tracker = await startTestTracker();
  cleanups.push(tracker.close);
  const source = path.join(work, 'bulk-source');
  const files = await makeFiles(source, 'Bulk', Math.ceil(BULK_BYTES / BULK_FILE_BYTES), BULK_FILE_BYTES);
  const total = files.reduce((s, f) => s + f.length, 0);
  const file = await torrentFile('bulk', files, BULK_PIECE_LENGTH, [tracker.announceUrl]);
  const seeders: ChildSeeder[] = [];
  for (let i = 0; i < 3; i++) {
    const storage = path.join(work, `bulk-seeder-${i}`);
    await cp(source, storage, { recursive: true });
    const s = startChildSeeder(storage, ['--quota', '10GB', '--torrent', file, '--no-web-seeds', '--scrub-share', '0']);
    seeders.push(s);
    cleanups.push(() => s.stop('SIGKILL'));
  }
  for (const s of seeders) await s.waitForStatus('a bulk seeder ready', (st) => st.volumes[0]?.activity === 'seeding', PART_TIMEOUT_MS);

  const ours = await Seeder.open({ storage: path.join(work, 'bulk-ours'), quotaBytes: 10e9, webSeeds: false });
  cleanups.push(() => ours.close());
  const t0 = performance.now();
  const v = await ours.addVolume(await readFile(file));
  await withDeadline('our download', ours.whenComplete(v.infoHash, PART_TIMEOUT_MS));
  const oursMs = performance.now() - t0;
  await ours.close();
  const aria = await aria2Download(file, path.join(work, 'bulk-aria2'), PART_TIMEOUT_MS);
  rows.push(['(a) download from 3 of our seeders', `ours ${rate(total, oursMs)} (${(oursMs / 1000).toFixed(1)} s), aria2c ${rate(total, aria.ms)} (${(aria.ms / 1000).toFixed(1)} s)`, `ours/aria2c speed ${(aria.ms / oursMs).toFixed(2)}`]);
  for (const s of seeders) await s.stop();
  await tracker.close();
}

async function partSeeding(): Promise<void> {
  const [ourTracker, ltTracker] = [await startTestTracker(), await startTestTracker()];
  cleanups.push(ourTracker.close, ltTracker.close);
  const source = path.join(work, 'seed-source');
  const files = await makeFiles(source, 'Seed', Math.ceil(SEED_BYTES / BULK_FILE_BYTES), BULK_FILE_BYTES);
  const total = files.reduce((s, f) => s + f.length, 0);
  // The same info dictionary (same info hash) announced to two trackers.
  const ourFile = await torrentFile('seed', files, 2 * BULK_PIECE_LENGTH, [ourTracker.announceUrl]);
  const ltFile = path.join(work, 'seed-lt.torrent');
  await writeFile(ltFile, retargetTorrent(await readFile(ourFile), { announce: [ltTracker.announceUrl] }));

  const ours = startChildSeeder(source, ['--quota', '10GB', '--torrent', ourFile, '--no-web-seeds', '--scrub-share', '0']);
  cleanups.push(() => ours.stop('SIGKILL'));
  await ours.waitForStatus('our seeder ready', (st) => st.volumes[0]?.activity === 'seeding', PART_TIMEOUT_MS);
  const lt = await startLibtorrentSeeder(ltFile, source);
  cleanups.push(lt.close);
  const oursMs: number[] = [];
  const ltMs: number[] = [];
  let oursCpu = 0;
  let ltCpu = 0;
  for (let round = 0; round < SEED_ROUNDS; round++) {
    let c0 = await cpuSeconds(ours.child.pid!);
    oursMs.push((await aria2Download(ourFile, path.join(work, `seed-aria2-ours-${round}`), PART_TIMEOUT_MS)).ms);
    oursCpu += (await cpuSeconds(ours.child.pid!)) - c0;
    c0 = await cpuSeconds(lt.pid);
    ltMs.push((await aria2Download(ltFile, path.join(work, `seed-aria2-lt-${round}`), PART_TIMEOUT_MS)).ms);
    ltCpu += (await cpuSeconds(lt.pid)) - c0;
    await rm(path.join(work, `seed-aria2-ours-${round}`), { recursive: true, force: true });
    await rm(path.join(work, `seed-aria2-lt-${round}`), { recursive: true, force: true });
  }
  await ours.stop();
  await lt.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const secs = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(1)).join('/');
  rows.push([
    `(b) aria2c downloading ${formatSize(total)} from one seeder, ${SEED_ROUNDS} rounds alternated`,
    `ours ${rate(total, median(oursMs))} (${secs(oursMs)} s), libtorrent ${rate(total, median(ltMs))} (${secs(ltMs)} s); ` +
      `seeder CPU per GB sent: ours ${(oursCpu / ((SEED_ROUNDS * total) / 1e9)).toFixed(2)} s, libtorrent ${(ltCpu / ((SEED_ROUNDS * total) / 1e9)).toFixed(2)} s`,
    `ours/libtorrent speed ${(median(ltMs) / median(oursMs)).toFixed(2)} (medians; target ≥ 1.0)`,
  ]);
  await ourTracker.close();
  await ltTracker.close();
}

/** User + system CPU seconds a process has used (/proc/PID/stat, clock ticks of 1/100 s). */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function rssFigures(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

interface RssRun {
  /** RSS when everything is seeding, after RSS_SETTLE_MS, and the peak. */
  atStart: number;
  settled: number;
  peak: number;
  ms: number;
}

async function transmissionRss(torrents: string[], dataDir: string): Promise<RssRun | null> {
  const which = await new Promise<boolean>((resolve) => spawn('which', ['transmission-daemon']).on('close', (c) => resolve(c === 0)));
  if (!which) return null;
  const cfg = path.join(work, 'transmission');
  const watch = path.join(cfg, 'watch');
  await mkdir(watch, { recursive: true });
  const [rpc, peer] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const t0 = performance.now();
  const child = spawn('transmission-daemon', ['-f', '-g', cfg, '-w', dataDir, '-c', watch, '-p', String(rpc), '-P', String(peer), '-T', '-O', '-Y', '-M', '--no-utp', '-i', '127.0.0.1', '-r', '127.0.0.1'], { stdio: 'ignore' });
  cleanups.push(async () => child.kill('SIGKILL'));
  for (const t of torrents) await writeFile(path.join(watch, path.basename(t)), await readFile(t));
  const deadline = Date.now() + PART_TIMEOUT_MS;
  for (;;) {
    const out = await new Promise<string>((resolve) => {
      let s = '';
      const p = spawn('transmission-remote', [`127.0.0.1:${rpc}`, '-l'], { stdio: ['ignore', 'pipe', 'ignore'] });
      p.stdout.on('data', (d: Buffer) => (s += d.toString()));
      p.on('close', () => resolve(s));
    });
    if (out.split('\n').filter((l) => /\s100%\s.*(Seeding|Idle)/.test(l)).length >= torrents.length) break;
    if (Date.now() > deadline) throw new Error(`transmission did not verify the torrents in time:\n${out}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const ms = performance.now() - t0;
  const atStart = (await rssFigures(child.pid!)).rss;
  await new Promise((r) => setTimeout(r, RSS_SETTLE_MS));
  const { rss: settled, hwm: peak } = await rssFigures(child.pid!);
  child.kill('SIGTERM');
  return { atStart, settled, peak, ms };
}

async function partRss(): Promise<void> {
  const source = path.join(work, 'tiny-source');
  const t0 = performance.now();
  const files = await makeFiles(source, 'Tiny', TINY_FILES, TINY_FILE_BYTES);
  const perVolume = Math.ceil(TINY_FILES / TINY_VOLUMES);
  const torrents: string[] = [];
  for (let i = 0; i < TINY_VOLUMES; i++) torrents.push(await tinyTorrentFile(`tiny-${i}`, files.slice(i * perVolume, (i + 1) * perVolume), TINY_PIECE_LENGTH));
  const genMs = performance.now() - t0;
  const t1 = performance.now();
  const ours = startChildSeeder(source, ['--quota', '10GB', '--torrent', ...torrents, '--no-web-seeds', '--scrub-share', '0']);
  cleanups.push(() => ours.stop('SIGKILL'));
  await ours.waitForStatus('our seeder seeding the tiny files', (st) => st.volumes.length === torrents.length && st.volumes.every((v) => v.activity === 'seeding'), PART_TIMEOUT_MS * 2);
  const oursMs = performance.now() - t1;
  const atStart = (await rssFigures(ours.child.pid!)).rss;
  await new Promise((r) => setTimeout(r, RSS_SETTLE_MS));
  const { rss: settled, hwm: peak } = await rssFigures(ours.child.pid!);
  const status = await ours.status();
  await ours.stop();
  const tr = await transmissionRss(torrents, source);
  const mb = formatSize;
  rows.push([
    `(c) RSS hosting ${TINY_FILES} files in ${torrents.length} volumes (${formatSize(TINY_FILES * TINY_FILE_BYTES)}; made in ${(genMs / 1000).toFixed(1)} s)`,
    `ours ${mb(atStart)} when seeding (after ${(oursMs / 1000).toFixed(1)} s, ${status?.openFiles ?? '?'} files open), ${mb(settled)} a minute later, peak ${mb(peak)}` +
      (tr ? `; transmission-daemon ${mb(tr.atStart)}, ${mb(tr.settled)}, peak ${mb(tr.peak)} (after ${(tr.ms / 1000).toFixed(1)} s)` : '; transmission-daemon not installed'),
    (tr ? `ours/transmission RSS ${(settled / tr.settled).toFixed(2)} settled; ` : '') + `target ≤ 300 MB: ${Math.max(atStart, settled) <= 300e6 ? 'met' : 'MISSED'} (at start and settled)`,
  ]);
}

async function partUpgrade(): Promise<void> {
  const tracker = await startTestTracker();
  cleanups.push(tracker.close);
  const v1Dir = path.join(work, 'upgrade-v1');
  const v2Dir = path.join(work, 'upgrade-v2');
  const v1Files = await makeFiles(v1Dir, 'Old', UPGRADE_FILES, UPGRADE_FILE_BYTES);
  await cp(v1Dir, v2Dir, { recursive: true });
  // v2: the first file re-uploaded with new bytes (same path), new uploads appended.
  const reuploaded = { ...v1Files[0]!, absPath: path.join(v2Dir, 'commons', ...v1Files[0]!.path.split('/')) };
  await writeFile(reuploaded.absPath, randomBytes(UPGRADE_FILE_BYTES));
  const added = await makeFiles(v2Dir, 'New', UPGRADE_NEW_FILES, UPGRADE_FILE_BYTES);
  const v2Files = [reuploaded, ...v1Files.slice(1).map((f) => ({ ...f, absPath: path.join(v2Dir, 'commons', ...f.path.split('/')) })), ...added];
  const v1Torrent = await torrentFile('upgrade-v1', v1Files, UPGRADE_PIECE_LENGTH, [tracker.announceUrl]);
  const v2Torrent = await torrentFile('upgrade-v2', v2Files, UPGRADE_PIECE_LENGTH, [tracker.announceUrl]);
  const changedBytes = (1 + UPGRADE_NEW_FILES) * UPGRADE_FILE_BYTES;

  const source = await Seeder.open({ storage: v2Dir, quotaBytes: 10e9, webSeeds: false });
  cleanups.push(() => source.close());
  await source.addVolume(await readFile(v2Torrent));
  const follower = await Seeder.open({ storage: v1Dir, quotaBytes: 10e9, webSeeds: false });
  cleanups.push(() => follower.close());
  await follower.addVolume(await readFile(v1Torrent));
  const t0 = performance.now();
  const v2 = await follower.addVolume(await readFile(v2Torrent));
  follower.addPeer(v2.infoHash, `127.0.0.1:${source.port}`);
  await withDeadline('the upgrade', follower.whenComplete(v2.infoHash, PART_TIMEOUT_MS));
  const ms = performance.now() - t0;
  const received = follower.volumes().find((v) => v.infoHash === v2.infoHash)!.receivedBytes;
  const bound = changedBytes * UPGRADE_TARGET_RATIO + (1 + UPGRADE_NEW_FILES) * UPGRADE_PIECE_LENGTH;
  rows.push([
    `(d) version upgrade (${UPGRADE_FILES} files of ${formatSize(UPGRADE_FILE_BYTES)}; 1 re-uploaded, ${UPGRADE_NEW_FILES} added)`,
    `${formatSize(received)} received for ${formatSize(changedBytes)} changed in ${(ms / 1000).toFixed(1)} s (${(v2.progress * 100).toFixed(1)}% found on disk)`,
    `received/changed ${(received / changedBytes).toFixed(3)} (target ≤ ${UPGRADE_TARGET_RATIO} + 1 piece per changed file: ${received <= bound ? 'met' : 'MISSED'})`,
  ]);
  await follower.close();
  await source.close();
  await tracker.close();
}

try {
  for (const [name, part] of [['bulk', partBulk], ['seeding', partSeeding], ['rss', partRss], ['upgrade', partUpgrade]] as const) {
    if (only && only !== name) continue;
    try {
      // The RSS part makes 100,000 files and waits a minute twice; seeding runs several rounds.
      await withDeadline(name, part(), name === 'rss' ? 10 * PART_TIMEOUT_MS : name === 'seeding' ? 4 * PART_TIMEOUT_MS : PART_TIMEOUT_MS);
    } catch (err) {
      rows.push([name, `FAILED: ${(err as Error).message.split('\n')[0]}`, '']);
    }
  }
} finally {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await rm(work, { recursive: true, force: true });
}
const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i]!)).join(' | '));
