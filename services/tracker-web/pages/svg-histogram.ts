// A dependency-free SVG bar chart of copies per file (0, 1, 2, 3, 4+) with the copy target
// marked, so "how many files are under target" is visible at a glance and without script.
import { html, type SafeHtml } from './html.ts';
import { formatCount, plural } from './format.ts';
import { countTicks, px } from './svg-scale.ts';

/** The open-ended last bar starts here ("4+") unless the copy target needs more bars. */
const DEFAULT_OPEN_BUCKET = 4;
const DEFAULT_WIDTH_PX = 560;
const DEFAULT_HEIGHT_PX = 260;
const MARGIN = { top: 40, right: 20, bottom: 40, left: 56 };
/** Share of each bar slot left empty between bars. */
const BAR_GAP_RATIO = 0.25;

/** Options of the copies histogram. */
export interface HistogramOptions {
  /** A prefix for element ids, unique on the page (used by aria-labelledby). */
  id: string;
  title: string;
  width?: number;
  height?: number;
}

/** Folds `copies → files` into bars 0..open-1 and an open-ended "open+" bar. */
export function copyBuckets(bins: Array<{ copies: number; files: number }>, copyTarget: number): Array<{ label: string; min: number; files: number }> {
  const open = Math.max(DEFAULT_OPEN_BUCKET, copyTarget + 1);
  const buckets = Array.from({ length: open + 1 }, (_, i) => ({ label: i === open ? `${i}+` : String(i), min: i, files: 0 }));
  for (const bin of bins) {
    const index = Math.min(Math.max(0, Math.floor(bin.copies)), open);
    const bucket = buckets[index];
    if (bucket && Number.isFinite(bin.files)) bucket.files += Math.max(0, bin.files);
  }
  return buckets;
}

/** Renders the copies-per-file histogram as an inline SVG with the copy target marked. */
export function renderCopiesHistogram(bins: Array<{ copies: number; files: number }>, copyTarget: number, options: HistogramOptions): SafeHtml {
  const width = options.width ?? DEFAULT_WIDTH_PX;
  const height = options.height ?? DEFAULT_HEIGHT_PX;
  const titleId = `${options.id}-title`;
  const descId = `${options.id}-desc`;
  const buckets = copyBuckets(bins, copyTarget);
  const total = buckets.reduce((sum, b) => sum + b.files, 0);
  const under = buckets.filter((b) => b.min < copyTarget).reduce((sum, b) => sum + b.files, 0);

  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = MARGIN.top + plotH;
  const slot = plotW / buckets.length;
  const barW = slot * (1 - BAR_GAP_RATIO);
  const yTicks = countTicks(Math.max(...buckets.map((b) => b.files)));
  const yMax = yTicks[yTicks.length - 1] ?? 1;
  const sy = (v: number) => y0 - (v / yMax) * plotH;

  const grid = yTicks.map(
    (v) => html`<line class="grid" x1="${x0}" y1="${px(sy(v))}" x2="${x0 + plotW}" y2="${px(sy(v))}"/>
<text class="tick" x="${x0 - 8}" y="${px(sy(v) + 4)}" text-anchor="end">${formatCount(v)}</text>`,
  );
  const bars = buckets.map((b, i) => {
    const x = x0 + i * slot + (slot - barW) / 2;
    const cx = x0 + i * slot + slot / 2;
    const h = y0 - sy(b.files);
    return html`<g><title>${b.label} ${b.label === '1' ? 'copy' : 'copies'}: ${plural(b.files, 'file')}</title>
<rect class="${b.min < copyTarget ? 'bar under' : 'bar'}" x="${px(x)}" y="${px(y0 - h)}" width="${px(barW)}" height="${px(h)}" rx="3"/>
${total > 0 ? html`<text class="value" x="${px(cx)}" y="${px(y0 - h - 6)}" text-anchor="middle">${formatCount(b.files)}</text>` : ''}
<text class="tick" x="${px(cx)}" y="${y0 + 16}" text-anchor="middle">${b.label}</text></g>`;
  });
  // The target line sits between the last bar under target and the first bar meeting it.
  const targetX = x0 + Math.min(copyTarget, buckets.length) * slot;
  const target = html`<line class="target" x1="${px(targetX)}" y1="${MARGIN.top - 6}" x2="${px(targetX)}" y2="${y0}"/>
<text class="target-label" x="${px(targetX + 4)}" y="${MARGIN.top - 8}">target: ${plural(copyTarget, 'copy', 'copies')}</text>`;
  const desc =
    total === 0
      ? 'No files have been counted yet.'
      : `${plural(total, 'file')}; ${formatCount(under)} under the copy target of ${copyTarget}. ` +
        buckets.map((b) => `${b.label} copies: ${formatCount(b.files)}`).join(', ') + '.';
  return html`<svg class="plot" id="${options.id}" role="img" aria-labelledby="${titleId} ${descId}" width="${width}"
 height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${titleId}">${options.title}</title><desc id="${descId}">${desc}</desc>
<text x="${MARGIN.left}" y="20" class="chart-title">${options.title}</text>
${grid}${bars}${target}
<line class="axis" x1="${x0}" y1="${y0}" x2="${x0 + plotW}" y2="${y0}"/>
<line class="axis" x1="${x0}" y1="${MARGIN.top}" x2="${x0}" y2="${y0}"/>
<text class="tick" x="${px(x0 + plotW / 2)}" y="${height - 6}" text-anchor="middle">copies per file</text>
${total === 0 ? html`<text class="empty-note" x="${px(x0 + plotW / 2)}" y="${px(MARGIN.top + plotH / 2)}" text-anchor="middle">No files counted yet</text>` : ''}
</svg>`;
}
