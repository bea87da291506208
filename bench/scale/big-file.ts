// node bin/run-ts.js bench/scale/big-file.ts [--size 5GiB] [--piece-length 4MiB] [--keep]
// One file at Commons' 5 GiB upload limit (or any --size, e.g. 256MiB for a quick run) through
// the whole path, each step a real `seedbank` process with its peak RSS measured: a real
// MediaWiki (nginx serving its upload folder) holds the file; `seedbank build` downloads it
// over HTTP and hashes it; `seedbank serve` + `seedbank publish`; `seedbank verify` re-hashes
// the built version; `seedbank seed` follows the set and fetches the file from the wiki's web
// seed; `seedbank restore --no-webseed` takes it from that seeder over loopback BitTorrent and
// checks its SHA-1; a second restore into the same folder, with the verified-files record
// removed, is restore's verification of data already on disk. Memory must not grow with size.
// Everything runs on 127.0.0.1; nothing reaches the internet. bench/scale.bench.ts can import
// bigFileSection() and run it as one section of `npm run bench:scale`.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readStatus } from '../../clients/seeder/status-file.ts';
import { startWiki } from '../../deploy/local/wiki/mediawiki.ts';
import { commonsPath, fileNameFromTitle } from '../../shared/commons-path.ts';
import { formatSize, parseSize } from '../../shared/units.ts';
import { runMeasured, startMeasured, writeRssPreload, type MeasuredChild } from './big-file-child.ts';
import { addBigFile } from './big-file-wiki.ts';

const SET_ID = 'big-file';
const CATEGORY = 'Big files';
const FILE_NAME = 'Seedbank big file.ogg';
/** Every step is given at least this long, plus the time to move the file at the slowest rate below. */
const STEP_MIN_MS = 120_000;
const STEP_MIN_BYTES_PER_S = 10 * 1e6;
const STATUS_POLL_MS = 500;
const MB = 1e6;

/** What the section is run with. */
export interface BigFileOptions {
  /** Bytes of the one file (Commons' limit is 5 GiB). */
  size: number;
  /** The recipe's piece length, e.g. '4MiB'. */
  pieceLength: string;
  /** Keep the work folder (the wiki's copy goes with the wiki regardless). */
  keep?: boolean;
  /** Where the lines go (default console.log). */
  log?: (line: string) => void;
}

/** One measured step. */
export interface BigFileRow {
  step: string;
  ms: number;
  peakRss: number;
  /** Bytes of the file the step moved or hashed (0: not proportional to the file). */
  bytes: number;
}

const rate = (bytes: number, ms: number) => (bytes > 0 ? `${(bytes / MB / (ms / 1000)).toFixed(1)} MB/s` : '-');

async function sha1OfFile(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Waits, with a deadline that says what did not happen, until the seeder reports every volume complete. */
async function waitSeeding(storage: string, seeder: MeasuredChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await readStatus(storage).catch(() => null);
    const vols = status?.volumes ?? [];
    if (vols.length > 0 && vols.every((v) => v.progress === 1 && v.activity === 'seeding')) return;
    if (seeder.child.exitCode !== null) throw new Error(`the seeder exited before it held the set\n${seeder.tail()}`);
    if (Date.now() > deadline) {
      throw new Error(`the seeder did not hold ${SET_ID} within ${timeoutMs} ms: ${JSON.stringify(vols.map((v) => ({ activity: v.activity, progress: v.progress, error: v.error })))}\n${seeder.tail()}`);
    }
    await new Promise((r) => setTimeout(r, STATUS_POLL_MS));
  }
}

