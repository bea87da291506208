/**
 * How `npm run bench:scale` prints: one table per section (wall time, peak RSS and its ratio
 * to the target, the section's own figures), then its notes; a failed row says so and how far
 * it got instead of hiding it.
 */
import type { ScaleRow, SectionResult } from './context.ts';

/** Peak RSS targets of issue 12: a 100,000-file build, a 1,000,000-file build (decimal units, as the issue writes them). */
export const RSS_TARGET_100K_BYTES = 500e6;
export const RSS_TARGET_1M_BYTES = 1.5e9;

/** "12.3 s" */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** "412 MB" (decimal) */
export const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** Peak RSS with its ratio to the target: "412 MB (0.82x of 500 MB ✓)". */
export function rssCell(row: ScaleRow): string {
  if (row.peakRssBytes === null) return 'not measured';
  if (row.rssTargetBytes === undefined) return megabytes(row.peakRssBytes);
  const ratio = row.peakRssBytes / row.rssTargetBytes;
  return `${megabytes(row.peakRssBytes)} (${ratio.toFixed(2)}x of ${megabytes(row.rssTargetBytes)} ${ratio <= 1 ? '✓' : '✗'})`;
}

/** Prints one section's result as a Markdown table and its notes. */
export function printSection(title: string, result: SectionResult, out: (line: string) => void): void {
  out(`\n## ${title}\n`);
  out('| measured | result | wall time | peak RSS (target) | figures |');
  out('|---|---|---|---|---|');
  for (const row of result.rows) {
    const figures = Object.entries(row.figures).map(([k, v]) => `${k}: ${typeof v === 'number' ? v.toLocaleString('en') : v}`).join('; ');
    out(`| ${row.label} | ${row.ok ? 'ok' : 'FAILED'} | ${seconds(row.wallMs)} | ${rssCell(row)} | ${figures} |`);
  }
  for (const row of result.rows) if (row.error) out(`\n${row.ok ? 'note' : 'FAILED'}: ${row.label}: ${row.error}`);
  if (result.notes.length > 0) out('');
  for (const note of result.notes) out(`- ${note}`);
}
