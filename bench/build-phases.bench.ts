// node bin/run-ts.js bench/build-phases.bench.ts [--files 100000] [--keep-hwm]
// Where a real build's memory goes, phase by phase: the real buildSet (dump listing, media
// from a local mirror, volumes with real hashing, the split manifest, the preview) on the
// scale bench's synthetic dump run (bench/scale/synthetic-run.ts, made once and cached in
// the temp folder). The build runs in a child started with --expose-gc; at each phase end it
// prints the peak RSS reached during the phase (VmHWM, reset after each phase through
// /proc/self/clear_refs), RSS split into anonymous and file-backed (LMDB's map, mapped
// files), then, after a forced GC, the live heap, external and array buffers. Loopback
// only: the upload base is a closed port, so a file missing from the mirror fails loudly.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { SCALE_ROOT } from '../deploy/local/wiki/scale-data.ts';
import { parseRecipe } from '../shared/formats/recipe.ts';
import { buildSet } from '../services/set-builder/build.ts';
import { syntheticRun } from './scale/synthetic-run.ts';
import { SCALE_PIECE_LENGTH, SCALE_VOLUME_LIMIT } from './scale/wiki-builds.ts';

const { values } = parseArgs({ options: { files: { type: 'string', default: '100000' }, child: { type: 'boolean', default: false } } });
const FILES = Number(values.files.replace(/[_,]/g, ''));
const NOWHERE = 'http://127.0.0.1:9';
const CACHE_DIR = path.join(os.tmpdir(), 'seedbank-bench-cache');
const MIB = 2 ** 20;

/** Kernel memory figures of this process, in MiB (VmHWM is the peak since the last reset). */
function procStatus(): { peak: number; rss: number; anon: number; file: number } {
  const text = readFileSync('/proc/self/status', 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { peak: Math.round(kib('VmHWM') / 1024), rss: Math.round(kib('VmRSS') / 1024), anon: Math.round(kib('RssAnon') / 1024), file: Math.round(kib('RssFile') / 1024) };
}

/** Resets VmHWM, so the next phase's peak is its own (Linux: "5" into clear_refs). */
function resetPeak(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux, or not allowed: the peaks then accumulate, which the table says
  }
}

async function child(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the child with --expose-gc');
  const run = await syntheticRun(CACHE_DIR, FILES, (l) => console.error(l));
  const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-build-phases-'));
  try {
    const recipe = parseRecipe({
      id: 'phases', title: 'Build phases', wiki: `${NOWHERE}/api.php`,
      selection: { categories: [{ name: SCALE_ROOT, depth: 2 }] },
      volumeSizeLimit: SCALE_VOLUME_LIMIT, pieceLength: SCALE_PIECE_LENGTH,
    });
    const rows: Array<Record<string, number | string>> = [];
    resetPeak();
    const r = await buildSet({
      recipe, dataDir: work, tty: false, dumps: { dir: run.runDir, uploadBase: `${NOWHERE}/wikipedia/` }, mediaFrom: run.mediaDir,
      onPhase(name, ms) {
        const before = procStatus();
        gc();
        const mem = process.memoryUsage();
        const heap = getHeapStatistics();
        rows.push({
          phase: name, seconds: (ms / 1000).toFixed(1), peakMiB: before.peak, rssMiB: before.rss, anonMiB: before.anon, fileMiB: before.file,
          liveHeapMiB: Math.round(mem.heapUsed / MIB), heapTotalMiB: Math.round(heap.total_heap_size / MIB), externalMiB: Math.round(mem.external / MIB), arrayBuffersMiB: Math.round(mem.arrayBuffers / MIB),
          rssAfterGcMiB: procStatus().rss,
        });
        resetPeak();
      },
    });
    console.log(JSON.stringify({ files: r.head.totals.files, volumes: r.head.volumes.length, format: r.format, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), rows }));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (values.child) {
  await child();
} else {
  const self = fileURLToPath(import.meta.url);
  const runTs = path.join(path.dirname(self), '..', 'bin', 'run-ts.js');
  const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`# build phases, ${FILES.toLocaleString('en')} files from the synthetic dump run; load ${load()}`);
  const r = spawnSync(process.execPath, ['--expose-gc', runTs, self, '--child', '--files', String(FILES)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * MIB });
  if (r.status !== 0) throw new Error(`the build failed (exit ${r.status ?? r.signal})`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { files: number; volumes: number; format: string; maxRssMiB: number; rows: Array<Record<string, number | string>> };
  console.log(`${out.files.toLocaleString('en')} files, ${out.volumes} volumes, ${out.format}; peak RSS of the whole build ${out.maxRssMiB} MiB; load ${load()}\n`);
  console.log('| phase | s | peak RSS in phase | RSS at end (anon + file) | after GC: live heap / heap total / external / array buffers | RSS after GC |\n|---|---|---|---|---|---|');
  for (const row of out.rows) {
    console.log(`| ${row.phase} | ${row.seconds} | ${row.peakMiB} MiB | ${row.rssMiB} (${row.anonMiB} + ${row.fileMiB}) | ${row.liveHeapMiB} / ${row.heapTotalMiB} / ${row.externalMiB} / ${row.arrayBuffersMiB} MiB | ${row.rssAfterGcMiB} MiB |`);
  }
}
