/**
 * The restore report (`DIR/restore-report.json`) and its human summary: what was restored,
 * from where, and each file that is missing or wrong, by name.
 */
import { formatDuration, formatSize } from '../../shared/units.ts';

/** File name of the report in the output folder. */
export const RESTORE_REPORT_FILE = 'restore-report.json';
/** Problems listed one per line in the summary; the report has them all. */
const SUMMARY_PROBLEMS = 50;

/** The report written after every restore. */
export interface RestoreReport {
  format: 'seedbank-restore-report/1';
  /** True when every selected file is there with the manifest's SHA-1. */
  ok: boolean;
  setId: string;
  setTitle: string;
  version: number;
  manifestSha256: string;
  /** Key (hex) the manifest is signed with, checked against the catalogue's registration. */
  signedBy: string;
  catalogue: string;
  layout: 'commons' | 'title';
  webSeeds: boolean;
  only: string | null;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  files: number;
  bytes: number;
  filesOk: number;
  /** Files verified by an earlier run and unchanged since: not fetched or hashed again. */
  alreadyVerified: number;
  missing: number;
  wrong: number;
  bytesFoundOnDisk: number;
  bytesReceived: number;
  /** Why downloading stopped short: no source had the rest (stalled) or interrupted (aborted). */
  stopped: 'stalled' | 'aborted' | null;
  volumes: Array<{ infoHash: string; complete: boolean; verifiedBytes: number; totalBytes: number; peers: number }>;
  pages: { file: string; count: number };
  problems: Array<{ title: string; path: string; sha1: string; outcome: 'missing' | 'wrong'; gotSha1?: string | null; volume: string }>;
}

/** Lines for a person: one summary line, then each problem. */
export function summariseRestore(r: RestoreReport): string[] {
  const source = r.webSeeds ? 'peers and web seeds' : 'peers only';
  const lines = [
    `${r.ok ? 'Restored' : 'INCOMPLETE restore of'} ${r.setId} v${r.version} (${r.setTitle}): ${r.filesOk} of ${r.files} files OK, ${formatSize(r.bytes)}, in ${formatDuration(r.seconds * 1000)} from ${source}` +
      (r.alreadyVerified ? ` (${r.alreadyVerified} already verified by an earlier run)` : ''),
  ];
  if (r.missing) lines.push(`${r.missing} file(s) missing${r.stopped === 'stalled' ? ': no peer or web seed had them' : r.stopped === 'aborted' ? ': interrupted; run again to resume' : ''}`);
  if (r.wrong) lines.push(`${r.wrong} file(s) with the wrong SHA-1`);
  for (const p of r.problems.slice(0, SUMMARY_PROBLEMS)) lines.push(`  ${p.outcome.toUpperCase()} ${p.title} (${p.path}, sha1 ${p.sha1})`);
  if (r.problems.length > SUMMARY_PROBLEMS) lines.push(`  … and ${r.problems.length - SUMMARY_PROBLEMS} more in the report`);
  lines.push(`Description pages: ${r.pages.file} (${r.pages.count} pages). Report: ${RESTORE_REPORT_FILE}`);
  return lines;
}
