// The set page's note on file names that stock clients rewrite (issue 11): how many files,
// which volumes hold them, and why that matters to an institution seeding from its own tree.
import { html, type SafeHtml } from './html.ts';
import { formatCount, plural } from './format.ts';
import type { UnportableNamesView } from './view-models.ts';

/** The section, or '' when the latest version has no file with an unportable name. */
export function renderUnportableNames(view: UnportableNamesView | undefined): SafeHtml | string {
  if (!view) return '';
  const where = view.keptApart
    ? html`They are kept in ${plural(view.volumes.length, 'volume')} of their own, so every other volume seeds in place from a mirror of the upload folder in any client on any OS:`
    : html`This version mixes them into ordinary volumes (it predates the rule); from the next version on they are kept in volumes of their own. The volumes holding them now:`;
  return html`<section aria-labelledby="unportable-heading" id="unportable-names">
<h2 id="unportable-heading">File names some clients rewrite</h2>
<p><strong id="unportable-count">${formatCount(view.files)}</strong> ${view.files === 1 ? 'file has a name' : 'files have names'} that Transmission, Windows clients or the case-insensitive disks of Windows and macOS write differently from Commons (a <code>?</code>, <code>"</code> or <code>:</code> in the name, a device name such as <code>CON</code>, two names differing only by case), so no client can seed ${view.files === 1 ? 'it' : 'them'} in place from a Commons tree. ${where}</p>
<ul class="unportable-volumes">${view.volumes.map((v) => html`<li><code class="hash info-hash" data-info-hash="${v.infoHash}">${v.infoHash}</code> (${plural(v.files, 'such file')})</li>`)}</ul>
${view.examples.length > 0 ? html`<p class="sub">For example: ${view.examples.join(', ')}.</p>` : ''}
</section>`;
}
