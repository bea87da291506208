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

/**
 * Parses one `<page>…</page>` element as it stands in an export or a dump (no document around it
 * needed). A scan for the five elements the build reads, not a DOM: page text is escaped in the
 * XML, so every `<` in the element is markup. fast-xml-parser made ~75 KB of short-lived objects
 * and 70 µs of CPU per page here, the largest garbage of an API listing (38 MB per batch of 500).
 */
export function parsePage(block: string): ExportedPage {
  const revisionAt = block.lastIndexOf('<revision>');
  const pageEnd = revisionAt >= 0 ? revisionAt : block.length;
  const rev = revisionAt >= 0 ? block.slice(revisionAt) : '';
  return {
    title: decodeXml(elementText(block, 'title', 0, pageEnd) ?? ''),
    ns: Number(elementText(block, 'ns', 0, pageEnd) ?? 0),
    pageId: Number(elementText(block, 'id', 0, pageEnd) ?? 0),
    revisionId: Number(elementText(rev, 'id', 0, rev.length) ?? 0),
    text: decodeXml(elementText(rev, 'text', 0, rev.length) ?? ''),
    xml: `  ${block}`,
  };
}

/**
 * The raw content of the first `<name>` element (attributes allowed) starting in [from, to) of
 * `xml`: '' for `<name/>`, null when there is none. Nested elements are not looked into: the
 * page's own `<id>` comes before its `<revision>`, the revision's own before its `<contributor>`.
 */
function elementText(xml: string, name: string, from: number, to: number): string | null {
  const open = `<${name}`;
  for (let at = xml.indexOf(open, from); at >= 0 && at < to; at = xml.indexOf(open, at + 1)) {
    const after = xml.charCodeAt(at + open.length);
    // `<id` must not match `<idx>`: the name ends at `>`, `/` or whitespace.
    if (after !== 0x3e && after !== 0x2f && after !== 0x20 && after !== 0x09 && after !== 0x0a && after !== 0x0d) continue;
    const tagEnd = xml.indexOf('>', at);
    if (tagEnd < 0) return null;
    if (xml.charCodeAt(tagEnd - 1) === 0x2f) return '';
    const close = xml.indexOf(`</${name}>`, tagEnd);
    return close < 0 ? null : xml.slice(tagEnd + 1, close);
  }
  return null;
}

const XML_ENTITY = /&(lt|gt|quot|apos|amp);/g;
const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };

/**
 * Character data as an XML parser hands it over: line ends normalised to `\n` (XML 1.0 §2.11),
 * the five predefined entities decoded (what MediaWiki's export escapes); numeric references
 * are left as they are, as the parser this replaced did.
 */
function decodeXml(s: string): string {
  const lines = s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s;
  return lines.includes('&') ? lines.replace(XML_ENTITY, (_, e: string) => XML_ENTITIES[e]!) : lines;
}

/** Reads only the title of a page element: enough to carry a page over verbatim, far cheaper than parsing. */
function titleOnly(block: string): ExportedPage {
  const m = /<title>([^<]*)<\/title>/.exec(block);
  const title = decodeXml(m?.[1] ?? '');
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
