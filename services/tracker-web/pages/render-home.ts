// The home page: the numbers the network needs (totals, share under target, space offered
// against space needed), the filterable table of sets, and the latest restore drills.
import { html, type SafeHtml } from './html.ts';
import { renderLayout } from './layout.ts';
import { formatBytes, formatCopies, formatCount, formatPercent, plural } from './format.ts';
import { riskBadge, tagList, timeAgo } from './fragments.ts';
import { figuresLegend, SEEDERS_MEANING, copiesMeaning } from './figure-notes.ts';
import { homePath, setPath } from './urls.ts';
import type { DrillSummary, HomePageModel, HomeSort, NetworkTotals, SetSummary } from './view-models.ts';

const SORT_LABELS: Record<HomeSort, string> = {
  risk: 'Most at risk first',
  title: 'Title (A–Z)',
  size: 'Largest first',
  updated: 'Recently updated',
  seeders: 'Fewest seeders first',
};

/** Which seeders' space counts, said beside the figure. */
const OFFER_WINDOW_NOTE = 'seeders seen recently: their last report came within three of their poll intervals (30 min at the default); a stopped seeder stops counting';

/** Space the seeders seen recently have left beyond what they already hold. */
export function freeBytes(totals: NetworkTotals): number {
  return Math.max(0, totals.offeredBytes - totals.usedBytes);
}

/**
 * The plain-language verdict on space: what the copy targets still need (per volume, its size
 * times the copies it lacks, so copies that exist are not asked for again) against the space
 * the seeders seen recently have free.
 */
export function spaceSentence(totals: NetworkTotals): SafeHtml {
  const { offeredBytes, neededBytes, reportingSeeders } = totals;
  const free = freeBytes(totals);
  const who = html`${plural(reportingSeeders, 'seeder')} seen recently`;
  if (neededBytes === 0) {
    return html`<p class="ok" id="space-verdict">Every volume has the copies its target asks for; ${who} offer ${formatBytes(offeredBytes)} (${formatBytes(free)} free).</p>`;
  }
  if (free < neededBytes) {
    return html`<p class="alert" id="space-verdict">The network is short of <strong>${formatBytes(neededBytes - free)}</strong>:
bringing every volume to its copy target still needs ${formatBytes(neededBytes)}, and the ${who} have ${formatBytes(free)} free
(of ${formatBytes(offeredBytes)} offered). Offering space with a seeder in auto mode helps the sets most at risk first.</p>`;
  }
  return html`<p class="ok" id="space-verdict">The ${who} have ${formatBytes(free)} free (of ${formatBytes(offeredBytes)} offered),
enough for the ${formatBytes(neededBytes)} still needed to bring every volume to its copy target (${formatBytes(free - neededBytes)} to spare).
Auto-mode seeders take up the volumes under target; a copy counts once the census has audited it.</p>`;
}

function renderTotals(totals: NetworkTotals): SafeHtml {
  const free = freeBytes(totals);
  const freeShare = totals.neededBytes > 0 ? Math.min(1, free / totals.neededBytes) : 1;
  return html`<section aria-labelledby="network-heading">
<h2 id="network-heading">The network now</h2>
<dl class="stats">
<div><dt>Sets</dt><dd>${formatCount(totals.sets)}</dd></div>
<div><dt>Files</dt><dd>${formatCount(totals.files)}</dd></div>
<div><dt>Size of all sets</dt><dd>${formatBytes(totals.bytes)}</dd></div>
<div><dt>Seeders now</dt><dd>${formatCount(totals.seedersNow)}<small>distinct hosts; one machine counts once</small></dd></div>
<div><dt>Bytes under copy target</dt><dd>${formatPercent(totals.bytesUnderTarget, totals.bytes)}
<small>${formatBytes(totals.bytesUnderTarget)} of ${formatBytes(totals.bytes)}</small></dd></div>
<div><dt>Space free / still needed</dt><dd id="space-figures">${formatBytes(free)}
<small>of ${formatBytes(totals.neededBytes)} still needed</small>
<small title="${OFFER_WINDOW_NOTE}">${formatBytes(totals.offeredBytes)} offered, ${formatBytes(totals.usedBytes)} in use</small>
<div class="meter" role="img" aria-label="${formatPercent(free, totals.neededBytes)} of the space still needed is free"><span style="width:${(freeShare * 100).toFixed(1)}%"></span></div></dd></div>
</dl>
${spaceSentence(totals)}
<p class="sub" id="space-window">Space counts for ${OFFER_WINDOW_NOTE}.</p>
</section>`;
}

