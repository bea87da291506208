// The set page's sections an archivist acts on: the paged, searchable file list with its
// under-target filter and licence summary, and the boxes with the exact commands to host or
// restore the set and the whole-set volume list. Everything works as plain links and GET forms.
import { html, type SafeHtml } from './html.ts';
import { formatBytes, formatCount, formatUtcDate, plural } from './format.ts';
import { filePath, safeUrl, setPath } from './urls.ts';
import type { SetActions, SetFilesQuery, SetFilesSection, SetFileView } from './view-models.ts';

/** The set page with a file-list query; defaults are left out, and the link lands on the list. */
export function setFilesPath(setId: string, q: Partial<SetFilesQuery>): string {
  const params: string[] = [];
  if (q.q) params.push(`q=${encodeURIComponent(q.q)}`);
  if (q.under) params.push('under=1');
  if (q.page && q.page > 1) params.push(`page=${q.page}`);
  return `${setPath(setId)}${params.length > 0 ? `?${params.join('&')}` : ''}#files`;
}

function licenceName(licence: string | null): string {
  return licence ?? 'no licence stated';
}

function renderLicences(files: SetFilesSection): SafeHtml {
  if (files.licences.length === 0) return html``;
  return html`<div class="card licences"><h3 id="licences-heading">Licences</h3>
<ul id="licence-summary" aria-labelledby="licences-heading">${files.licences.map(
    (l) => html`<li data-licence="${l.licence ?? ''}"><span class="licence">${licenceName(l.licence)}</span>
<span class="sub">${plural(l.files, 'file')}, ${formatBytes(l.bytes)}</span></li>`,
  )}</ul>
<p class="sub">As each file's description page states it; the page travels with the set (pages.xml.gz).</p></div>`;
}

function renderForm(setId: string, files: SetFilesSection): SafeHtml {
  const { query } = files;
  const filtered = query.q !== '' || query.under;
  return html`<form class="filters" method="get" action="${setPath(setId)}#files" role="search" aria-label="Search the files of this set">
<div class="field"><label for="files-q">Title contains</label><input id="files-q" type="search" name="q" value="${query.q}" maxlength="240" placeholder="e.g. tower"></div>
<div class="field check"><input id="files-under" type="checkbox" name="under" value="1"${query.under ? html` checked` : ''}><label for="files-under">Only files under the copy target (${formatCount(files.filesUnderTarget)})</label></div>
<button type="submit">Search files</button>
${filtered ? html`<a href="${setFilesPath(setId, {})}">All files</a>` : ''}
</form>`;
}

function caption(files: SetFilesSection): SafeHtml {
  const { query, matching, perPage } = files;
  const first = (query.page - 1) * perPage + 1;
  const last = Math.min(matching, query.page * perPage);
  const range = matching === 0 ? '' : html`${formatCount(first)}–${formatCount(last)} of `;
  const what = query.under ? 'files under the copy target' : 'files';
  const search = query.q !== '' ? html` whose title contains “${query.q}”` : '';
  const order = query.under ? 'in volume order' : 'by title';
  return html`${range}${formatCount(matching)} ${what}${search}, ${order}; copies counted in this set's volumes`;
}

function renderRow(file: SetFileView, target: number): SafeHtml {
  return html`<tr>
<th scope="row" data-label="Title"><a href="${filePath(file.title)}">${file.title}</a></th>
<td class="num" data-label="Size">${formatBytes(file.bytes)}</td>
<td class="num" data-label="Copies"><span class="${file.copies < target ? 'under' : ''}">${formatCount(file.copies)}</span></td>
<td data-label="Licence">${file.license ?? html`<span class="sub">none stated</span>`}</td>
<td data-label="Uploaded">${file.uploaded ? html`<time datetime="${file.uploaded}">${formatUtcDate(file.uploaded)}</time>` : '—'}</td>
</tr>`;
}

