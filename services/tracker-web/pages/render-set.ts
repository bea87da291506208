// The set page: what the set is (description, recipe, preview), how safe it is (copies,
// seeders over time, copies per file), and how to get it (volumes, magnets, feeds).
import { html, type SafeHtml } from './html.ts';
import { renderLayout } from './layout.ts';
import { formatBytes, formatCopies, formatCount, plural } from './format.ts';
import { renderVersions } from './render-versions.ts';
import { renderSetActions, renderSetFiles } from './render-set-files.ts';
import { riskBadge, tagList, timeAgo } from './fragments.ts';
import { renderSeedersPlot } from './svg-plot.ts';
import { renderCopiesHistogram } from './svg-histogram.ts';
import { safeUrl } from './urls.ts';
import { renderUnportableNames } from './render-unportable.ts';
import { copiesMeaning, copiesShort, SEEDERS_MEANING, SEEDERS_SHORT, seedersVersusCopies } from './figure-notes.ts';
import type { SetPageModel, VolumeView } from './view-models.ts';

function renderDescription(text: string): SafeHtml {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p !== '');
  if (paragraphs.length === 0) return html`<p class="lede">This set has no description.</p>`;
  return html`${paragraphs.map((p) => html`<p class="lede">${p}</p>`)}`;
}

/**
 * The score with what it means in words: it is how far the least-copied file is from the
 * copy target (0 = every file at target, 1 = some file has no copy), which a bare "0.67" hides.
 */
function renderRiskScore(risk: number, minCopies: number, target: number): SafeHtml {
  const meaning = `Risk score ${risk.toFixed(2)} on a scale from 0 (every file has its ${plural(target, 'copy', 'copies')}) to 1 (some file has no copy): the share of the target the least-copied file is missing.`;
  return html`<small id="set-risk-score" title="${meaning}">score ${risk.toFixed(2)}</small>
<small id="set-risk-explained">its least-copied file has ${formatCopies(minCopies)} of ${plural(target, 'copy', 'copies')}</small>`;
}

function renderSummary(model: SetPageModel): SafeHtml {
  const { set } = model;
  const under = set.copies.min < set.copyTarget;
  const mode = model.copiesModes?.mode ?? 'any';
  return html`<dl class="stats">
<div><dt>Size</dt><dd>${formatBytes(set.bytes)}</dd></div>
<div><dt>Files</dt><dd>${formatCount(set.files)}</dd></div>
<div><dt>Latest version</dt><dd>${set.latestVersion ? html`v${set.latestVersion.n}<small>${timeAgo(set.latestVersion.builtAt, model.now)}</small>` : 'none yet'}</dd></div>
<div><dt title="${SEEDERS_MEANING}">Seeders now</dt><dd id="set-seeders">${formatCount(set.seedersNow)}<small>${SEEDERS_SHORT}</small></dd></div>
<div><dt title="${copiesMeaning(mode)}">${mode === 'approved' ? 'Copies, approved operators (min / median)' : 'Copies (min / median)'}</dt><dd id="set-copies"><span class="${under ? 'under' : ''}">${formatCopies(set.copies.min)}</span> / ${formatCopies(set.copies.median)}
<small>target ${plural(set.copyTarget, 'copy', 'copies')}; ${copiesShort(mode)}</small></dd></div>
${model.copiesModes ? html`<div><dt>${model.copiesModes.mode === 'approved' ? 'Any audited host (min)' : 'Approved operators (min)'}</dt><dd id="set-other-copies">${formatCopies(model.copiesModes.otherMin)}
<small>${model.copiesModes.mode === 'approved' ? 'each address and operator key once' : 'distinct approved operators'}</small></dd></div>` : ''}
<div><dt>Risk</dt><dd>${riskBadge(set.risk)}${renderRiskScore(set.risk, set.copies.min, set.copyTarget)}</dd></div>
</dl>
${seedersVersusCopies(set.seedersNow, set.copies.min, mode)}`;
}

function renderCharts(model: SetPageModel): SafeHtml {
  const { set } = model;
  return html`<section aria-labelledby="health-heading">
<h2 id="health-heading">Health</h2>
<div class="grid-2">
<figure class="card">${renderSeedersPlot(model.seedersOverTime, { id: 'seeders-plot', title: 'Seeders over time' })}
<figcaption>Seeders: distinct hosts seeding any volume of the set (several seeders on one machine count once), as the tracker saw them; the most in each hour, UTC.</figcaption></figure>
<figure class="card">${renderCopiesHistogram(model.copiesHistogram, set.copyTarget, { id: 'copies-histogram', title: 'Copies per file' })}
<figcaption>How many files have 0, 1, 2… audited copies; red bars are under the target of ${set.copyTarget}.</figcaption></figure>
</div>
</section>`;
}

