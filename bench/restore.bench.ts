// node bin/run-ts.js bench/restore.bench.ts [--part restore|coverage|all] [--big-files N] [--rows N]
// (1) Restore throughput from peers only (`seedbank restore --no-webseed`, a real process)
//     against aria2c on the same volumes from the same two webtorrent seeders, as a ratio.
// (2) Whole-wiki coverage over a synthetic image table dump (10 million rows by default,
//     generated once, streaming, into a cached gzip file): rows per second and peak RSS,
//     printed at 1M and at the end, which must stay flat as the dump grows.
// Everything runs on 127.0.0.1; nothing reaches the internet.
import { IMAGE_TABLE_DDL } from '../test/fixtures/image-table.ts';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeGzipDumpOnce } from './gzip-dump.ts';
import { hexToBase36Sha1 } from '../shared/dumps/base36-sha1.ts';
import { imageDumpCoverage } from '../clients/restore/coverage/coverage.ts';
import { withTrackersFirst } from '../shared/torrent/top-level.ts';
import { aria2Download } from '../test/helpers/peers/other-clients.ts';
import { buildSet } from '../services/set-builder/build.ts';
import { publishSet } from '../services/set-builder/publish.ts';
import { createToken } from '../services/tracker-web/auth/tokens.ts';
import { startSeeder, type Seeder } from '../test/helpers/peers/webtorrent-seeder.ts';
import { startCatalogueServer } from '../services/tracker-web/server.ts';
import { parseRecipe } from '../shared/formats/recipe.ts';
import { formatSize } from '../shared/units.ts';
import { fillWiki } from '../deploy/local/wiki/fixtures.ts';
import { startWiki } from '../deploy/local/wiki/mediawiki.ts';
import { runCli } from '../test/helpers/run-cli.ts';

const { values } = parseArgs({
  options: {
    part: { type: 'string', default: 'all' },
    'big-files': { type: 'string', default: '8' },
    rows: { type: 'string', default: '10000000' },
  },
});
const ROWS = Number(values.rows);
/** RSS is printed when the coverage run passes these row counts. */
const RSS_CHECKPOINTS = [1_000_000, ROWS];
/** One row in this many is known to the synthetic catalogue (its size bounds the Map, not the dump). */
const CATALOGUE_SHARE = 100;
const ROWS_PER_STATEMENT = 1000;
const CACHE_DIR = path.join(os.tmpdir(), 'seedbank-bench-cache');
const DOWNLOAD_TIMEOUT_MS = 600_000;
const MB = 1e6;

const sha1Of = (i: number) => createHash('sha1').update(`row ${i}`).digest('hex');
const mbps = (bytes: number, ms: number) => (bytes / MB / (ms / 1000)).toFixed(1);