function renderPager(setId: string, files: SetFilesSection): SafeHtml | string {
  const { query, pages } = files;
  if (pages <= 1 || files.outOfRange) return '';
  const link = (page: number, label: string, rel?: string) =>
    html`<a class="button-link" href="${setFilesPath(setId, { ...query, page })}"${rel ? html` rel="${rel}"` : ''}>${label}</a>`;
  return html`<nav class="pager" aria-label="Pages of the file list">
${query.page > 1 ? html`${link(1, 'First')} ${link(query.page - 1, 'Previous', 'prev')}` : ''}
<span id="files-page">Page ${formatCount(query.page)} of ${formatCount(pages)}</span>
${query.page < pages ? html`${link(query.page + 1, 'Next', 'next')} ${link(pages, 'Last')}` : ''}
</nav>`;
}

/** The file list of the latest version: licence summary, search form, one page of files, pager. */
export function renderSetFiles(setId: string, files: SetFilesSection, copyTarget: number): SafeHtml {
  const { query } = files;
  let body: SafeHtml;
  if (files.outOfRange) {
    body = html`<p class="alert" id="files-out-of-range">There is no page ${formatCount(query.page)}: this list has ${plural(files.pages, 'page')}.
<a href="${setFilesPath(setId, { ...query, page: files.pages })}">Go to the last page</a>.</p>`;
  } else if (files.rows.length === 0) {
    body = html`<p class="empty" id="files-empty">${query.q !== '' || query.under ? 'No file matches.' : 'This version has no files.'}</p>`;
  } else {
    body = html`<div class="table-wrap"><table id="files-table" class="stack compact">
<caption>${caption(files)}</caption>
<thead><tr><th scope="col">Title</th><th scope="col" class="num">Size</th><th scope="col" class="num">Copies</th>
<th scope="col">Licence</th><th scope="col">Uploaded</th></tr></thead>
<tbody>${files.rows.map((f) => renderRow(f, copyTarget))}</tbody></table></div>`;
  }
  const capped = files.scan.complete
    ? ''
    : html`<p class="alert" id="files-scan-capped">This search read the first ${formatCount(files.scan.titles)} titles (A–Z) of ${formatCount(files.files)} and stopped there to stay quick.
The file search in the header finds any title by the beginning of its words.</p>`;
  return html`<section aria-labelledby="files-heading" id="files">
<h2 id="files-heading">Files of v${files.version}</h2>
${renderLicences(files)}
${renderForm(setId, files)}
${capped}
${body}
${renderPager(setId, files)}
</section>`;
}

/** A command or URL to copy: selectable as a whole with one click, no script needed. */
function copyable(id: string, text: string): SafeHtml {
  return html`<pre class="command"><code id="${id}">${text}</code></pre>`;
}

/** The "Host this set", "Restore this set" and whole-set download boxes. */
export function renderSetActions(actions: SetActions): SafeHtml {
  return html`<section class="act" aria-labelledby="act-heading">
<h2 id="act-heading" class="visually-hidden">Host or restore this set</h2>
<div class="grid-2">
<div class="card action" id="host-box"><h3>Host this set</h3>
<p>Run a Seedbank seeder: it downloads every volume into the storage folder, seeds it, and follows new versions
(the quota leaves room for them; change it to what you can offer).</p>
${copyable('seed-command', actions.seedCommand)}
<p>Or follow the set with a stock BitTorrent client (qBittorrent, Transmission, …): add this RSS feed to its RSS downloader
and it fetches each new volume as it is published.</p>
${copyable('rss-url', actions.rssUrl)}</div>
<div class="card action" id="restore-box"><h3>Restore this set</h3>
<p>Download the latest version from peers and the wiki, check every file against the signed manifest, and write a report.</p>
${copyable('restore-command', actions.restoreCommand)}
<p class="sub">Re-running it in the same folder resumes. <code>--layout title</code> names the files by title instead of
the wiki's upload layout; an older version is the set id followed by <code>@N</code>.</p>
<p>Every volume at once, for any client: <a class="button-link" id="volumes-list" href="${safeUrl(actions.volumesListUrl)}" type="text/plain">volumes.txt</a>
<span class="sub">one line per volume: its magnet link and its .torrent URL</span></p></div>
</div>
</section>`;
}
