/**
 * Coverage of a whole wiki: every file of its image table dump against the catalogue's copy
 * counts. Memory holds the catalogue's counts (one entry per file the catalogue knows) and
 * one read chunk of the dump; files without a copy go to a list file as they are found.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { readImageDump } from './image-dump.ts';

/** Copy levels reported: files and bytes with at least this many verified copies. */
export const COVERAGE_LEVELS = [1, 2, 3] as const;

/** Files and bytes at or above one copy level. */
export interface CoverageLevel {
  atLeast: number;
  files: number;
  bytes: number;
}

/** What a coverage run found. */
export interface CoverageReport {
  files: number;
  bytes: number;
  /** Rows whose SHA-1 the wiki left empty or malformed: counted as without copy. */
  withoutSha1: number;
  levels: CoverageLevel[];
  /** Files with no verified copy. */
  uncovered: { files: number; bytes: number; listFile: string | null };
}

export interface CoverageOptions {
  dumpFile: string;
  /** SHA-1 (hex) → verified copies, from the catalogue's export. */
  copies: ReadonlyMap<string, number>;
  /** Where to list the files without a copy (name, size, sha1, tab-separated); null: do not list. */
  missingListFile: string | null;
  /** Called after each batch with the rows read so far (progress, benchmarks). */
  onProgress?: (rows: number, bytes: number) => void;
}

/** Streams the dump and tallies files and bytes per copy level. */
export async function imageDumpCoverage(o: CoverageOptions): Promise<CoverageReport> {
  const levels: CoverageLevel[] = COVERAGE_LEVELS.map((atLeast) => ({ atLeast, files: 0, bytes: 0 }));
  const report: CoverageReport = { files: 0, bytes: 0, withoutSha1: 0, levels, uncovered: { files: 0, bytes: 0, listFile: o.missingListFile } };
  // The list is written beside its final name and renamed at the end, so a failed run (an
  // unreadable dump, a full disk) leaves no empty or half list that looks like a result.
  const partFile = o.missingListFile ? `${o.missingListFile}.part` : null;
  const out = partFile ? createWriteStream(partFile) : null;
  let writeError: unknown = null;
  out?.on('error', (err) => (writeError ??= err));
  let complete = false;
  try {
    await readImageDump(o.dumpFile, async (rows) => {
      let lines = '';
      for (const row of rows) {
        report.files++;
        report.bytes += row.size;
        if (row.sha1 === null) report.withoutSha1++;
        const n = row.sha1 === null ? 0 : (o.copies.get(row.sha1) ?? 0);
        for (const level of levels) {
          if (n < level.atLeast) break;
          level.files++;
          level.bytes += row.size;
        }
        if (n === 0) {
          report.uncovered.files++;
          report.uncovered.bytes += row.size;
          if (out) lines += `${row.name}\t${row.size}\t${row.sha1 ?? ''}\n`;
        }
      }
      o.onProgress?.(report.files, report.bytes);
      // Waiting for the list file to drain keeps memory flat when most files are uncovered.
      if (writeError) throw writeError;
      if (out && lines && !out.write(lines)) await once(out, 'drain');
    });
    complete = true;
  } finally {
    if (out) {
      if (!out.closed) {
        out.end();
        await once(out, 'close').catch(() => undefined);
      }
      if (complete && !writeError) await rename(partFile!, o.missingListFile!);
      else await rm(partFile!, { force: true });
    }
  }
  if (writeError) throw writeError;
  return report;
}
