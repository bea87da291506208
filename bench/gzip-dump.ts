/**
 * Synthetic MySQL dumps for benchmarks: written once as gzip (fast level, streaming with
 * back-pressure, renamed into place when whole) and reused by later runs.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { constants as zlibConstants, createGzip } from 'node:zlib';

/** How the dump is laid out: header text, one tuple per row, rows per INSERT, footer text. */
export interface GzipDumpSpec {
  header: string;
  rows: number;
  rowsPerStatement: number;
  /** The `(...)` tuple of row `i`. */
  tuple: (i: number) => string;
  footer?: string;
}

/** Writes `file` unless it exists already; returns whether it was written now, and how long it took. */
export async function writeGzipDumpOnce(file: string, spec: GzipDumpSpec): Promise<{ written: boolean; ms: number }> {
  if (await stat(file).catch(() => null)) return { written: false, ms: 0 };
  await mkdir(path.dirname(file), { recursive: true });
  const started = performance.now();
  const gz = createGzip({ level: zlibConstants.Z_BEST_SPEED });
  const out = createWriteStream(`${file}.partial`);
  gz.pipe(out);
  const write = async (text: string) => {
    if (!gz.write(text)) await once(gz, 'drain');
  };
  await write(spec.header);
  for (let i = 0; i < spec.rows; i += spec.rowsPerStatement) {
    const tuples: string[] = [];
    for (let j = i; j < Math.min(spec.rows, i + spec.rowsPerStatement); j++) tuples.push(spec.tuple(j));
    await write(`INSERT INTO \`image\` VALUES ${tuples.join(',')};\n`);
  }
  if (spec.footer) await write(spec.footer);
  gz.end();
  await once(out, 'close');
  await rename(`${file}.partial`, file);
  return { written: true, ms: performance.now() - started };
}
