// npm run bench:build — the set builder's figures, as ratios against references measured
// in the same run: (1) an incremental build at 1% changed files against a full build of
// the same set on the local wiki, with bytes downloaded against bytes changed; (2) API
// requests per 1,000 files listed; (3) torrent hashing against mktorrent (bench/torrent-hash).
// Everything runs on 127.0.0.1 against a real MediaWiki; nothing reaches the internet.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { buildSet } from '../services/set-builder/build.ts';
import { parseRecipe } from '../shared/formats/recipe.ts';
import { formatSize } from '../shared/units.ts';
import { createLogger } from '../shared/log.ts';

const logger = createLogger({ level: process.env.SEEDBANK_LOG_LEVEL ?? 'warn' });
import { encodeImage } from '../deploy/local/wiki/images.ts';
import { startWiki, type Wiki } from '../deploy/local/wiki/mediawiki.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '1000' },
    'width': { type: 'string', default: '480' },
    'skip-hash': { type: 'boolean', default: false },
  },
});
const FILES = Number(values.files);
const WIDTH = Number(values.width);
const CHANGED_SHARE = 0.01;
const CATEGORY = 'Benchmark photographs';

async function makeBatch(dir: string, from: number, count: number, seedOffset: number): Promise<number> {
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  for (let i = from; i < from + count; i++) {
    const img = await encodeImage(i + seedOffset, { format: 'jpeg', width: WIDTH, height: Math.round(WIDTH * 0.75), noise: 0.6 });
    bytes += img.length;
    await writeFile(path.join(dir, `Benchmark photo ${String(i).padStart(5, '0')}.jpg`), img);
    await writeFile(path.join(dir, `Benchmark photo ${String(i).padStart(5, '0')}.txt`), `A benchmark photograph.\n{{cc-by-sa-4.0}}\n[[Category:${CATEGORY}]]\n`);
  }
  return bytes;
}

async function importDir(wiki: Wiki, dir: string, overwrite: boolean): Promise<void> {
  await wiki.php('importImages.php', ['--comment-ext=txt', `--user=${wiki.adminUser}`, ...(overwrite ? ['--overwrite'] : []), dir], { timeoutMs: 1_800_000 });
  await wiki.php('runJobs.php', [], { timeoutMs: 600_000 });
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-bench-'));
  const wiki = await startWiki({ name: 'bench', logRequests: true });
  try {
    console.log(`filling the wiki with ${FILES} photographs…`);
    const totalBytes = await makeBatch(path.join(work, 'src'), 0, FILES, 0);
    await wiki.php('edit.php', ['--user', wiki.adminUser, `Category:${CATEGORY}`], { input: 'Benchmark category.' });
    await importDir(wiki, path.join(work, 'src'), false);
    const recipe = parseRecipe({ id: 'bench', title: 'Benchmark', wiki: wiki.apiUrl, selection: { categories: [CATEGORY] }, volumeSizeLimit: '64MB', pieceLength: '256KiB' });
    const dataDir = path.join(work, 'data');

    const full = await buildSet({ recipe, dataDir, maxBytesPerSecond: 0, logger });
    const changedCount = Math.max(1, Math.round(FILES * CHANGED_SHARE));
    const changeDir = path.join(work, 'changed');
    // Re-upload files spread over the whole set (not the oldest ones), new bytes for each.
    const step = Math.floor(FILES / changedCount);
    let changedBytes = 0;
    for (let k = 0; k < changedCount; k++) changedBytes += await makeBatch(changeDir, k * step + Math.floor(step / 2), 1, 1_000_000);
    await importDir(wiki, changeDir, true);
    await wiki.clearRequests();
    const inc = await buildSet({ recipe, dataDir, maxBytesPerSecond: 0, logger });
    const media = await wiki.mediaRequests();

    const perThousand = (full.stats.apiRequests / full.manifest.totals.files) * 1000;
    const rows = [
      ['full build', `${full.manifest.totals.files} files, ${formatSize(totalBytes)}`, `${(full.stats.elapsedMs / 1000).toFixed(2)} s`, `${full.stats.apiRequests} API requests, ${full.manifest.volumes.length} volumes`],
      ['incremental (1%)', `${changedCount} files re-uploaded, ${formatSize(changedBytes)}`, `${(inc.stats.elapsedMs / 1000).toFixed(2)} s`, `${inc.stats.volumesHashed} volumes re-hashed, ${inc.stats.piecesHashed} pieces, listing by ${inc.stats.listingMode}, ${inc.stats.apiRequests} API requests`],
    ];
    console.log('\n| build | data | time | notes |\n|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    console.log(`\nphases (ms): full ${JSON.stringify(full.stats.phases)}; incremental ${JSON.stringify(inc.stats.phases)}`);
    console.log(`\nincremental / full time: ${(inc.stats.elapsedMs / full.stats.elapsedMs).toFixed(3)}x (target ≤ 0.10)`);
    console.log(`bytes downloaded / bytes changed: ${inc.stats.media.downloadedBytes} / ${changedBytes} = ${(inc.stats.media.downloadedBytes / changedBytes).toFixed(3)}x (target 1.0); media requests: ${media.length}`);
    console.log(`API requests per 1,000 files listed: ${perThousand.toFixed(1)} (target ≤ 25)`);
  } finally {
    await wiki.stop();
    await rm(work, { recursive: true, force: true });
  }
  if (!values['skip-hash']) {
    console.log('\ntorrent hashing against mktorrent (bench/torrent-hash.bench.ts):');
    spawnSync(process.execPath, ['bin/run-ts.js', 'bench/torrent-hash.bench.ts'], { stdio: 'inherit' });
  }
}

await main();