function announceFrom(url: string, localAddress: string, infoHash: string, port: number): Promise<void> {
  const enc = (b: Buffer) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');
  const q = `info_hash=${enc(Buffer.from(infoHash, 'hex'))}&peer_id=${enc(Buffer.from(`-SB0001-${localAddress.padEnd(12, 'x').slice(0, 12)}`))}&port=${port}&uploaded=0&downloaded=0&left=0&event=completed&compact=1`;
  return new Promise((resolve, reject) => {
    http.get(`${url}/announce?${q}`, { localAddress }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
}

async function restoreBench(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-bench-restore-'));
  const wiki = await startWiki({ name: 'bench-restore' });
  const seeders: Seeder[] = [];
  const catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: null });
  try {
    await fillWiki(wiki, { bigFiles: Number(values['big-files']), bulkCount: 40 });
    const dataDir = path.join(work, 'builder');
    const recipe = parseRecipe({ id: 'paris', title: 'Paris (bench)', wiki: wiki.apiUrl, selection: { categories: [{ name: 'Paris', depth: 3 }] }, pieceLength: '256KiB', volumeSizeLimit: '16MB' });
    const { manifest } = await buildSet({ recipe, dataDir, maxBytesPerSecond: 0 });
    await publishSet(path.join(dataDir, 'sets', 'paris'), { catalogueUrl: catalogue.url, token: await createToken(catalogue.store, 'bench') });
    for (const host of ['127.0.0.2', '127.0.0.3']) {
      for (const v of manifest.volumes) {
        const s = await startSeeder({ torrent: catalogue.store.volumeTorrent(v.infoHash)!, dir: path.join(dataDir, 'media') });
        seeders.push(s);
        await announceFrom(catalogue.url, host, v.infoHash, s.port);
      }
    }
    const bytes = manifest.totals.bytes;
    console.log(`set: ${manifest.files.length} files, ${formatSize(bytes)} in ${manifest.volumes.length} volumes, 2 seeders each`);

    const started = performance.now();
    const r = await runCli(['restore', 'paris', '--catalogue', catalogue.url, '--out', path.join(work, 'ours'), '--no-webseed'], { timeoutMs: DOWNLOAD_TIMEOUT_MS });
    const oursMs = performance.now() - started;
    if (r.code !== 0) throw new Error(`restore failed:\n${r.stdout}\n${r.stderr.slice(-2000)}`);

    let ariaMs = 0;
    for (const v of manifest.volumes) {
      const torrentFile = path.join(work, `${v.infoHash}.torrent`);
      await writeFile(torrentFile, withTrackersFirst(catalogue.store.volumeTorrent(v.infoHash)!, [`${catalogue.url}/announce`]));
      ariaMs += (await aria2Download(torrentFile, path.join(work, 'aria2'), DOWNLOAD_TIMEOUT_MS)).ms;
    }
    console.log(`seedbank restore (metadata, download, SHA-1 of every file, report): ${(oursMs / 1000).toFixed(2)} s, ${mbps(bytes, oursMs)} MB/s`);
    console.log(`aria2c (download only, volume by volume):                        ${(ariaMs / 1000).toFixed(2)} s, ${mbps(bytes, ariaMs)} MB/s`);
    console.log(`ratio seedbank/aria2c throughput: ${(ariaMs / oursMs).toFixed(2)}`);
  } finally {
    await Promise.all(seeders.map((s) => s.close().catch(() => undefined)));
    await catalogue.close();
    await wiki.stop();
    await rm(work, { recursive: true, force: true });
  }
}

const DUMP_HEADER = `-- MySQL dump 10.19 (synthetic, seedbank bench)
${IMAGE_TABLE_DDL}`;

/** Writes the synthetic dump once and reuses it afterwards. */
async function syntheticDump(rows: number): Promise<string> {
  const file = path.join(CACHE_DIR, `image-${rows}.sql.gz`);
  const { written, ms } = await writeGzipDumpOnce(file, {
    header: DUMP_HEADER,
    rows,
    rowsPerStatement: ROWS_PER_STATEMENT,
    tuple: (j) => {
      const name = j % 7 === 0 ? `O\\'Brien_(${j}),_view_é.jpg` : `Photo_${j}.jpg`;
      return `('${name}',${1000 + (j % 5000)},640,480,'a:1:{s:8:\\"Software\\";s:4:\\"test\\";}',8,'BITMAP','image','jpeg',${j},1,'20240101000000','${hexToBase36Sha1(sha1Of(j))}')`;
    },
  });
  if (written) console.log(`generated ${file} (${formatSize((await stat(file)).size)}) in ${(ms / 1000).toFixed(0)} s`);
  return file;
}

async function coverageBench(): Promise<void> {
  const dump = await syntheticDump(ROWS);
  const copies = new Map<string, number>();
  for (let i = 0; i < ROWS; i += CATALOGUE_SHARE) copies.set(sha1Of(i), (i / CATALOGUE_SHARE) % 4);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const checkpoints = [...RSS_CHECKPOINTS];
  const listFile = path.join(os.tmpdir(), `seedbank-bench-uncovered-${process.pid}.tsv`);
  const started = performance.now();
  const report = await imageDumpCoverage({
    dumpFile: dump,
    copies,
    missingListFile: listFile,
    onProgress: (rows) => {
      peak = Math.max(peak, process.memoryUsage().rss);
      while (checkpoints.length && rows >= checkpoints[0]!) {
        console.log(`  at ${checkpoints.shift()!.toLocaleString('en')} rows: RSS ${formatSize(process.memoryUsage().rss)}, peak so far ${formatSize(peak)}`);
      }
    },
  });
  const ms = performance.now() - started;
  clearInterval(sampler);
  await rm(listFile, { force: true });
  console.log(`coverage over ${report.files.toLocaleString('en')} rows (catalogue map of ${copies.size.toLocaleString('en')} files): ${(ms / 1000).toFixed(1)} s, ${Math.round(report.files / (ms / 1000)).toLocaleString('en')} rows/s, peak RSS ${formatSize(peak)}`);
  console.log(`  levels: ${report.levels.map((l) => `>=${l.atLeast}: ${l.files}`).join(', ')}; without copy: ${report.uncovered.files}`);
}

if (values.part === 'restore' || values.part === 'all') await restoreBench();
if (values.part === 'coverage' || values.part === 'all') await coverageBench();
