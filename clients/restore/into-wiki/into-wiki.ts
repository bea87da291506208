/**
 * Restoring into a MediaWiki: every restored file uploaded with its description page's text
 * (MediaWiki creates the page from the upload text), pages of files already there brought
 * back to the version's text, then the wiki checked file by file (SHA-1 and page text).
 * Idempotent: a file already there with the same SHA-1 is not uploaded again. A split (/3)
 * version goes volume by volume, its pages read from that volume's pages/<ih>.xml.gz.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestFile } from '../../../shared/formats/manifest.ts';
import type { VersionManifest } from '../../../shared/formats/version-manifest.ts';
import type { Logger } from '../../../shared/log.ts';
import { readPageTexts } from './pages-xml.ts';
import { TargetWiki, TITLES_PER_QUERY, type WikiFileState } from './target-wiki.ts';

/** Uploads and edits in flight at once: a polite bot does not hammer a wiki. */
export const DEFAULT_WIKI_CONCURRENCY = 2;
/** File name of the report in the output folder. */
export const INTO_WIKI_REPORT_FILE = 'into-wiki-report.json';
const EDIT_SUMMARY = 'Seedbank restore: description page from the set version';

/** What restoring into the wiki did and found. */
export interface IntoWikiReport {
  wiki: string;
  setId: string;
  version: number;
  uploaded: number;
  /** Already there with the same SHA-1 and text. */
  skipped: number;
  pagesUpdated: number;
  /** Files the wiki holds with other bytes, or uploads it refused: not overwritten. */
  conflicts: Array<{ title: string; reason: string }>;
  /** After the run: titles whose file or page does not match the version. */
  differences: Array<{ title: string; problem: string }>;
  ok: boolean;
}

export interface IntoWikiOptions {
  wiki: TargetWiki;
  apiUrl: string;
  setId: string;
  version: number;
  outDir: string;
  /** The restored files and where each is on disk. */
  files: ManifestFile[];
  /** The description pages holding theirs (default OUT/pages.xml.gz, a whole version's). */
  pagesFile?: string;
  /** Write into-wiki-report.json (default true; a split version's volumes are merged into one first). */
  writeReport?: boolean;
  pathOf: (f: ManifestFile) => string;
  concurrency?: number;
  logger: Logger;
}

const sameText = (a: string | null, b: string) => a !== null && a.trimEnd() === b.trimEnd();

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.max(1, limit) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

async function statesOf(wiki: TargetWiki, titles: string[]): Promise<Map<string, WikiFileState>> {
  const all = new Map<string, WikiFileState>();
  for (let i = 0; i < titles.length; i += TITLES_PER_QUERY) for (const [t, s] of await wiki.states(titles.slice(i, i + TITLES_PER_QUERY))) all.set(t, s);
  return all;
}

