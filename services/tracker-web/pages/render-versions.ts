// The versions table of the set page: each immutable version with its size and its change
// from the parent, the title lists folded into <details> so they open without JavaScript.
import { html, type SafeHtml } from './html.ts';
import { formatBytes, formatCount, formatUtc, isoUtc } from './format.ts';
import { filePath } from './urls.ts';
import type { TitleList, VersionChanges, VersionView } from './view-models.ts';

function moreNote(count: number, shown: number): SafeHtml | string {
  return count > shown ? html`<li class="sub">and ${formatCount(count - shown)} more</li>` : '';
}

function titleDetails(kind: string, list: TitleList): SafeHtml | string {
  if (list.count === 0) return '';
  return html`<details><summary>${formatCount(list.count)} ${kind}</summary><ul>
${list.titles.map((title) => html`<li><a href="${filePath(title)}">${title}</a></li>`)}
${moreNote(list.count, list.titles.length)}</ul></details>`;
}

function renderChanges(changes: VersionChanges | null): SafeHtml {
  if (changes === null) return html`<span class="sub">first version</span>`;
  const { added, removed, changed, renamed } = changes;
  if (added.count + removed.count + changed.count + renamed.count === 0) return html`<span class="sub">no change</span>`;
  const renamedDetails = renamed.count === 0 ? '' : html`<details><summary>${formatCount(renamed.count)} renamed</summary><ul>
${renamed.titles.map((r) => html`<li>${r.from} → <a href="${filePath(r.to)}">${r.to}</a></li>`)}
${moreNote(renamed.count, renamed.titles.length)}</ul></details>`;
  return html`${titleDetails('added', added)}${titleDetails('removed', removed)}${titleDetails('changed', changed)}${renamedDetails}`;
}

/** Renders the versions of a set, newest first, as a table with expandable change lists. */
export function renderVersions(versions: VersionView[]): SafeHtml {
  if (versions.length === 0) return html`<p class="empty">No version has been built yet.</p>`;
  return html`<div class="table-wrap"><table id="versions-table" class="stack">
<caption>Every version is immutable; a new one lists only what changed since its parent</caption>
<thead><tr><th scope="col">Version</th><th scope="col">Built (UTC)</th><th scope="col" class="num">Files</th>
<th scope="col" class="num">Size</th><th scope="col">Changes from the parent</th></tr></thead>
<tbody>${versions.map(
    (v) => html`<tr id="v${v.n}"><th scope="row" data-label="Version">v${v.n}</th>
<td data-label="Built"><time datetime="${isoUtc(v.builtAt)}">${formatUtc(v.builtAt)}</time></td>
<td class="num" data-label="Files">${formatCount(v.files)}</td><td class="num" data-label="Size">${formatBytes(v.bytes)}</td>
<td data-label="Changes">${renderChanges(v.changes)}</td></tr>`,
  )}</tbody></table></div>`;
}
