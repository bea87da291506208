import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseExport, parsePage } from './export-xml.ts';

const HEADER = '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">\n  <siteinfo>\n    <sitename>Test &amp; Co</sitename>\n  </siteinfo>\n';

/** A page element as MediaWiki's export writes it (element content escaped: `<`, `>`, `&`). */
function pageXml(o: { title: string; ns?: number; id: number; revisions: Array<{ id: number; text: string | null; contributorId?: number }>; redirect?: string }): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const revs = o.revisions.map((r) => [
    '    <revision>',
    `      <id>${r.id}</id>`,
    `      <parentid>${r.id - 1}</parentid>`,
    '      <timestamp>2024-01-01T00:00:00Z</timestamp>',
    `      <contributor>\n        <username>A &lt;b&gt;</username>\n        <id>${r.contributorId ?? 1}</id>\n      </contributor>`,
    '      <comment>an &lt;id&gt;7&lt;/id&gt; in a comment</comment>',
    '      <model>wikitext</model>',
    '      <format>text/x-wiki</format>',
    r.text === null ? '      <text bytes="0" sha1="phoiac9h4m842xq45sp7s6u21eteeq1" deleted="deleted" />' : `      <text bytes="${r.text.length}" sha1="x" xml:space="preserve">${esc(r.text)}</text>`,
    '      <sha1>x</sha1>',
    '    </revision>',
  ].join('\n'));
  return [
    '<page>',
    `    <title>${esc(o.title)}</title>`,
    `    <ns>${o.ns ?? 6}</ns>`,
    `    <id>${o.id}</id>`,
    ...(o.redirect ? [`    <redirect title="${esc(o.redirect)}" />`] : []),
    ...revs,
    '  </page>',
  ].join('\n');
}

/** What the previous implementation (fast-xml-parser, the same options) read from a page element: the oracle. */
function domRead(block: string): { title: string; ns: number; pageId: number; revisionId: number; text: string } {
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, processEntities: true, htmlEntities: false, isArray: (name) => name === 'revision' });
  const page = ((parser.parse(block) as { page?: Record<string, unknown> }).page ?? {}) as Record<string, unknown>;
  const revisions = (page.revision ?? []) as Array<Record<string, unknown>>;
  const rev = revisions[revisions.length - 1] ?? {};
  const t = rev.text;
  const text = typeof t === 'string' ? t : typeof t === 'object' && t !== null ? String((t as Record<string, unknown>)['#text'] ?? '') : '';
  return { title: String(page.title ?? ''), ns: Number(page.ns ?? 0), pageId: Number(page.id ?? 0), revisionId: Number(rev.id ?? 0), text };
}

const CASES = [
  { title: 'File:Plain.jpg', id: 9, revisions: [{ id: 9, text: '== Summary ==\n{{Information|author=[[User:A|A]]}}\n{{cc-by-sa-4.0}}' }] },
  { title: 'File:A & B <c> "d" \'e\'.jpg', id: 10, revisions: [{ id: 11, text: 'x &amp; y &lt;page&gt; &#123; <id>5</id> </text> &lt;/page&gt; "q" \'a\'' }] },
  { title: 'File:Many revisions.jpg', id: 12, revisions: [{ id: 13, text: 'old' }, { id: 14, text: 'new', contributorId: 99 }] },
  { title: 'File:Deleted text.jpg', id: 15, revisions: [{ id: 16, text: null }] },
  { title: 'File:Empty.jpg', id: 17, revisions: [{ id: 18, text: '' }] },
  { title: 'File:Moved.jpg', id: 19, redirect: 'File:Target & co.jpg', revisions: [{ id: 20, text: '#REDIRECT [[File:Target & co.jpg]]' }] },
  { title: 'Category:Paris', ns: 14, id: 21, revisions: [{ id: 22, text: 'Über · 東京 · \u{1F600}\r\nline\ttab' }] },
];

describe('parsePage (a scan, not a DOM)', () => {
  it.each(CASES)('reads $title as fast-xml-parser did, and keeps the element verbatim', (c) => {
    const block = pageXml(c);
    const page = parsePage(block);
    expect({ title: page.title, ns: page.ns, pageId: page.pageId, revisionId: page.revisionId, text: page.text }).toEqual(domRead(block));
    expect(page.xml).toBe(`  ${block}`);
  });

  it('reads the last revision, not the contributor, and decodes entities once', () => {
    const page = parsePage(pageXml(CASES[2]!));
    expect([page.pageId, page.revisionId, page.text]).toEqual([12, 14, 'new']);
    expect(parsePage(pageXml(CASES[1]!)).text).toBe('x &amp; y &lt;page&gt; &#123; <id>5</id> </text> &lt;/page&gt; "q" \'a\'');
  });

  it('splits an export into its header and verbatim pages', () => {
    const blocks = CASES.map(pageXml);
    const parsed = parseExport(`${HEADER}  ${blocks.join('\n  ')}\n</mediawiki>\n`);
    expect(parsed.header).toBe(HEADER);
    expect(parsed.pages.map((p) => p.xml)).toEqual(blocks.map((b) => `  ${b}`));
    expect(parsed.pages.map((p) => p.title)).toEqual(CASES.map((c) => c.title));
  });
});
