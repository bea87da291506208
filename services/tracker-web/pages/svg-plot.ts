// A dependency-free SVG line chart of seeders over time: axes, dated ticks in UTC, a visible
// title and an accessible <title>/<desc>, drawn server-side so it shows without JavaScript.
import { html, type SafeHtml } from './html.ts';
import { formatCount, formatUtc } from './format.ts';
import { countTicks, px } from './svg-scale.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Candidate spacings of the time axis, smallest first; the first giving few enough ticks wins. */
const TIME_STEPS_MS = [HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS, DAY_MS, 2 * DAY_MS, 7 * DAY_MS, 14 * DAY_MS, 30 * DAY_MS, 91 * DAY_MS, 365 * DAY_MS];
/** Most labelled ticks on the time axis: dates are ~70 px wide at 11 px. */
const MAX_TIME_TICKS = 6;
/** A single instant still needs a time span to sit in: half a day each side. */
const SINGLE_POINT_PAD_MS = 12 * HOUR_MS;
/** Beyond this many samples the dots merge into a smear, so only the line is drawn. */
const MAX_DOTS = 60;

const DEFAULT_WIDTH_PX = 560;
const DEFAULT_HEIGHT_PX = 260;
const MARGIN = { top: 40, right: 20, bottom: 34, left: 48 };

/** Options of the seeders plot. */
export interface PlotOptions {
  /** A prefix for element ids, unique on the page (used by aria-labelledby). */
  id: string;
  title: string;
  width?: number;
  height?: number;
}

interface Sample {
  t: number;
  v: number;
}

function timeLabel(t: number, step: number): string {
  const iso = new Date(t).toISOString();
  // Sub-day ticks need the hour; day ticks only the date.
  return step < DAY_MS ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

function timeTicks(from: number, to: number): { ticks: number[]; step: number } {
  const span = Math.max(to - from, 1);
  const step = TIME_STEPS_MS.find((s) => span / s <= MAX_TIME_TICKS) ?? span / MAX_TIME_TICKS;
  const ticks: number[] = [];
  // Multiples of the step since the epoch fall on UTC midnights and round hours.
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return { ticks, step };
}

/** Renders seeders over time as an inline SVG figure; empty and one-sample series are drawn too. */
export function renderSeedersPlot(series: Array<{ at: string; seeders: number }>, options: PlotOptions): SafeHtml {
  const width = options.width ?? DEFAULT_WIDTH_PX;
  const height = options.height ?? DEFAULT_HEIGHT_PX;
  const titleId = `${options.id}-title`;
  const descId = `${options.id}-desc`;
  const samples: Sample[] = series
    .map((p) => ({ t: Date.parse(p.at), v: Math.max(0, p.seeders) }))
    .filter((s) => Number.isFinite(s.t) && Number.isFinite(s.v))
    .sort((a, b) => a.t - b.t);

  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = MARGIN.top + plotH;
  const frame = (body: SafeHtml, desc: string): SafeHtml => html`<svg class="plot" id="${options.id}" role="img"
 aria-labelledby="${titleId} ${descId}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"
 xmlns="http://www.w3.org/2000/svg"><title id="${titleId}">${options.title}</title><desc id="${descId}">${desc}</desc>
<text x="${MARGIN.left}" y="20" class="chart-title">${options.title}</text>${body}</svg>`;

  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last) {
    const body = html`<line class="axis" x1="${x0}" y1="${y0}" x2="${x0 + plotW}" y2="${y0}"/>
<line class="axis" x1="${x0}" y1="${MARGIN.top}" x2="${x0}" y2="${y0}"/>
<text class="empty-note" x="${px(x0 + plotW / 2)}" y="${px(MARGIN.top + plotH / 2)}" text-anchor="middle">No seeder data yet</text>`;
    return frame(body, 'No seeder counts have been recorded yet.');
  }

  // One sample, or several at the same instant, has no span of its own: centre it in one.
  const instant = last.t === first.t;
  const from = instant ? first.t - SINGLE_POINT_PAD_MS : first.t;
  const to = instant ? first.t + SINGLE_POINT_PAD_MS : last.t;
  const yTicks = countTicks(Math.max(...samples.map((s) => s.v)));
  const yMax = yTicks[yTicks.length - 1] ?? 1;
  const sx = (t: number) => x0 + ((t - from) / (to - from)) * plotW;
  const sy = (v: number) => y0 - (v / yMax) * plotH;

  const grid = yTicks.map(
    (v) => html`<line class="grid" x1="${x0}" y1="${px(sy(v))}" x2="${x0 + plotW}" y2="${px(sy(v))}"/>
<text class="tick" x="${x0 - 8}" y="${px(sy(v) + 4)}" text-anchor="end">${formatCount(v)}</text>`,
  );
  const { ticks, step } = timeTicks(from, to);
  const xTicks = ticks.map(
    (t) => html`<line class="axis" x1="${px(sx(t))}" y1="${y0}" x2="${px(sx(t))}" y2="${y0 + 5}"/>
<text class="tick" x="${px(sx(t))}" y="${y0 + 18}" text-anchor="middle">${timeLabel(t, step)}</text>`,
  );
  const points = samples.map((s) => `${px(sx(s.t))},${px(sy(s.v))}`);
  const line = samples.length > 1 ? html`<path class="area" d="${`M${px(sx(first.t))},${y0}L${points.join('L')}L${px(sx(last.t))},${y0}Z`}"/>
<polyline class="line" points="${points.join(' ')}"/>` : '';
  const dots = samples.length <= MAX_DOTS ? samples.map((s) => html`<circle class="dot" cx="${px(sx(s.t))}" cy="${px(sy(s.v))}" r="3.5"/>`) : '';
  const peak = Math.max(...samples.map((s) => s.v));
  const desc =
    samples.length === 1
      ? `One sample: ${formatCount(first.v)} seeders at ${formatUtc(new Date(first.t).toISOString())}.`
      : `${formatCount(samples.length)} samples from ${formatUtc(new Date(first.t).toISOString())} to ` +
        `${formatUtc(new Date(last.t).toISOString())}; peak ${formatCount(peak)} seeders, latest ${formatCount(last.v)}.`;
  const body = html`${grid}${line}
<line class="axis" x1="${x0}" y1="${y0}" x2="${x0 + plotW}" y2="${y0}"/>
<line class="axis" x1="${x0}" y1="${MARGIN.top}" x2="${x0}" y2="${y0}"/>
${xTicks}${dots}`;
  return frame(body, desc);
}
