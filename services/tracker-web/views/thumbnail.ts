// Thumbnails come from the source wiki, built from its upload base with MediaWiki's thumbnail
// URL scheme (what Commons serves at upload.wikimedia.org/…/thumb/): the catalogue stores no
// image per file, and the page's CSP allows exactly that one origin.
import { COMMONS_ROOT, originalUrl } from '../../../shared/commons-path.ts';

/** Thumbnail width in pixels: one of Wikimedia's standard thumbnail steps, so the wiki's cache serves it. */
export const THUMBNAIL_WIDTH_PX = 330;
/**
 * Images up to this size are shown as they are: about a thumbnail's weight, they may be
 * narrower than the thumbnail width (which MediaWiki refuses to scale up), and they need no scaler.
 */
export const SHOW_ORIGINAL_MAX_BYTES = 256 * 1024;
/** Types a browser shows in an <img> as they are (SVG runs no script there). */
const SHOWN_AS_IS = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/svg+xml']);

/** The thumbnail's file name in MediaWiki's scheme for a media type, or null for types without one (audio, data). */
function thumbName(name: string, mime: string, width: number): string | null {
  if (/^image\/(jpeg|png|gif|webp)$/.test(mime)) return `${width}px-${name}`;
  if (mime === 'image/svg+xml') return `${width}px-${name}.png`;
  if (mime === 'image/tiff') return `lossy-page1-${width}px-${name}.jpg`;
  if (mime === 'application/pdf' || mime === 'image/vnd.djvu') return `page1-${width}px-${name}.jpg`;
  if (mime === 'video/webm' || mime === 'video/ogg') return `${width}px--${name}.jpg`;
  return null;
}

/** Upload bases whose origin is remembered: a catalogue mirrors a handful of wikis. */
const MAX_KNOWN_BASES = 64;
const origins = new Map<string, string | null>();

/** The origin (scheme, host, port) of an http(s) upload base, or null for anything else. */
export function uploadOrigin(uploadBase: string): string | null {
  // Parsing a URL was a tenth of a copy lookup's own time, twice per lookup, for the same few bases.
  const known = origins.get(uploadBase);
  if (known !== undefined) return known;
  let origin: string | null = null;
  try {
    const url = new URL(uploadBase);
    origin = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    origin = null;
  }
  if (origins.size >= MAX_KNOWN_BASES) origins.clear();
  origins.set(uploadBase, origin);
  return origin;
}

/**
 * The wiki's thumbnail URL of a file: `<uploadBase>commons/thumb/a/ab/Name.jpg/330px-Name.jpg`
 * for `path` "a/ab/Name.jpg", or null when the type has no thumbnail or the base is not http(s).
 */
export function thumbnailUrl(uploadBase: string, path: string, mime: string, width = THUMBNAIL_WIDTH_PX): string | null {
  if (!uploadOrigin(uploadBase)) return null;
  const segments = path.split('/');
  const name = segments.at(-1)!;
  const thumb = thumbName(name, mime, width);
  if (!thumb) return null;
  const base = uploadBase.endsWith('/') ? uploadBase : `${uploadBase}/`;
  return base + [COMMONS_ROOT, 'thumb', ...segments, thumb].map(encodeURIComponent).join('/');
}

/**
 * The image the file page shows: a small image itself, else the wiki's thumbnail (see
 * thumbnailUrl); null when the type has neither or the base is not http(s).
 */
export function previewImageUrl(uploadBase: string, path: string, mime: string, size: number): string | null {
  if (!uploadOrigin(uploadBase)) return null;
  if (size <= SHOW_ORIGINAL_MAX_BYTES && SHOWN_AS_IS.has(mime)) return originalUrl(uploadBase, path);
  return thumbnailUrl(uploadBase, path, mime);
}