function renderVolume(volume: VolumeView): SafeHtml {
  const hash = volume.infoHash.toLowerCase();
  return html`<tr data-info-hash="${hash}">
<th scope="row" data-label="Info hash"><code class="hash info-hash" title="Info hash: select it to copy">${hash}</code></th>
<td class="num" data-label="Size">${formatBytes(volume.bytes)}</td><td class="num" data-label="Files">${formatCount(volume.files)}</td>
<td class="num" data-label="Seeders">${formatCount(volume.seedersNow)}</td><td class="num" data-label="Copies">${formatCount(volume.copiesNow)}</td>
<td data-label="Download"><div class="actions"><a class="button-link magnet" href="${safeUrl(volume.magnetUri)}">Magnet<span class="visually-hidden"> link for volume ${hash}</span></a>
<a class="button-link" href="${safeUrl(volume.torrentUrl)}" type="application/x-bittorrent">.torrent<span class="visually-hidden"> file for volume ${hash}</span></a></div></td>
</tr>`;
}

function renderVolumes(model: SetPageModel): SafeHtml {
  const heading = model.volumesVersion === null ? 'Volumes' : `Volumes of v${model.volumesVersion}`;
  const body = model.volumes.length === 0
    ? html`<p class="empty">No volume has been published yet.</p>`
    : html`<div class="table-wrap"><table id="volumes-table" class="stack">
<caption>Each volume is a torrent laid out like Commons' upload folder and web-seeded from the wiki</caption>
<thead><tr><th scope="col">Info hash</th><th scope="col" class="num">Size</th><th scope="col" class="num">Files</th>
<th scope="col" class="num" title="${SEEDERS_MEANING}">Seeders</th><th scope="col" class="num" title="${copiesMeaning(model.copiesModes?.mode ?? 'any')}">Copies</th><th scope="col">Download</th></tr></thead>
<tbody>${model.volumes.map(renderVolume)}</tbody></table></div>`;
  return html`<section aria-labelledby="volumes-heading"><h2 id="volumes-heading">${heading}</h2>${body}</section>`;
}

function renderRecipe(model: SetPageModel): SafeHtml {
  const { recipe } = model;
  return html`<section aria-labelledby="recipe-heading">
<h2 id="recipe-heading">Recipe</h2>
<div class="card">
${recipe.summary.length > 0 ? html`<dl class="recipe">${recipe.summary.map((e) => html`<dt>${e.term}</dt><dd>${e.detail}</dd>`)}</dl>` : ''}
<details><summary>Full recipe (${recipe.format.toUpperCase()})</summary><pre><code>${recipe.text}</code></pre></details>
</div>
</section>`;
}

function renderFeeds(model: SetPageModel): SafeHtml {
  const { feeds } = model;
  return html`<section aria-labelledby="feeds-heading">
<h2 id="feeds-heading">Follow this set</h2>
<p>Any BitTorrent client with an RSS downloader can follow new versions; the JSON pointer is for scripts.</p>
<ul class="feeds">
<li><a class="button-link" href="${safeUrl(feeds.rssUrl)}" type="application/rss+xml">RSS</a></li>
<li><a class="button-link" href="${safeUrl(feeds.atomUrl)}" type="application/atom+xml">Atom</a></li>
<li><a class="button-link" href="${safeUrl(feeds.jsonUrl)}" type="application/json">JSON</a></li>
</ul>
</section>`;
}

function renderPreview(model: SetPageModel): SafeHtml | string {
  if (model.previewMosaicUrl === null) return '';
  return html`<section aria-labelledby="preview-heading">
<h2 id="preview-heading">Preview</h2>
<figure class="mosaic card"><img src="${safeUrl(model.previewMosaicUrl)}" alt="Thumbnails of a sample of the files in ${model.set.title}" loading="lazy">
<figcaption>A sample of the latest version's images.</figcaption></figure>
</section>`;
}

/** Renders the page of one set. */
export function renderSet(model: SetPageModel): string {
  const { set, feeds } = model;
  const main = html`<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/">Sets</a> › <span aria-current="page">${set.id}</span></nav>
<h1>${set.title}</h1>
${tagList(set.tags)}
${set.regionLabel ? html`<p class="sub">Region: ${set.regionLabel}</p>` : ''}
${renderDescription(set.description)}
${renderSummary(model)}
${model.actions ? renderSetActions(model.actions) : ''}
${renderVolumes(model)}
${renderUnportableNames(model.unportableNames)}
${renderCharts(model)}
${renderPreview(model)}
<section aria-labelledby="versions-heading"><h2 id="versions-heading">Versions</h2>${renderVersions(model.versions)}</section>
${model.files ? renderSetFiles(set.id, model.files, set.copyTarget) : ''}
${renderRecipe(model)}
${renderFeeds(model)}`;
  const head = html`<link rel="alternate" type="application/rss+xml" title="${set.title} (RSS)" href="${safeUrl(feeds.rssUrl)}">
<link rel="alternate" type="application/atom+xml" title="${set.title} (Atom)" href="${safeUrl(feeds.atomUrl)}">
<link rel="alternate" type="application/json" title="${set.title} (JSON)" href="${safeUrl(feeds.jsonUrl)}">`;
  return renderLayout({ title: set.title, main, head, current: 'sets', description: `${set.title}: a Seedbank set of ${plural(set.files, 'file')}.` });
}
