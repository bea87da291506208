// Scale helpers shared by the SVG charts: "nice" round tick values for a count axis.

/** Most ticks a count axis shows: more crowd a 200 px tall chart. */
const MAX_COUNT_TICKS = 5;

/** Round ticks from 0 covering `max` (at least 0..1), each a step of 1, 2 or 5 × 10^k. */
export function countTicks(max: number): number[] {
  const top = Math.max(1, Math.ceil(max));
  let step = 1;
  for (let magnitude = 1; ; magnitude *= 10) {
    const fit = [1, 2, 5].map((m) => m * magnitude).find((s) => Math.ceil(top / s) <= MAX_COUNT_TICKS);
    if (fit !== undefined) {
      step = fit;
      break;
    }
  }
  const ticks: number[] = [];
  for (let v = 0; v < top + step; v += step) {
    ticks.push(v);
    if (v >= top) break;
  }
  return ticks;
}

/** Rounds a coordinate to one decimal so the SVG stays short and stable. */
export function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}