function option(value: string, label: string, selected: boolean): SafeHtml {
  return html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
}

function renderFilters(model: HomePageModel): SafeHtml {
  const { query } = model;
  const filtered = query.q !== '' || query.tag !== null || query.region !== null;
  return html`<form class="filters" method="get" action="/" role="search" aria-label="Filter sets">
<div class="field"><label for="filter-q">Search sets</label><input id="filter-q" type="search" name="q" value="${query.q}" placeholder="Title, id or tag"></div>
<div class="field"><label for="filter-tag">Tag</label><select id="filter-tag" name="tag">
${option('', 'All tags', query.tag === null)}
${model.tags.map((t) => option(t.tag, `${t.tag} (${t.sets})`, t.tag === query.tag))}
</select></div>
<div class="field"><label for="filter-region">Region</label><select id="filter-region" name="region">
${option('', 'All regions', query.region === null)}
${model.regions.map((r) => option(r.value, r.label, r.value === query.region))}
</select></div>
<div class="field"><label for="filter-sort">Order</label><select id="filter-sort" name="sort">
${(Object.keys(SORT_LABELS) as HomeSort[]).map((s) => option(s, SORT_LABELS[s], s === query.sort))}
</select></div>
<button type="submit">Apply</button>
${filtered ? html`<a href="${homePath({ sort: query.sort })}">Clear filters</a>` : ''}
</form>`;
}

function renderSetRow(set: SetSummary, model: HomePageModel): SafeHtml {
  const underTarget = set.copies.min < set.copyTarget;
  return html`<tr data-set-id="${set.id}">
<th scope="row" class="key"><a class="set-title" href="${setPath(set.id)}">${set.title}</a><span class="sub mono">${set.id}</span>
${tagList(set.tags, model.query)}</th>
<td data-label="Region">${set.regionLabel ?? html`<span class="sub">—</span>`}</td>
<td class="num" data-label="Size">${formatBytes(set.bytes)}</td>
<td class="num" data-label="Files">${formatCount(set.files)}</td>
<td data-label="Latest">${set.latestVersion ? html`v${set.latestVersion.n}<span class="sub">${timeAgo(set.latestVersion.builtAt, model.now)}</span>` : html`<span class="sub">not built yet</span>`}</td>
<td class="num" data-label="Seeders" title="${SEEDERS_MEANING}">${formatCount(set.seedersNow)}</td>
<td class="num copies key" data-label="Copies min / med"><span class="${underTarget ? 'under' : ''}">${formatCopies(set.copies.min)}</span> / ${formatCopies(set.copies.median)}
<span class="sub">target ${set.copyTarget}</span></td>
<td class="key" data-label="Risk">${riskBadge(set.risk)}<span class="sub" title="0: every file has its target copies; 1: some file has no copy">score ${set.risk.toFixed(2)}</span></td>
</tr>`;
}

function pageNote(model: HomePageModel): string {
  const p = model.paging;
  return p && p.pages > 1 ? ` (page ${p.page} of ${p.pages})` : '';
}

/** Previous / next links when the sets table has more than one page. */
function renderPager(model: HomePageModel): SafeHtml | string {
  const p = model.paging;
  if (!p || p.pages <= 1) return '';
  const link = (page: number, label: string, rel: string) => html`<a href="${homePath({ ...model.query, page })}" rel="${rel}">${label}</a>`;
  return html`<nav class="pager" aria-label="Pages of sets">${p.page > 1 ? link(p.page - 1, 'Previous page', 'prev') : ''} Page ${String(p.page)} of ${String(p.pages)} ${p.page < p.pages ? link(p.page + 1, 'Next page', 'next') : ''}</nav>`;
}

