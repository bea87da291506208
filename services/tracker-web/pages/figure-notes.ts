// What each figure word means, said beside the figure on every page (the definitions are in
// redundancy/network-figures.ts; the JSON and /metrics use the same ones).
import { html, type SafeHtml } from './html.ts';
import { plural } from './format.ts';

/** What "seeders" counts, short enough for a figure's caption. */
export const SEEDERS_SHORT = 'distinct hosts; one machine counts once';

/** What "copies" counts, short enough for a figure's caption. */
export function copiesShort(mode: 'any' | 'approved'): string {
  return mode === 'approved' ? 'approved operators, audited' : 'distinct hosts, audited by the census';
}

/** What "seeders" counts. */
export const SEEDERS_MEANING = 'distinct hosts seeding any volume now, as the tracker sees them; several seeders on one machine count once';

/** What "copies" counts in a copies mode. */
export function copiesMeaning(mode: 'any' | 'approved'): string {
  return mode === 'approved'
    ? 'distinct approved operators whose copy the census audited'
    : 'distinct hosts whose copy the census audited (one address, one operator key: each counts once)';
}

/**
 * Why seeders and copies differ, when they do: "Seeders 3" beside "At risk, 1 copy" reads as a
 * contradiction unless the page says that seeders are announced and copies audited.
 */
export function seedersVersusCopies(seeders: number, copies: number, mode: 'any' | 'approved'): SafeHtml | string {
  if (seeders === copies) return '';
  if (seeders > copies) {
    return html`<p class="sub figure-note" id="seeders-vs-copies">Why ${plural(seeders, 'seeder')} but ${plural(copies, 'copy', 'copies')}:
${plural(seeders, 'host')} ${seeders === 1 ? 'seeds' : 'seed'} a volume of this set now, but its least-copied file has ${plural(copies, 'audited copy', 'audited copies')}.
A seeder counts as a copy once the census has audited a piece it holds${mode === 'approved' ? ' and its operator is approved' : ''}; seeders on one machine are one host.</p>`;
  }
  return html`<p class="sub figure-note" id="seeders-vs-copies">Why ${plural(copies, 'copy', 'copies')} but ${plural(seeders, 'seeder')} now:
audited copies keep counting for a while after their seeders stop announcing (the census checks them again each round).</p>`;
}

/** The legend under a table of sets, so each column word has one meaning. */
export function figuresLegend(mode: 'any' | 'approved'): SafeHtml {
  return html`<p class="sub" id="figures-legend"><strong>Seeders</strong>: ${SEEDERS_MEANING}.
<strong>Copies</strong>: ${copiesMeaning(mode)}; min is the least-copied file, med the median file.
<strong>Risk</strong>: how far the least-copied file is from the copy target, from 0 (at target) to 1 (no copy).</p>`;
}
