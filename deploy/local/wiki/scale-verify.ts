// Checks through the wiki's own API (and its upload server) that a bulk-filled wiki
// (scale-fill.ts) sees what was written: every image row (list=allimages: count, SHA-1, size),
// every category's members (list=categorymembers and prop=categoryinfo), and for a sample of
// files imageinfo, the page text and the bytes served at the file's URL.
import { createHash } from 'node:crypto';
import type { Wiki } from './mediawiki.ts';
import { SCALE_CATEGORIES, scaleBaseImage, scaleFile, scaleFileBytes } from './scale-data.ts';
import type { ScaleFill } from './scale-fill.ts';
import { apiGet, apiQueryAll, imageInfos } from './wiki-api.ts';

/** Files checked one by one (imageinfo, page text, bytes over HTTP), spread over the whole range. */
const SAMPLE_FILES = 24;
/** Continuations allowed per listing: 500 items per request for an anonymous client, with room to spare. */
const MAX_LIST_REQUESTS = 10_000;

/** What verifyScaleWiki saw. */
export interface ScaleCheck {
  allImages: number;
  members: Record<string, number>;
  sampled: number;
  apiRequests: number;
  ms: number;
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
/** The fixture index in a file name (every name carries it as 7 digits). */
const indexOf = (name: string) => Number(/(\d{7})/.exec(name)?.[1] ?? NaN);

/** Throws a descriptive error unless the wiki's API shows exactly the filled files. */
export async function verifyScaleWiki(wiki: Wiki, fill: ScaleFill): Promise<ScaleCheck> {
  const t0 = performance.now();
  const base = await scaleBaseImage();
  const problems: string[] = [];
  let requests = 0;

  // 1 and 2 side by side (php -S runs several workers): every image row as the API reads it, and
  // every category's members through categorylinks.
  const members: Record<string, number> = {};
  const [images] = await Promise.all([
    apiQueryAll(wiki.apiUrl, { list: 'allimages', ailimit: 'max', aiprop: 'sha1|size' }, { maxRequests: MAX_LIST_REQUESTS }),
    ...SCALE_CATEGORIES.map(async (c) => {
      const pages = await apiQueryAll(wiki.apiUrl, { list: 'categorymembers', cmtitle: `Category:${c}`, cmtype: 'file', cmlimit: 'max' }, { maxRequests: MAX_LIST_REQUESTS });
      requests += pages.length;
      members[c] = pages.reduce((s, p) => s + ((p.query?.categorymembers ?? []) as unknown[]).length, 0);
      if (members[c] !== fill.members[c]) problems.push(`Category:${c} lists ${members[c]} files, the fill put ${fill.members[c]} there`);
    }),
  ]);
  requests += images.length;
  let allImages = 0;
  for (const body of images) {
    for (const img of (body.query?.allimages ?? []) as Array<{ name: string; sha1: string; size: number }>) {
      allImages++;
      const i = indexOf(img.name);
      if (!(i >= 0 && i < fill.files)) {
        problems.push(`allimages lists ${img.name}, which is not a fixture file`);
        continue;
      }
      const bytes = scaleFileBytes(base, i);
      if (img.size !== bytes.length || img.sha1 !== sha1(bytes)) problems.push(`${img.name}: the API says ${img.sha1}/${img.size}, the fixture wrote ${sha1(bytes)}/${bytes.length}`);
    }
  }
  if (allImages !== fill.files) problems.push(`allimages lists ${allImages} files, the fill wrote ${fill.files}`);

  // The counts in the category table, which the fill wrote itself.
  const info = await apiGet(wiki.apiUrl, { action: 'query', prop: 'categoryinfo', titles: SCALE_CATEGORIES.map((c) => `Category:${c}`).join('|') });
  requests++;
  for (const page of (info.query?.pages ?? []) as Array<{ title: string; categoryinfo?: { files: number } }>) {
    const c = page.title.slice('Category:'.length);
    if (page.categoryinfo?.files !== fill.members[c]) problems.push(`${page.title}: categoryinfo says ${page.categoryinfo?.files} files, the fill put ${fill.members[c]} there`);
  }

  // 3. A sample, file by file: imageinfo, page text, and the bytes the upload server sends.
  const sample = Array.from({ length: Math.min(SAMPLE_FILES, fill.files) }, (_, k) => Math.floor((k * (fill.files - 1)) / Math.max(1, SAMPLE_FILES - 1)));
  const files = [...new Set(sample)].map(scaleFile);
  const infos = await imageInfos(wiki.apiUrl, files.map((f) => f.title), { text: true });
  requests += Math.ceil(files.length / 50);
  for (const f of files) {
    const got = infos.get(f.title);
    const bytes = scaleFileBytes(base, f.index);
    if (!got || got.missing || !got.url) {
      problems.push(`${f.title}: no imageinfo`);
      continue;
    }
    if (got.sha1 !== sha1(bytes) || got.size !== bytes.length) problems.push(`${f.title}: imageinfo ${got.sha1}/${got.size}, expected ${sha1(bytes)}/${bytes.length}`);
    if (got.text !== f.text) problems.push(`${f.title}: page text differs from the fixture's`);
    const res = await fetch(got.url, { signal: AbortSignal.timeout(10_000) });
    const served = Buffer.from(await res.arrayBuffer());
    if (!res.ok || sha1(served) !== sha1(bytes)) problems.push(`${f.title}: ${got.url} answered HTTP ${res.status} with ${served.length} bytes of SHA-1 ${sha1(served)}, expected ${sha1(bytes)}`);
  }
  if (problems.length > 0) throw new Error(`The bulk-filled wiki does not show what was written (${problems.length} problems):\n${problems.slice(0, 20).join('\n')}`);
  return { allImages, members, sampled: files.length, apiRequests: requests, ms: performance.now() - t0 };
}
