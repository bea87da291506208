// The frame shared by every catalogue page: head with the embedded stylesheet, a header with
// the navigation and a file search box that works as a plain GET form, and the footer.
import { html, raw, type SafeHtml } from './html.ts';
import { STYLESHEET } from './styles.ts';

/**
 * Pages load nothing from anywhere but their own origin and run no script: a second line
 * of defence behind escaping, and a promise that a page never reaches the internet.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'";

/**
 * The policy of a page that shows images from other origins (the file page's thumbnail on the
 * source wiki): those origins are added to img-src and nothing else changes. Anything that is
 * not a bare http(s) origin is dropped, so a manifest cannot widen the policy.
 */
export function contentSecurityPolicy(imageOrigins: readonly string[] = []): string {
  const origins = imageOrigins.filter((o) => /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(o));
  if (origins.length === 0) return CONTENT_SECURITY_POLICY;
  return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", `img-src 'self' data: ${[...new Set(origins)].join(' ')}`);
}

/** What a page hands to the layout. */
export interface LayoutOptions {
  /** The page's own title; the layout appends the site name. */
  title: string;
  /** The content of `<main>`, which must contain the page's single `<h1>`. */
  main: SafeHtml;
  /** Prefills the header's file search box (the file page shows its query there). */
  searchValue?: string;
  /** One-sentence summary for `<meta name="description">`. */
  description?: string;
  /** Extra `<head>` markup such as feed `<link rel="alternate">`s. */
  head?: SafeHtml;
  /** Which nav entry is the current page. */
  current?: 'sets' | 'files';
  /** Origins the page shows images from besides its own (see contentSecurityPolicy). */
  imageOrigins?: readonly string[];
}

const SITE_NAME = 'Seedbank';

// A tiny seed-and-arrows mark, drawn inline so the header needs no image request.
const LOGO = raw(
  '<svg width="26" height="26" viewBox="0 0 26 26" aria-hidden="true" focusable="false">' +
    '<circle cx="13" cy="13" r="12" fill="currentColor" opacity=".12"/>' +
    '<path d="M13 5c4 3 5 8 0 16c-5-8-4-13 0-16z" fill="#0b6e69"/>' +
    '<path d="M13 9v9" stroke="#fff" stroke-width="1.6" stroke-linecap="round"/></svg>',
);

/** Wraps a page's main content into a complete HTML document. */
export function renderLayout(options: LayoutOptions): string {
  const { title, main, searchValue = '', description, head, current, imageOrigins } = options;
  const currentAttr = (entry: LayoutOptions['current']) => (entry === current ? raw(' aria-current="page"') : '');
  return (
    '<!doctype html>\n' +
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(imageOrigins)}">
<meta name="referrer" content="same-origin">
${description ? html`<meta name="description" content="${description}">` : ''}
<title>${title} · ${SITE_NAME}</title>
<link rel="icon" href="data:,">
${head ?? ''}
<style>${raw(STYLESHEET)}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<div class="wrap">
<a class="brand" href="/">${LOGO}<span>${SITE_NAME}</span></a>
<nav aria-label="Main">
<ul>
<li><a href="/"${currentAttr('sets')}>Sets</a></li>
<li><a href="/files"${currentAttr('files')}>Files</a></li>
</ul>
</nav>
<form class="site-search" role="search" action="/files" method="get">
<label class="visually-hidden" for="site-search-q">Find a file by title or SHA-1</label>
<input id="site-search-q" type="search" name="q" value="${searchValue}" placeholder="Words of a file title, or SHA-1" autocomplete="off">
<button type="submit">Find file</button>
</form>
</div>
</header>
<main id="main" class="wrap">
${main}
</main>
<footer class="site">
<div class="wrap">
<p>${SITE_NAME} mirrors slices of Wikimedia Commons over BitTorrent. Copies are counted per distinct host,
seen recently and audited piece by piece. Each file keeps the licence stated on its description page.</p>
</div>
</footer>
</body>
</html>
`.value
  );
}
