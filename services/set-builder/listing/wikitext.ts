import type { LatLon } from '../../../shared/geo.ts';

/** Templates that carry a file's camera or object location on Commons. */
const LOCATION_TEMPLATE = /\{\{\s*(?:Location|Location dec|Camera location|Object location|Object location dec)\s*\|([^{}]*)\}\}/i;

/**
 * Reads coordinates from `{{Location|lat|lon}}`-style templates in decimal form
 * (`{{Location|48.85|2.35}}`) or degrees-minutes-seconds form
 * (`{{Location|48|51|24|N|2|21|3|E}}`); null when none is present or it is malformed.
 */
export function coordinatesFromWikitext(text: string): LatLon | null {
  const m = LOCATION_TEMPLATE.exec(text);
  if (!m) return null;
  const params = (m[1] ?? '')
    .split('|')
    .map((p) => p.trim())
    .filter((p) => p.length > 0 && !p.includes('='));
  const hemi = params.findIndex((p) => /^[NS]$/i.test(p));
  let lat: number;
  let lon: number;
  if (hemi >= 0) {
    const latParts = params.slice(0, hemi).map(Number);
    const lonEnd = params.findIndex((p, i) => i > hemi && /^[EW]$/i.test(p));
    if (lonEnd < 0) return null;
    const lonParts = params.slice(hemi + 1, lonEnd).map(Number);
    lat = dms(latParts) * (/^S$/i.test(params[hemi]!) ? -1 : 1);
    lon = dms(lonParts) * (/^W$/i.test(params[lonEnd]!) ? -1 : 1);
  } else {
    lat = Number(params[0]);
    lon = Number(params[1]);
  }
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { lat, lon };
}

function dms(parts: number[]): number {
  const [d = NaN, m = 0, s = 0] = parts;
  return d + m / 60 + s / 3600;
}

const LICENSE_TEMPLATE = /\{\{\s*((?:self\s*\|\s*)?(?:cc-[a-z0-9.-]+|cc0|cc-zero|pd-[^|}]+|gfdl[^|}]*|fal|public domain[^|}]*))/i;

/** The first license template named in the page text (`cc-by-sa-4.0`, `PD-old`, ...), or null. */
export function licenseFromWikitext(text: string): string | null {
  const m = LICENSE_TEMPLATE.exec(text);
  if (!m) return null;
  return (m[1] ?? '').replace(/^self\s*\|\s*/i, '').trim() || null;
}

/** The `author` of an `{{Information}}` or `{{Artwork}}` template, links reduced to their text. */
export function authorFromWikitext(text: string): string | null {
  const value = templateParam(text, /\|\s*(?:author|artist|photographer)\s*=/i);
  if (value === null) return null;
  const plain = stripLinks(value).trim();
  return plain.length > 0 ? plain : null;
}

/** The value of a template parameter, read up to the next `|` or `}}` outside nested links and templates. */
function templateParam(text: string, name: RegExp): string | null {
  const m = name.exec(text);
  if (!m) return null;
  let depth = 0;
  let i = m.index + m[0].length;
  const start = i;
  for (; i < text.length; i++) {
    const two = text.slice(i, i + 2);
    if (two === '[[' || two === '{{') {
      depth++;
      i++;
    } else if ((two === ']]' || two === '}}') && depth > 0) {
      depth--;
      i++;
    } else if (depth === 0 && (text[i] === '|' || two === '}}')) break;
  }
  return text.slice(start, i);
}

/** Plain text of wiki links: `[[User:X|X]]` → `X`, `[https://a b]` → `b`. */
export function stripLinks(text: string): string {
  return text
    .replace(/\[\[(?:[^\]|]*\|)?([^\]]*)\]\]/g, '$1')
    .replace(/\[(?:https?:)?\/\/\S+\s+([^\]]*)\]/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ');
}

/** Strips HTML that extmetadata values carry (`<a href=...>Name</a>` → `Name`). */
export function stripHtml(html: string): string {
  return html.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#0?39;/g, "'").replace(/\s+/g, ' ').trim();
}
