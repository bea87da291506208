import { createHash } from 'node:crypto';

/** The name of the torrent's root folder and of Commons' upload folder. */
export const COMMONS_ROOT = 'commons';

/**
 * The file name MediaWiki stores on disk for a title: without the `File:` prefix, with
 * underscores for spaces and the first letter upper-cased (as $wgCapitalLinks does).
 */
export function fileNameFromTitle(title: string): string {
  const bare = title.replace(/^(File|Image):/i, '').trim().replace(/ /g, '_');
  if (bare.length === 0) return bare;
  const first = bare.codePointAt(0)!;
  const firstChar = String.fromCodePoint(first);
  return firstChar.toUpperCase() + bare.slice(firstChar.length);
}

/** The title (`File:Name with spaces.jpg`) for a stored file name. */
export function titleFromFileName(name: string): string {
  return `File:${name.replace(/_/g, ' ')}`;
}

/**
 * MediaWiki's hashed upload path for a file name: `a/ab/Name.jpg`, where `a` and `ab` are
 * the first one and two hex digits of the MD5 of the UTF-8 name (with underscores).
 */
export function commonsPath(fileName: string): string {
  const md5 = createHash('md5').update(fileName, 'utf8').digest('hex');
  return `${md5[0]}/${md5.slice(0, 2)}/${fileName}`;
}

/** The URL of an original, built from an upload base such as `https://upload.wikimedia.org/wikipedia/`. */
export function originalUrl(uploadBase: string, path: string): string {
  const base = uploadBase.endsWith('/') ? uploadBase : `${uploadBase}/`;
  return base + [COMMONS_ROOT, ...path.split('/')].map(encodeURIComponent).join('/');
}

/**
 * Splits a wiki's reported original URL into the upload base (what BEP 19 `url-list` holds)
 * and the Commons path, or returns null when the URL does not follow the hashed layout.
 * `https://upload.wikimedia.org/wikipedia/commons/a/ab/X.jpg` →
 * `{ uploadBase: 'https://upload.wikimedia.org/wikipedia/', path: 'a/ab/X.jpg' }`.
 */
export function splitOriginalUrl(url: string): { uploadBase: string; root: string; path: string } | null {
  const parsed = new URL(url);
  const segments = parsed.pathname.split('/').map((s) => decodeURIComponent(s));
  const n = segments.length;
  if (n < 5) return null;
  const [root, h1, h2, name] = segments.slice(n - 4) as [string, string, string, string];
  if (!/^[0-9a-f]$/.test(h1) || !/^[0-9a-f]{2}$/.test(h2) || !h2.startsWith(h1)) return null;
  const prefix = parsed.pathname.split('/').slice(0, n - 4).join('/');
  return {
    uploadBase: `${parsed.origin}${prefix}/`,
    root,
    path: `${h1}/${h2}/${name}`,
  };
}
