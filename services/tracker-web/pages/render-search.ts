// The file page's search state: the files whose title words begin with the query's words,
// a page at a time, each linking to its file page and its sets; says when a page stopped at
// the bound on index entries read, and when an older catalogue is still being indexed.
import { html, type SafeHtml } from './html.ts';
import { formatCount, plural } from './format.ts';
import { filePath, setPath } from './urls.ts';
import type { FileSearchView } from './view-models.ts';

/** The table of search hits with its paging and bound notices; `form` is the page's search box. */
export function renderSearchResults(query: string, search: FileSearchView, form: SafeHtml): SafeHtml {
  const words = search.words.map((w) => html`<code>${w}…</code>`);
  const joined = words.flatMap((w, i) => (i === 0 ? [w] : [html` and `, w]));
  return html`<h1>Files matching “${query}”</h1>
<p class="lede" id="search-words">Titles with words beginning ${joined}, ignoring case and accents.</p>
${form}
${search.indexComplete ? '' : html`<p class="alert" id="search-indexing">The catalogue is still indexing its file titles: some files are not found yet. The exact title or SHA-1 always works.</p>`}
${search.hits.length === 0
    ? html`<p class="empty">${search.nextPath ? 'No match in the part of the index read so far.' : 'No more matches.'}</p>`
    : html`<div class="table-wrap"><table id="search-table">
<caption>${plural(search.hits.length, 'file')} on this page; pick one to see its copies</caption>
<thead><tr><th scope="col">Title</th><th scope="col">Sets</th><th scope="col" class="num">Contents (SHA-1s)</th></tr></thead>
<tbody>${search.hits.map(
        (h) => html`<tr><th scope="row"><a href="${filePath(h.title)}">${h.title}</a></th>
<td>${h.sets.flatMap((s, i) => [i > 0 ? html`, ` : html``, html`<a href="${setPath(s.id)}">${s.title}</a>`])}</td><td class="num">${formatCount(h.contents)}</td></tr>`,
      )}</tbody></table></div>`}
${search.capped ? html`<p class="alert" id="search-capped">This page stopped after reading ${formatCount(search.scanned)} index entries to keep the catalogue quick; more files may match. Add a word or more letters, or go on to the next page.</p>` : ''}
${search.nextPath ? html`<p><a id="search-next" rel="next" href="${search.nextPath}">Next page of matches →</a></p>` : ''}`;
}
