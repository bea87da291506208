import { XMLParser } from 'fast-xml-parser';
import { SeedbankError } from '../../../shared/errors.ts';

/** One `<page>` of a MediaWiki XML export, kept as the exact bytes the wiki sent. */
export interface ExportedPage {
  title: string;
  ns: number;
  pageId: number;
  revisionId: number;
  text: string;
  /** The raw `<page>…</page>` element, re-emitted verbatim into pages.xml.gz. */
  xml: string;
}

/** An export split into its header (`<mediawiki>` and `<siteinfo>`) and its pages. */
export interface ParsedExport {
  header: string;
  pages: ExportedPage[];
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => name === 'revision',
});

/**
 * Splits a Special:Export document into pages. Splitting on the tags is safe because
 * page text is escaped in the XML (a literal `<page>` in wikitext arrives as `&lt;page&gt;`).
 */
export function parseExport(xml: string, options: { titlesOnly?: boolean } = {}): ParsedExport {
  const first = xml.indexOf('<page>');
  const headerEnd = first >= 0 ? first : xml.lastIndexOf('</mediawiki>');
  if (headerEnd < 0 || !xml.includes('<mediawiki')) {
    throw new SeedbankError('WIKI_BAD_EXPORT', 'the wiki returned an export that is not MediaWiki XML', {
      hint: 'check that the API URL points at a MediaWiki and that export is allowed',
    });
  }
  const header = trimTrailingIndent(xml.slice(0, headerEnd));
  const pages: ExportedPage[] = [];
  let from = first;
  while (from >= 0) {
    const end = xml.indexOf('</page>', from);
    if (end < 0) throw new SeedbankError('WIKI_BAD_EXPORT', 'the wiki returned a truncated export (a <page> without </page>)');
    const block = xml.slice(from, end + '</page>'.length);
    pages.push(options.titlesOnly ? titleOnly(block) : parsePage(block));
    from = xml.indexOf('<page>', end);
  }
  return { header, pages };
}

/** Parses one `<page>…</page>` element as it stands in an export or a dump (no document around it needed). */
export function parsePage(block: string): ExportedPage {
  const doc = parser.parse(block) as { page?: Record<string, unknown> };
  const page = doc.page ?? {};
  const revisions = (page.revision ?? []) as Array<Record<string, unknown>>;
  const rev = revisions[revisions.length - 1] ?? {};
  const textNode = rev.text;
  const text = typeof textNode === 'string' ? textNode : typeof textNode === 'object' && textNode !== null ? String((textNode as Record<string, unknown>)['#text'] ?? '') : '';
  return {
    title: String(page.title ?? ''),
    ns: Number(page.ns ?? 0),
    pageId: Number(page.id ?? 0),
    revisionId: Number(rev.id ?? 0),
    text,
    xml: `  ${block}`,
  };
}

/** Reads only the title of a page element: enough to carry a page over verbatim, far cheaper than parsing. */
function titleOnly(block: string): ExportedPage {
  const m = /<title>([^<]*)<\/title>/.exec(block);
  const title = (m?.[1] ?? '').replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
  return { title, ns: 0, pageId: 0, revisionId: 0, text: '', xml: `  ${block}` };
}

function trimTrailingIndent(s: string): string {
  return s.replace(/[ \t]+$/, '');
}

/** Joins a header and page elements into one export document, as the XML dumps are laid out. */
export function assembleExport(header: string, pages: Iterable<string>): string {
  const parts = [header.endsWith('\n') ? header : `${header}\n`];
  for (const p of pages) parts.push(p.endsWith('\n') ? p : `${p}\n`);
  parts.push('</mediawiki>\n');
  return parts.join('');
}