/** Runs the big-file section: fixture, then every step as a measured process; returns the rows it printed. */
export async function bigFileSection(o: BigFileOptions): Promise<BigFileRow[]> {
  const SIZE = o.size;
  const log = o.log ?? ((line: string) => console.log(line));
  const STEP_TIMEOUT_MS = STEP_MIN_MS + Math.ceil((SIZE / STEP_MIN_BYTES_PER_S) * 1000);
  const rows: BigFileRow[] = [];
  const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-bench-bigfile-'));
  const preload = await writeRssPreload(work);
  const measured = (label: string) => ({ preload, rssFile: path.join(work, `maxrss-${label}.txt`), timeoutMs: STEP_TIMEOUT_MS });
  const wiki = await startWiki({ name: 'bench-big-file' });
  let catalogue: MeasuredChild | undefined;
  let seeder: MeasuredChild | undefined;
  try {
    log(`one file of ${formatSize(SIZE)} (${SIZE} bytes), pieces of ${o.pieceLength}; work folder ${work}`);
    const big = await addBigFile(wiki, { size: SIZE, category: CATEGORY, name: FILE_NAME });
    const t = big.timings;
    log(`fixture: generated in ${(t.generateMs / 1000).toFixed(1)} s (${rate(SIZE, t.generateMs)}), importImages.php + jobs (small stand-in) ${(t.importMs / 1000).toFixed(1)} s, row update + API check ${(t.checkMs / 1000).toFixed(1)} s, API reports SHA-1 ${big.sha1}`);

    const catDir = path.join(work, 'catalogue');
    await mkdir(catDir, { recursive: true });
    const tokenOut = await runMeasured(['catalogue', 'token', 'create', '--data', catDir, '--label', 'bench', '--init'], measured('token'));
    const token = tokenOut.stdout.trim().split('\n').pop()!.trim();
    catalogue = startMeasured(['serve', '--data', catDir, '--port', '0'], measured('serve'));
    const url = await waitForUrl(catalogue);

    const recipeFile = path.join(work, 'big-file.json');
    await writeFile(recipeFile, JSON.stringify({ id: SET_ID, title: 'One big file (bench)', wiki: wiki.apiUrl, selection: { categories: [{ name: CATEGORY, depth: 0 }] }, pieceLength: o.pieceLength, volumeSizeLimit: '64GB', copyTarget: 1 }));
    const data = path.join(work, 'builder');
    const build = await runMeasured(['build', recipeFile, '--data', data, '--max-rate', '0', '--tracker', `${url}/announce`], measured('build'));
    rows.push({ step: 'build (list, download over HTTP, SHA-1, hash pieces, sign)', ms: build.ms, peakRss: build.peakRss, bytes: SIZE });
    const publish = await runMeasured(['publish', path.join(data, 'sets', SET_ID), '--catalogue', url, '--token', token], measured('publish'));
    rows.push({ step: 'publish (metadata to the catalogue)', ms: publish.ms, peakRss: publish.peakRss, bytes: 0 });
    const verify = await runMeasured(['verify', path.join(data, 'sets', SET_ID, 'v1')], measured('verify'));
    rows.push({ step: 'verify (builder: re-hash the version)', ms: verify.ms, peakRss: verify.peakRss, bytes: SIZE });

    const storage = path.join(work, 'seeder');
    const seedStarted = performance.now();
    seeder = startMeasured(['seed', '--catalogue', url, '--sets', SET_ID, '--storage', storage, '--quota', `${Math.ceil((SIZE * 2) / 1e9) + 1}GB`, '--no-dht', '--poll-interval', '2s', '--port', '0', '--peer-host', '127.0.0.1', '--web-seed-max-rate', '0'], measured('seed'));
    await waitSeeding(storage, seeder, STEP_TIMEOUT_MS);
    const seedMs = performance.now() - seedStarted;
    rows.push({ step: 'seed (follow, fetch from the web seed, hash, seed)', ms: seedMs, peakRss: await seeder.peakRss(), bytes: SIZE });

    const out = path.join(work, 'restored');
    const restoreArgs = ['restore', SET_ID, '--catalogue', url, '--out', out, '--no-webseed', '--json'];
    const restore = await runMeasured(restoreArgs, measured('restore'));
    const report = JSON.parse(restore.stdout) as { ok: boolean; filesOk: number; bytesReceived: number; bytesFoundOnDisk: number };
    if (!report.ok || report.filesOk !== 1) throw new Error(`restore did not restore the file: ${restore.stdout.slice(0, 3000)}`);
    rows.push({ step: `restore (peers only, ${formatSize(report.bytesReceived)} received, SHA-1)`, ms: restore.ms, peakRss: restore.peakRss, bytes: SIZE });

    // Restore's verification alone: the data is all there, the record of verified files is not.
    await rm(path.join(out, '.seedbank-restore', 'verified.json'), { force: true });
    const again = await runMeasured(restoreArgs, measured('restore-again'));
    const againReport = JSON.parse(again.stdout) as { ok: boolean; bytesReceived: number; bytesFoundOnDisk: number };
    if (!againReport.ok) throw new Error(`restore over the restored data failed: ${again.stdout.slice(0, 3000)}`);
    rows.push({ step: `restore again (verify on disk: ${formatSize(againReport.bytesFoundOnDisk)} found, ${formatSize(againReport.bytesReceived)} received)`, ms: again.ms, peakRss: again.peakRss, bytes: SIZE });
    await seeder.stop();
    await catalogue.stop();
    rows.push({ step: 'serve (the catalogue, whole run)', ms: 0, peakRss: await catalogue.peakRss(), bytes: 0 });

    log(`\n| step (${formatSize(SIZE)} file) | wall | peak RSS | rate |\n|---|---|---|---|`);
    for (const r of rows) log(`| ${r.step} | ${r.ms > 0 ? `${(r.ms / 1000).toFixed(1)} s` : '-'} | ${formatSize(r.peakRss)} | ${rate(r.bytes, r.ms)} |`);
    const restored = path.join(out, 'commons', ...commonsPath(fileNameFromTitle(big.title)).split('/'));
    const tCheck = performance.now();
    const got = await sha1OfFile(restored);
    if (got !== big.sha1) throw new Error(`the restored file ${restored} has SHA-1 ${got}, the wiki's is ${big.sha1}`);
    log(`restored file's SHA-1 checked by the bench: ${got} = the wiki's (${((performance.now() - tCheck) / 1000).toFixed(1)} s)`);
    return rows;
  } finally {
    await seeder?.stop().catch(() => undefined);
    await catalogue?.stop().catch(() => undefined);
    await wiki.stop();
    if (o.keep) log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

async function waitForUrl(c: MeasuredChild): Promise<string> {
  const deadline = Date.now() + STEP_MIN_MS;
  for (;;) {
    const m = /catalogue listening on (http:\/\/\S+)/.exec(c.stdout());
    if (m) return m[1]!;
    if (c.child.exitCode !== null) throw new Error(`seedbank serve exited\n${c.tail()}`);
    if (Date.now() > deadline) throw new Error(`seedbank serve did not say where it listens within ${STEP_MIN_MS} ms\n${c.tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Run from the command line (not when imported by bench/scale.bench.ts).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '5GiB' },
      'piece-length': { type: 'string', default: '4MiB' },
      keep: { type: 'boolean', default: false },
    },
  });
  const size = parseSize(values.size);
  if (size === null || size <= 0) throw new Error(`--size ${values.size}: give a size such as 5GiB or 256MiB`);
  await bigFileSection({ size, pieceLength: values['piece-length'], keep: values.keep });
}
