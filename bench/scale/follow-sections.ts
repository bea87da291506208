/**
 * Two sections of `npm run bench:scale` that run code written for them elsewhere:
 * - `follow`: a seeder following one volume of a 1,000,000-file split version
 *   (bench/split-follow.bench.ts, in a child under GNU time): bytes of metadata fetched
 *   against the target (its own list plus the top manifest) and peak RSS against 300 MB;
 * - `big-file`: one file of Commons' 5 GiB limit through build, publish, verify, seed,
 *   restore and restore's verification (bench/scale/big-file.ts), each step's peak RSS.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { bigFileSection } from './big-file.ts';
import type { ScaleRow, ScaleSection } from './context.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..');
/** Issue 12's target for a seeder following one volume of a 1M-file set. */
const FOLLOW_RSS_TARGET_BYTES = 300e6;
/** Size of the big file (Commons' upload limit). */
const BIG_FILE_BYTES = 5 * 1024 ** 3;

/** Runs `node bin/run-ts.js <script> args` under GNU time; resolves with its stdout, exit code and peak RSS. */
async function measured(script: string, args: string[], workDir: string): Promise<{ code: number | null; stdout: string; stderr: string; peakRssBytes: number | null; ms: number }> {
  const timeFile = path.join(workDir, `${path.basename(script)}.time`);
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, 'bin/run-ts.js', script, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const kib = Number((await readFile(timeFile, 'utf8').catch(() => '')).trim().split('\n').pop());
  return { code, stdout, stderr, peakRssBytes: Number.isFinite(kib) && kib > 0 ? kib * 1024 : null, ms: performance.now() - started };
}

export const followSection: ScaleSection = {
  id: 'follow',
  title: 'A seeder following one volume of a 1,000,000-file split (/3) version',
  async run(ctx) {
    const files = ctx.options.syntheticFiles;
    ctx.log(`follow: a synthetic ${files}-file /3 version, one volume followed over the peer path`);
    const r = await measured('bench/split-follow.bench.ts', ['--files', String(files)], ctx.options.workDir);
    const http = /over HTTP: (\d+) bytes/.exec(r.stdout);
    const peers = /over peers: (\d+) bytes sent/.exec(r.stdout);
    const whole = /the whole metadata is (\d+) bytes/.exec(r.stdout);
    const row: ScaleRow = {
      label: `follow 1 volume of ${files.toLocaleString('en')} files`,
      ok: r.code === 0,
      wallMs: r.ms,
      peakRssBytes: r.peakRssBytes,
      rssTargetBytes: FOLLOW_RSS_TARGET_BYTES,
      figures: {
        ...(http ? { 'metadata over HTTP (top + own list)': Number(http[1]) } : {}),
        ...(peers ? { 'sent over peers (whole pieces)': Number(peers[1]) } : {}),
        ...(whole ? { 'whole metadata': Number(whole[1]) } : {}),
      },
      error: r.code === 0 ? undefined : r.stderr.split('\n').filter(Boolean).slice(-5).join(' | '),
    };
    return {
      rows: [row],
      notes: [
        ...r.stdout.split('\n').filter(Boolean),
        'Peak RSS is of one process holding both clients (the seeding side too), so the follower alone is below it.',
      ],
    };
  },
};

export const bigFileScaleSection: ScaleSection = {
  id: 'big-file',
  title: "One file at Commons' 5 GiB limit through build, publish, verify, seed and restore",
  async run(ctx) {
    const rows = await bigFileSection({ size: BIG_FILE_BYTES, pieceLength: '4MiB', log: (line) => ctx.log(line) });
    return {
      rows: rows.map((r): ScaleRow => {
        const figures: Record<string, number> = r.bytes > 0 ? { 'MB/s': Number((r.bytes / 1e6 / (r.ms / 1000)).toFixed(1)) } : {};
        return { label: r.step, ok: true, wallMs: r.ms, peakRssBytes: r.peakRss, figures };
      }),
      notes: ['Each step is a real seedbank process; memory must not grow with the file (256 MiB for comparison: node bin/run-ts.js bench/scale/big-file.ts --size 256MiB).'],
    };
  },
};
