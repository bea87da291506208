// Small markup fragments several pages share: times, risk badges and tag lists.
import { html, type SafeHtml } from './html.ts';
import { formatRelative, formatUtc, isoUtc, riskLabel, riskLevel } from './format.ts';
import { homePath } from './urls.ts';
import type { HomeQuery } from './view-models.ts';

/** A relative time ("3 min ago") with the exact UTC time in the element and its tooltip. */
export function timeAgo(iso: string, now: string): SafeHtml {
  return html`<time datetime="${isoUtc(iso)}" title="${formatUtc(iso)}">${formatRelative(iso, now)}</time>`;
}

/** A coloured risk badge with its words, so colour is never the only signal. */
export function riskBadge(score: number): SafeHtml {
  return html`<span class="badge ${riskLevel(score)}">${riskLabel(score)}</span>`;
}

/** Tags as links to the home page filtered by each tag, keeping the other filters. */
export function tagList(tags: string[], query: Partial<HomeQuery> = {}): SafeHtml | string {
  if (tags.length === 0) return '';
  return html`<ul class="tags" aria-label="Tags">${tags.map(
    (tag) => html`<li><a class="tag" href="${homePath({ ...query, q: '', tag })}" title="${tag}">${tag}</a></li>`,
  )}</ul>`;
}
