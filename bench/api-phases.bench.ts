// node --expose-gc bin/run-ts.js bench/api-phases.bench.ts [--files 100000]
// Where the API build's memory goes, phase by phase (bench:scale's section (b), opened up):
// a MariaDB MediaWiki bulk-filled with --files files (deploy/local/wiki/scale-fill.ts), then the
// real buildSet through its API on 127.0.0.1 with the media from its upload folder
// (--media-from), in this process. At each phase end: the peak RSS reached during the phase
// (VmHWM, reset after each phase), the RSS split into anonymous and file-backed, then, after a
// forced full GC, the live heap; every 25 MiB of growth a line with the RSS and heap, so a peak
// between phase ends is seen too. Loopback only.
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startWiki } from '../deploy/local/wiki/mediawiki.ts';
import { SCALE_ROOT } from '../deploy/local/wiki/scale-data.ts';
import { fillWikiInBulk } from '../deploy/local/wiki/scale-fill.ts';
import { parseRecipe } from '../shared/formats/recipe.ts';
import { buildSet } from '../services/set-builder/build.ts';
import { SCALE_PIECE_LENGTH, SCALE_VOLUME_LIMIT } from './scale/wiki-builds.ts';

const { values } = parseArgs({ options: { files: { type: 'string', default: '100000' } } });
const FILES = Number(values.files.replace(/[_,]/g, ''));
const MIB = 2 ** 20;
/** How often the RSS is sampled between phase ends. */
const SAMPLE_MS = 500;
/** Growth of the RSS that prints a sample line. */
const PRINT_STEP_MIB = 25;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc bin/run-ts.js bench/api-phases.bench.ts');

/** Kernel memory figures of this process, MiB (VmHWM: the peak since the last reset). */
function procStatus(): { peak: number; rss: number; anon: number; file: number } {
  const text = readFileSync('/proc/self/status', 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { peak: Math.round(kib('VmHWM') / 1024), rss: Math.round(kib('VmRSS') / 1024), anon: Math.round(kib('RssAnon') / 1024), file: Math.round(kib('RssFile') / 1024) };
}
/** Resets VmHWM, so the next phase's peak is its own (Linux: "5" into clear_refs). */
const resetPeak = () => writeFileSync('/proc/self/clear_refs', '5');
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const wiki = await startWiki({ name: 'Scale Wiki', database: 'mariadb' });
const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-api-phases-'));
try {
  const fill = await fillWikiInBulk(wiki, { files: FILES, log });
  const recipe = parseRecipe({
    id: 'api-phases', title: 'API phases', wiki: wiki.apiUrl,
    selection: { categories: [{ name: SCALE_ROOT, depth: 2 }] },
    volumeSizeLimit: SCALE_VOLUME_LIMIT, pieceLength: SCALE_PIECE_LENGTH,
  });
  const t0 = performance.now();
  let printed = 0;
  const sampler = setInterval(() => {
    const s = procStatus();
    if (s.rss < printed + PRINT_STEP_MIB) return;
    printed = s.rss;
    const m = process.memoryUsage();
    log(`  ${((performance.now() - t0) / 1000).toFixed(0)} s: RSS ${s.rss} MiB (anon ${s.anon} + file ${s.file}), heap used ${Math.round(m.heapUsed / MIB)} of ${Math.round(m.heapTotal / MIB)} MiB, array buffers ${Math.round(m.arrayBuffers / MIB)} MiB`);
  }, SAMPLE_MS);
  const rows: string[] = [];
  // Resetting VmHWM resets the process's ru_maxrss too: the build's peak is the highest phase peak.
  let peakMiB = 0;
  resetPeak();
  const r = await buildSet({
    recipe, dataDir: work, tty: false, mediaFrom: fill.uploadDir,
    onPhase(name, ms) {
      const before = procStatus();
      peakMiB = Math.max(peakMiB, before.peak);
      gc();
      const m = process.memoryUsage();
      rows.push(`| ${name} | ${(ms / 1000).toFixed(1)} | ${before.peak} MiB | ${before.rss} (${before.anon} + ${before.file}) | ${Math.round(m.heapUsed / MIB)} / ${Math.round(m.heapTotal / MIB)} MiB | ${load()} |`);
      log(`${name} done: ${rows.at(-1)}`);
      printed = 0;
      resetPeak();
    },
  });
  clearInterval(sampler);
  console.log(`# API build phases: ${r.head.totals.files.toLocaleString('en')} files, ${r.head.volumes.length} volumes, ${r.stats.apiRequests} API requests; peak RSS ${peakMiB} MiB (${((peakMiB * MIB) / 500e6).toFixed(2)}x of 500 MB; a full GC at each phase end, which a plain build does not have, lowers the next phase's start); load ${load()}\n`);
  console.log('| phase | s | peak RSS in phase | RSS at end (anon + file) | after GC: live heap / heap total | load |\n|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await wiki.stop();
  await rm(work, { recursive: true, force: true });
}
