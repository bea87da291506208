// Pages for requests that went wrong: a missing page or set, and any other HTTP error, in the
// same frame as the rest of the catalogue so the reader keeps the navigation and search.
import { html } from './html.ts';
import { renderLayout } from './layout.ts';
import type { NotFoundModel } from './view-models.ts';

/** Headlines for the statuses the catalogue sends; others fall back by class (4xx, 5xx). */
const STATUS_TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  410: 'Gone',
  429: 'Too many requests',
  500: 'Something went wrong',
  502: 'Bad gateway',
  503: 'Temporarily unavailable',
};

function statusTitle(status: number): string {
  return STATUS_TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Request not understood');
}

/** Renders the 404 page, showing the path asked for. */
export function renderNotFound(model: NotFoundModel): string {
  const what = model.what ?? 'page';
  const main = html`<h1>No such ${what}</h1>
<p class="lede">There is no ${what} at <code>${model.path}</code>. It may have been renamed, or the link may be mistyped.</p>
<p><a href="/">Browse all sets</a> or use the file search above.</p>`;
  return renderLayout({ title: `No such ${what}`, main });
}

/** Renders an error page for an HTTP status with a message meant for the reader. */
export function renderError(status: number, message: string): string {
  const title = statusTitle(status);
  const main = html`<h1>${title}</h1>
<p class="lede"><span class="badge ${status >= 500 ? 'high' : 'medium'}">HTTP ${status}</span> ${message}</p>
<p>${status >= 500 ? 'The catalogue could not answer this time; trying again in a minute usually works.' : ''}
<a href="/">Back to the catalogue</a></p>`;
  return renderLayout({ title, main });
}
