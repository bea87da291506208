/**
 * Coverage of a whole wiki: every file of its image table dump against the catalogue's copy
 * counts. Memory holds the catalogue's counts (one entry per file the catalogue knows) and
 * one read chunk of the dump; files without a copy go to a list file as they are found.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { BASE36_SHA1_CHARS, base36ToHexSha1, hexToBase36Sha1 } from '../../../shared/dumps/base36-sha1.ts';
import { ImageCol, scanImageDump } from './image-dump.ts';

/** What MediaWiki stores as img_sha1 (up to 31 base-36 digits; larger values are caught when converted). */
const BASE36_SHA1 = /^[0-9a-z]{1,31}$/;

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
  /** Files (and bytes) the catalogue knows in some published set, copies or not: 100% once every shard is published. */
  inSets: { files: number; bytes: number };
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
  const report: CoverageReport = { files: 0, bytes: 0, withoutSha1: 0, inSets: { files: 0, bytes: 0 }, levels, uncovered: { files: 0, bytes: 0, listFile: o.missingListFile } };
  // The list is written beside its final name and renamed at the end, so a failed run (an
  // unreadable dump, a full disk) leaves no empty or half list that looks like a result.
  const partFile = o.missingListFile ? `${o.missingListFile}.part` : null;
  const out = partFile ? createWriteStream(partFile) : null;
  let writeError: unknown = null;
  out?.on('error', (err) => (writeError ??= err));
  let complete = false;
  // Keyed by the dump's own base-36 form, so a row's SHA-1 is looked up without converting it.
  const copies = new Map<string, number>();
  for (const [hex, n] of o.copies) copies.set(hexToBase36Sha1(hex), n);
  let lines = '';
  try {
    await scanImageDump(
      o.dumpFile,
      (row) => {
        const size = row.number(ImageCol.Size);
        const sha1 = row.text(ImageCol.Sha1).toLowerCase();
        report.files++;
        report.bytes += size;
        if (sha1 === '') report.withoutSha1++;
        const known = sha1 === '' ? undefined : copies.get(sha1.padStart(BASE36_SHA1_CHARS, '0'));
        const n = known ?? 0;
        if (known !== undefined) {
          report.inSets.files++;
          report.inSets.bytes += size;
        }
        for (const level of levels) {
          if (n < level.atLeast) break;
          level.files++;
          level.bytes += size;
        }
        if (n === 0) {
          report.uncovered.files++;
          report.uncovered.bytes += size;
          // Only rows without a copy pay for the hex form (a malformed one counts as without SHA-1).
          if (sha1 !== '' && !BASE36_SHA1.test(sha1)) report.withoutSha1++;
          if (out) lines += `${row.text(ImageCol.Name)}\t${size}\t${sha1 === '' ? '' : (base36ToHexSha1(sha1) ?? '')}\n`;
        }
      },
      async () => {
        o.onProgress?.(report.files, report.bytes);
        // Waiting for the list file to drain keeps memory flat when most files are uncovered.
        if (writeError) throw writeError;
        if (out && lines && !out.write(lines)) await once(out, 'drain');
        lines = '';
      },
    );
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
