// The home page: the numbers the network needs (totals, share under target, space offered
// against space needed), the filterable table of sets, and the latest restore drills.
import { html, type SafeHtml } from './html.ts';
import { renderLayout } from './layout.ts';
import { formatBytes, formatCopies, formatCount, formatPercent, plural } from './format.ts';
import { riskBadge, tagList, timeAgo } from './fragments.ts';
import { homePath, setPath } from './urls.ts';
import type { DrillSummary, HomePageModel, HomeSort, NetworkTotals, SetSummary } from './view-models.ts';

const SORT_LABELS: Record<HomeSort, string> = {
  risk: 'Most at risk first',
  title: 'Title (A–Z)',
  size: 'Largest first',
  updated: 'Recently updated',
  seeders: 'Fewest seeders first',
};

/** The plain-language verdict on space: short of N, or enough. */
export function spaceSentence(totals: NetworkTotals): SafeHtml {
  const { offeredBytes, neededBytes } = totals;
  if (offeredBytes < neededBytes) {
    return html`<p class="alert" id="space-verdict">The network is short of <strong>${formatBytes(neededBytes - offeredBytes)}</strong>:
seeders offer ${formatBytes(offeredBytes)}, but keeping every file at its copy target needs ${formatBytes(neededBytes)}.
Offering space with a seeder in auto mode helps the sets most at risk first.</p>`;
  }
  return html`<p class="ok" id="space-verdict">Seeders offer ${formatBytes(offeredBytes)}, enough for the
${formatBytes(neededBytes)} the copy targets need (${formatBytes(offeredBytes - neededBytes)} to spare).</p>`;
}

function renderTotals(totals: NetworkTotals): SafeHtml {
  const offeredShare = totals.neededBytes > 0 ? Math.min(1, totals.offeredBytes / totals.neededBytes) : 1;
  return html`<section aria-labelledby="network-heading">
<h2 id="network-heading">The network now</h2>
<dl class="stats">
<div><dt>Sets</dt><dd>${formatCount(totals.sets)}</dd></div>
<div><dt>Files</dt><dd>${formatCount(totals.files)}</dd></div>
<div><dt>Size of all sets</dt><dd>${formatBytes(totals.bytes)}</dd></div>
<div><dt>Seeders now</dt><dd>${formatCount(totals.seedersNow)}<small>distinct hosts seeding any set</small></dd></div>
<div><dt>Bytes under copy target</dt><dd>${formatPercent(totals.bytesUnderTarget, totals.bytes)}
<small>${formatBytes(totals.bytesUnderTarget)} of ${formatBytes(totals.bytes)}</small></dd></div>
<div><dt>Space offered / needed</dt><dd>${formatBytes(totals.offeredBytes)}
<small>of ${formatBytes(totals.neededBytes)} needed</small>
<div class="meter" role="img" aria-label="${formatPercent(totals.offeredBytes, totals.neededBytes)} of the needed space is offered"><span style="width:${(offeredShare * 100).toFixed(1)}%"></span></div></dd></div>
</dl>
${spaceSentence(totals)}
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
<th scope="row"><a class="set-title" href="${setPath(set.id)}">${set.title}</a><span class="sub mono">${set.id}</span>
${tagList(set.tags, model.query)}</th>
<td>${set.regionLabel ?? html`<span class="sub">—</span>`}</td>
<td class="num">${formatBytes(set.bytes)}</td>
<td class="num">${formatCount(set.files)}</td>
<td>${set.latestVersion ? html`v${set.latestVersion.n}<span class="sub">${timeAgo(set.latestVersion.builtAt, model.now)}</span>` : html`<span class="sub">not built yet</span>`}</td>
<td class="num">${formatCount(set.seedersNow)}</td>
<td class="num copies"><span class="${underTarget ? 'under' : ''}">${formatCopies(set.copies.min)}</span> / ${formatCopies(set.copies.median)}
<span class="sub">target ${set.copyTarget}</span></td>
<td>${riskBadge(set.risk)}<span class="sub">score ${set.risk.toFixed(2)}</span></td>
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
    : html`<div class="table-wrap"><table id="sets-table">
<caption>${plural(model.paging?.matching ?? sets.length, 'set')}${matching}, ${SORT_LABELS[query.sort].toLowerCase()}${pageNote(model)}</caption>
<thead><tr><th scope="col">Set</th><th scope="col">Region</th><th scope="col" class="num">Size</th>
<th scope="col" class="num">Files</th><th scope="col">Latest</th><th scope="col" class="num">Seeders</th>
<th scope="col" class="num">Copies <abbr title="fewest copies of any file / median copies per file">min / med</abbr></th>
<th scope="col">Risk</th></tr></thead>
<tbody>${sets.map((s) => renderSetRow(s, model))}</tbody>
</table></div>${renderPager(model)}`;
  return html`<section aria-labelledby="sets-heading">
<h2 id="sets-heading">Sets</h2>
${renderFilters(model)}
${table}
</section>`;
}

function renderDrill(drill: DrillSummary, now: string): SafeHtml {
  return html`<tr>
<td>${timeAgo(drill.at, now)}</td>
<th scope="row"><a href="${setPath(drill.setId)}">${drill.setTitle}</a> <span class="sub">v${drill.version}</span></th>
<td>${drill.ok ? html`<span class="badge low">Restored</span>` : html`<span class="badge high">Failed</span>`}
${drill.error ? html`<span class="sub">${drill.error}</span>` : ''}</td>
<td class="num">${formatCount(drill.filesOk)} / ${formatCount(drill.filesChecked)}</td>
<td class="num">${formatBytes(drill.bytes)}</td>
<td class="num">${drill.bytesPerSecond === null ? '—' : `${formatBytes(drill.bytesPerSecond)}/s`}</td>
</tr>`;
}

function renderDrills(model: HomePageModel): SafeHtml {
  const body = model.drills.length === 0
    ? html`<p class="empty">No restore drills have run yet. <code>seedbank drill</code> restores a random sample from peers only.</p>`
    : html`<div class="table-wrap"><table>
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
