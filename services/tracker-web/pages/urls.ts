// The catalogue's URL scheme in one place, built with encodeURIComponent, plus a guard for
// URLs that arrive in view models so a `javascript:` link can never reach a page.
import type { HomeQuery } from './view-models.ts';

/** The set page. */
export function setPath(id: string): string {
  return `/sets/${encodeURIComponent(id)}`;
}

/** The file lookup page for a title or SHA-1. */
export function filePath(query: string): string {
  return `/files?q=${encodeURIComponent(query)}`;
}

/** The home page with some filters; empty and default values are left out of the URL. */
export function homePath(query: Partial<HomeQuery>): string {
  const params: string[] = [];
  if (query.q) params.push(`q=${encodeURIComponent(query.q)}`);
  if (query.tag) params.push(`tag=${encodeURIComponent(query.tag)}`);
  if (query.region) params.push(`region=${encodeURIComponent(query.region)}`);
  if (query.sort && query.sort !== 'risk') params.push(`sort=${encodeURIComponent(query.sort)}`);
  if (query.page && query.page > 1) params.push(`page=${query.page}`);
  return params.length > 0 ? `/?${params.join('&')}` : '/';
}

/** Schemes a link from a view model may use; anything else becomes an inert `#`. */
const SAFE_SCHEMES = new Set(['http:', 'https:', 'magnet:']);

/** Returns the URL when it is site-relative or uses a safe scheme, else `#`. */
export function safeUrl(url: string): string {
  const trimmed = url.trim();
  // Site-relative paths are safe; `//host` is protocol-relative, i.e. another site.
  if ((trimmed.startsWith('/') && !trimmed.startsWith('//')) || trimmed.startsWith('#') || trimmed.startsWith('?')) {
    return trimmed;
  }
  try {
    return SAFE_SCHEMES.has(new URL(trimmed).protocol) ? trimmed : '#';
  } catch {
    return '#';
  }
}

/** A magnet link for a volume: info hash, display name, trackers and web seeds (BEP 9, BEP 19). */
export function magnetUri(infoHash: string, opts: { name?: string; trackers?: string[]; webSeeds?: string[] } = {}): string {
  const parts = [`xt=urn:btih:${encodeURIComponent(infoHash.toLowerCase())}`];
  if (opts.name) parts.push(`dn=${encodeURIComponent(opts.name)}`);
  for (const tracker of opts.trackers ?? []) parts.push(`tr=${encodeURIComponent(tracker)}`);
  for (const seed of opts.webSeeds ?? []) parts.push(`ws=${encodeURIComponent(seed)}`);
  return `magnet:?${parts.join('&')}`;
}