function renderSets(model: HomePageModel): SafeHtml {
  const { query, sets } = model;
  const matching = query.q !== '' ? html` matching “${query.q}”` : '';
  const table = sets.length === 0
    ? html`<p class="empty">No set matches these filters.</p>`
    : html`<div class="table-wrap"><table id="sets-table" class="stack">
<caption>${plural(model.paging?.matching ?? sets.length, 'set')}${matching}, ${SORT_LABELS[query.sort].toLowerCase()}${pageNote(model)}</caption>
<thead><tr><th scope="col">Set</th><th scope="col">Region</th><th scope="col" class="num">Size</th>
<th scope="col" class="num">Files</th><th scope="col">Latest</th><th scope="col" class="num">Seeders</th>
<th scope="col" class="num"><span title="${copiesMeaning(model.copiesMode ?? 'any')}">Copies</span> <abbr title="fewest copies of any file / median copies per file">min / med</abbr></th>
<th scope="col">Risk</th></tr></thead>
<tbody>${sets.map((s) => renderSetRow(s, model))}</tbody>
</table></div>${renderPager(model)}
${figuresLegend(model.copiesMode ?? 'any')}`;
  return html`<section aria-labelledby="sets-heading">
<h2 id="sets-heading">Sets</h2>
${renderFilters(model)}
${table}
</section>`;
}

function renderDrill(drill: DrillSummary, now: string): SafeHtml {
  return html`<tr>
<td data-label="When">${timeAgo(drill.at, now)}</td>
<th scope="row" data-label="Set"><a href="${setPath(drill.setId)}">${drill.setTitle}</a> <span class="sub">v${drill.version}</span></th>
<td data-label="Result">${drill.ok ? html`<span class="badge low">Restored</span>` : html`<span class="badge high">Failed</span>`}
${drill.error ? html`<span class="sub">${drill.error}</span>` : ''}</td>
<td class="num" data-label="Files verified">${formatCount(drill.filesOk)} / ${formatCount(drill.filesChecked)}</td>
<td class="num" data-label="Bytes">${formatBytes(drill.bytes)}</td>
<td class="num" data-label="Speed">${drill.bytesPerSecond === null ? '—' : `${formatBytes(drill.bytesPerSecond)}/s`}</td>
</tr>`;
}

function renderDrills(model: HomePageModel): SafeHtml {
  const body = model.drills.length === 0
    ? html`<p class="empty">No restore drills have run yet. <code>seedbank drill</code> restores a random sample from peers only.</p>`
    : html`<div class="table-wrap"><table class="stack">
<caption>Random samples restored from peers only, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Set</th><th scope="col">Result</th>
<th scope="col" class="num">Files verified</th><th scope="col" class="num">Bytes</th><th scope="col" class="num">Speed</th></tr></thead>
<tbody>${model.drills.map((d) => renderDrill(d, model.now))}</tbody></table></div>`;
  return html`<section aria-labelledby="drills-heading"><h2 id="drills-heading">Restore drills</h2>${body}</section>`;
}

/** Renders the catalogue's home page. */
export function renderHome(model: HomePageModel): string {
  const main = html`<h1>Seedbank catalogue</h1>
<p class="lede">Slices of Wikimedia Commons mirrored over BitTorrent. Pick a set to host, or see how many
independent, audited copies of each file exist.</p>
${renderTotals(model.totals)}
${renderSets(model)}
${renderDrills(model)}`;
  return renderLayout({
    title: 'Catalogue',
    main,
    current: 'sets',
    description: 'Seedbank catalogue: Wikimedia Commons sets mirrored over BitTorrent, with copy counts per file.',
  });
}
