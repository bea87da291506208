// The file page: one file found by title or SHA-1 with its audited copies, the networks that
// hold it and every set version containing it; or the matches of a partial title; or the files
// whose title words begin with the query (render-search.ts); or not found.
import { copiesMeaning } from './figure-notes.ts';
import { html, type SafeHtml } from './html.ts';
import { renderLayout } from './layout.ts';
import { formatBytes, formatCount, formatUtc, plural } from './format.ts';
import { timeAgo } from './fragments.ts';
import { renderSearchResults } from './render-search.ts';
import { filePath, safeUrl, setPath } from './urls.ts';
import type { FileMatch, FilePageModel, FileView } from './view-models.ts';

type Found = Extract<FilePageModel, { kind: 'found' }>;

/** A search form in the page body, for the states where searching again is the next step. */
function searchAgain(query: string): SafeHtml {
  return html`<form class="filters" method="get" action="/files" role="search" aria-label="Find a file">
<div class="field"><label for="file-q">Words of a file title, or its SHA-1</label><input id="file-q" type="search" name="q" value="${query}" placeholder="eiffel tower, Example.jpg or 40 hex digits"></div>
<button type="submit">Find file</button>
</form>`;
}

function renderNetworks(file: FileView, now: string): SafeHtml {
  if (file.networks.length === 0) return html`<p class="empty">No host has a verified copy of this file right now.</p>`;
  return html`<div class="table-wrap"><table id="networks-table" class="stack">
<caption>Copies are counted once per address and once per operator; five hosts on one network are one network</caption>
<thead><tr><th scope="col">Network</th><th scope="col" class="num">Hosts</th><th scope="col">Last seen</th></tr></thead>
<tbody>${file.networks.map(
    (n) => html`<tr><th scope="row" class="mono" data-label="Network">${n.network}</th><td class="num" data-label="Hosts">${formatCount(n.hosts)}</td><td data-label="Last seen">${timeAgo(n.lastSeen, now)}</td></tr>`,
  )}</tbody></table></div>`;
}

function renderNotCounted(file: FileView): SafeHtml {
  if (file.notIndependent.length === 0 && file.unproven.length === 0) return html``;
  return html`<h2>Not counted as independent</h2>
<ul id="not-independent">${file.notIndependent.map((h) => html`<li><span class="mono">${h}</span>: proved the operator key of a host already counted (a relay, or a second address of one seeder)</li>`)}
${file.unproven.map((h) => html`<li><span class="mono">${h}</span>: proved no operator key${file.copiesMode === 'approved' ? ', so it counts only if its network is approved' : ', so it counts once for its address'}</li>`)}</ul>`;
}

function renderOccurrences(file: FileView): SafeHtml {
  if (file.containedIn.length === 0) return html`<p class="empty">No published set version contains this file.</p>`;
  return html`<div class="table-wrap"><table id="occurrences-table" class="stack">
<caption>The same bytes in several sets count once per host</caption>
<thead><tr><th scope="col">Set</th><th scope="col">Version</th><th scope="col">Path in the Commons layout</th>
<th scope="col" class="num">Copy target</th></tr></thead>
<tbody>${file.containedIn.map(
    (o) => html`<tr><th scope="row" data-label="Set"><a href="${setPath(o.setId)}">${o.setTitle}</a></th>
<td data-label="Version"><a href="${setPath(o.setId)}#v${o.version}">v${o.version}</a></td><td class="hash" data-label="Path">${o.path}</td><td class="num" data-label="Copy target">${o.copyTarget}</td></tr>`,
  )}</tbody></table></div>`;
}

/** The source wiki's thumbnail, linked to the description page; nothing when the type has none. */
function renderThumbnail(file: FileView): SafeHtml | string {
  if (!file.thumbnailUrl) return '';
  const img = html`<img id="file-thumbnail" src="${safeUrl(file.thumbnailUrl)}" alt="Image of ${file.title}" loading="lazy" referrerpolicy="no-referrer">`;
  return html`<figure class="card thumb">${file.descriptionUrl ? html`<a href="${safeUrl(file.descriptionUrl)}" rel="noreferrer">${img}</a>` : img}
<figcaption>Served by the source wiki</figcaption></figure>`;
}

