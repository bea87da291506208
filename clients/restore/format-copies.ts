/** Human output of `seedbank copies` and `seedbank coverage`. */
import { formatSize } from '../../shared/units.ts';
import type { CategoryCopiesBody as CategoryCopiesAnswer, FileCopiesBody as FileCopiesAnswer } from '../../shared/api/copies-schemas.ts';
import type { CoverageReport } from './coverage/coverage.ts';

const percent = (part: number, whole: number) => (whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(1)}%`);

/** Lines about one file's copies. */
export function formatFileCopies(c: FileCopiesAnswer): string[] {
  const target = Math.max(0, ...c.containedIn.map((s) => s.copyTarget));
  const lines = [
    `${c.title} (sha1 ${c.sha1})`,
    `  ${c.copies} verified ${c.copies === 1 ? 'copy' : 'copies'} on ${c.networks.length} ${c.networks.length === 1 ? 'network' : 'networks'}${target ? `, copy target ${target}${c.copies < target ? ' (UNDER TARGET)' : ''}` : ''}`,
  ];
  if (c.networks.length) lines.push(`  networks: ${c.networks.join(', ')}`);
  if (c.flagged.length) lines.push(`  hosts that served wrong bytes (not counted): ${c.flagged.join(', ')}`);
  lines.push('  in sets:');
  for (const s of c.containedIn) lines.push(`    ${s.setId} v${s.version} (${s.setTitle}): ${s.path}`);
  return lines;
}

/** Lines about a category's copies. */
export function formatCategoryCopies(c: CategoryCopiesAnswer): string[] {
  return [
    `Category:${c.category}: ${c.files} files, ${formatSize(c.bytes)} in the catalogue's sets (direct members only: files in its subcategories are not counted)`,
    `  copies per file: min ${c.min}, median ${c.median}`,
    `  under their copy target: ${c.filesUnderTarget} files, ${formatSize(c.bytesUnderTarget)}`,
  ];
}

/** Lines about a whole-wiki coverage run. */
export function formatCoverage(r: CoverageReport): string[] {
  const lines = [`${r.files} files, ${formatSize(r.bytes)} in the image table`];
  lines.push(`  in the catalogue's sets: ${r.inSets.files} files (${percent(r.inSets.files, r.files)}), ${formatSize(r.inSets.bytes)} (${percent(r.inSets.bytes, r.bytes)})`);
  for (const l of r.levels) lines.push(`  at least ${l.atLeast} verified ${l.atLeast === 1 ? 'copy: ' : 'copies:'} ${l.files} files (${percent(l.files, r.files)}), ${formatSize(l.bytes)} (${percent(l.bytes, r.bytes)})`);
  lines.push(`  no copy: ${r.uncovered.files} files, ${formatSize(r.uncovered.bytes)}${r.uncovered.listFile ? `, listed in ${r.uncovered.listFile}` : ''}`);
  if (r.withoutSha1) lines.push(`  ${r.withoutSha1} rows had no SHA-1 in the dump (counted as without copy)`);
  return lines;
}