/** Uploads and edits what the wiki lacks, then checks it; writes DIR/into-wiki-report.json. */
export async function restoreIntoWiki(o: IntoWikiOptions): Promise<IntoWikiReport> {
  const titles = new Set(o.files.map((f) => f.title));
  const texts = await readPageTexts(o.pagesFile ?? path.join(o.outDir, 'pages.xml.gz'), (t) => titles.has(t));
  const report: IntoWikiReport = { wiki: o.apiUrl, setId: o.setId, version: o.version, uploaded: 0, skipped: 0, pagesUpdated: 0, conflicts: [], differences: [], ok: false };
  const comment = `Seedbank restore of ${o.setId} v${o.version}`;
  for (let i = 0; i < o.files.length; i += TITLES_PER_QUERY) {
    const batch = o.files.slice(i, i + TITLES_PER_QUERY);
    const there = await o.wiki.states(batch.map((f) => f.title));
    await forEachLimited(batch, o.concurrency ?? DEFAULT_WIKI_CONCURRENCY, async (f) => {
      const text = texts.get(f.title) ?? '';
      const state = there.get(f.title) ?? { sha1: null, text: null };
      if (state.sha1 === null) {
        const r = await o.wiki.upload(o.pathOf(f), f.title, text, comment);
        if (!r.ok) return void report.conflicts.push({ title: f.title, reason: r.reason });
        report.uploaded++;
        // An upload over an existing page keeps the old text; bring it to the version's.
        if (state.text !== null && !sameText(state.text, text)) {
          await o.wiki.edit(f.title, text, EDIT_SUMMARY);
          report.pagesUpdated++;
        }
      } else if (state.sha1 !== f.sha1) {
        report.conflicts.push({ title: f.title, reason: `the wiki holds other bytes (sha1 ${state.sha1}); not overwritten` });
      } else if (!sameText(state.text, text)) {
        await o.wiki.edit(f.title, text, EDIT_SUMMARY);
        report.pagesUpdated++;
      } else {
        report.skipped++;
      }
      o.logger.debug({ title: f.title }, 'into wiki');
    });
    o.logger.info({ done: Math.min(i + TITLES_PER_QUERY, o.files.length), of: o.files.length, uploaded: report.uploaded, skipped: report.skipped }, 'restoring into the wiki');
  }
  const after = await statesOf(o.wiki, o.files.map((f) => f.title));
  for (const f of o.files) {
    const s = after.get(f.title);
    if (!s || s.sha1 === null) report.differences.push({ title: f.title, problem: 'no file' });
    else if (s.sha1 !== f.sha1) report.differences.push({ title: f.title, problem: `file sha1 ${s.sha1}, the version's is ${f.sha1}` });
    else if (!sameText(s.text, texts.get(f.title) ?? '')) report.differences.push({ title: f.title, problem: 'page text differs from the version' });
  }
  report.ok = report.differences.length === 0;
  if (o.writeReport ?? true) await writeFile(path.join(o.outDir, INTO_WIKI_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** What {@link restoreVersionIntoWiki} needs: the version as restored in `outDir`, and which files to bring. */
export interface VersionIntoWikiOptions extends Omit<IntoWikiOptions, 'files' | 'pagesFile' | 'writeReport'> {
  manifest: VersionManifest;
  /** The files to bring (those restored, matching `--only`). */
  wanted: (f: ManifestFile) => boolean;
}

/**
 * Restores a version into the wiki: a whole version in one pass over pages.xml.gz, a split
 * one volume by volume with that volume's pages/<ih>.xml.gz, so only one volume's files and
 * page texts are held at a time. Writes one report for the whole version.
 */
export async function restoreVersionIntoWiki(o: VersionIntoWikiOptions): Promise<IntoWikiReport> {
  const { manifest, wanted, ...common } = o;
  const split = manifest.split;
  if (!split) {
    const files: ManifestFile[] = [];
    for await (const f of manifest.files()) if (wanted(f)) files.push(f);
    return restoreIntoWiki({ ...common, files });
  }
  const total: IntoWikiReport = { wiki: o.apiUrl, setId: o.setId, version: o.version, uploaded: 0, skipped: 0, pagesUpdated: 0, conflicts: [], differences: [], ok: false };
  for (const v of split.volumes) {
    const files: ManifestFile[] = [];
    for await (const f of manifest.filesOf(v.infoHash)) if (wanted(f)) files.push(f);
    if (files.length === 0) continue;
    const r = await restoreIntoWiki({ ...common, files, pagesFile: path.join(o.outDir, ...v.pages.file.split('/')), writeReport: false });
    total.uploaded += r.uploaded;
    total.skipped += r.skipped;
    total.pagesUpdated += r.pagesUpdated;
    total.conflicts.push(...r.conflicts);
    total.differences.push(...r.differences);
  }
  total.ok = total.differences.length === 0;
  await writeFile(path.join(o.outDir, INTO_WIKI_REPORT_FILE), `${JSON.stringify(total, null, 2)}\n`);
  return total;
}