function renderFound(model: Found): SafeHtml {
  const { file } = model;
  // A file shared by several sets must meet the highest target among them.
  const target = Math.max(0, ...file.containedIn.map((o) => o.copyTarget));
  const under = target > 0 && file.copies < target;
  const label = file.copiesMode === 'approved' ? 'Copies (approved operators)' : 'Copies';
  return html`<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/files">Files</a> › <span aria-current="page">${file.title}</span></nav>
<h1>${file.title}</h1>
<dl class="stats">
<div><dt>${label}</dt><dd id="file-copies"><span class="${under ? 'under' : ''}">${formatCount(file.copies)}</span>
<small>${target > 0 ? `target ${plural(target, 'copy', 'copies')}` : 'no target'}; ${copiesMeaning(file.copiesMode)}, across every set and version holding these bytes</small></dd></div>
<div><dt>${file.copiesMode === 'approved' ? 'Any audited host' : 'Approved operators'}</dt><dd id="file-other-copies">${formatCount(file.copiesMode === 'approved' ? file.anyCopies : file.approvedCopies)}
<small>${file.copiesMode === 'approved' ? 'each address and operator once' : 'copies counted by operator'}</small></dd></div>
<div><dt>Networks</dt><dd id="file-networks">${formatCount(file.networksCount)}</dd></div>
<div><dt>Size</dt><dd>${formatBytes(file.bytes)}</dd></div>
<div><dt>Type</dt><dd class="mono">${file.mime}</dd></div>
</dl>
${under ? html`<p class="alert">This file has fewer copies than its sets ask for: hosting one of them helps.</p>` : ''}
<h2>About this file</h2>
<div class="file-about">${renderThumbnail(file)}
<div class="card"><dl class="recipe">
${file.facts ? html`<dt>Licence</dt><dd id="file-license">${file.facts.license ?? html`<span class="sub">none stated on its description page</span>`}</dd>
<dt>Author</dt><dd id="file-author">${file.facts.author ?? html`<span class="sub">not stated</span>`}</dd>
<dt>Uploaded</dt><dd id="file-uploaded">${file.facts.uploaded ? html`<time datetime="${file.facts.uploaded}">${formatUtc(file.facts.uploaded)}</time>` : 'unknown'}</dd>` : ''}
<dt>SHA-1</dt><dd class="hash info-hash" id="file-sha1">${file.sha1}</dd>
<dt>Description page</dt><dd>${file.descriptionUrl ? html`<a id="file-description" href="${safeUrl(file.descriptionUrl)}" rel="noreferrer">${file.descriptionUrl}</a>` : 'unknown'}</dd>
</dl></div></div>
<h2>Networks holding it</h2>
${renderNetworks(file, model.now)}
${renderNotCounted(file)}
<h2>Sets containing it</h2>
${renderOccurrences(file)}`;
}

function renderMatches(query: string, matches: FileMatch[]): SafeHtml {
  return html`<h1>Files matching “${query}”</h1>
${searchAgain(query)}
<div class="table-wrap"><table id="matches-table" class="stack">
<caption>${plural(matches.length, 'file')} match; pick one to see its copies</caption>
<thead><tr><th scope="col">Title</th><th scope="col">SHA-1</th><th scope="col" class="num">Size</th><th scope="col" class="num">Copies</th></tr></thead>
<tbody>${matches.map(
    (m) => html`<tr><th scope="row" data-label="Title"><a href="${filePath(m.sha1)}">${m.title}</a></th><td class="hash" data-label="SHA-1">${m.sha1}</td>
<td class="num" data-label="Size">${formatBytes(m.bytes)}</td><td class="num" data-label="Copies">${formatCount(m.copies)}</td></tr>`,
  )}</tbody></table></div>`;
}

function renderMissing(query: string, note?: string): SafeHtml {
  if (query === '') {
    return html`<h1>Find a file</h1>
<p class="lede">Look a file up by the beginnings of words of its title (<code>eiffel tow</code>), its exact title
(with or without <code>File:</code>) or its SHA-1 to see how many independent copies exist and which sets hold it.</p>
${searchAgain('')}`;
  }
  return html`<h1>No file found</h1>
<p class="lede" id="not-found-query">Nothing in the catalogue matches “<span class="mono">${query}</span>”.
${note ? html`<span id="not-found-note">${note}.</span>` : html`No file title has words beginning with these, and no file has this exact title or SHA-1.`}</p>
${searchAgain(query)}`;
}

/** The origins the file page loads images from besides its own: the source wiki's, for the thumbnail. */
export function fileImageOrigins(model: FilePageModel): string[] {
  if (model.kind !== 'found' || !model.file.thumbnailUrl) return [];
  try {
    const url = new URL(model.file.thumbnailUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? [url.origin] : [];
  } catch {
    return [];
  }
}

/** Renders the file lookup page in its found, several-matches or not-found state. */
export function renderFile(model: FilePageModel): string {
  switch (model.kind) {
    case 'found':
      return renderLayout({ title: model.file.title, main: renderFound(model), searchValue: model.query, current: 'files', imageOrigins: fileImageOrigins(model) });
    case 'matches':
      return renderLayout({ title: `Files matching ${model.query}`, main: renderMatches(model.query, model.matches), searchValue: model.query, current: 'files' });
    case 'search':
      return renderLayout({ title: `Files matching ${model.query}`, main: renderSearchResults(model.query, model.search, searchAgain(model.query)), searchValue: model.query, current: 'files' });
    case 'not-found':
      return renderLayout({ title: model.query === '' ? 'Find a file' : 'No file found', main: renderMissing(model.query, model.note), searchValue: model.query, current: 'files' });
  }
}
