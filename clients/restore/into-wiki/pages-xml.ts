/**
 * Reads the description pages of a version (pages.xml.gz, MediaWiki's XML export format) as
 * title → wikitext, streaming: only one `<page>` element is held as text at a time.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';

const PAGE_OPEN = '<page>';
const PAGE_CLOSE = '</page>';
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, processEntities: true, htmlEntities: false, isArray: (name) => name === 'revision' });

function pageOf(block: string): { title: string; text: string } | null {
  const page = (parser.parse(block) as { page?: { title?: unknown; revision?: Array<{ text?: unknown }> } }).page;
  if (!page || typeof page.title !== 'string') return null;
  const text = page.revision?.at(-1)?.text;
  return { title: page.title, text: typeof text === 'string' ? text : typeof text === 'object' && text !== null && '#text' in text ? String((text as Record<string, unknown>)['#text']) : '' };
}

/** The latest revision's text of each page, by title, for the titles wanted. */
export async function readPageTexts(pagesGzFile: string, wanted: (title: string) => boolean): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const stream = createReadStream(pagesGzFile).pipe(createGunzip());
  stream.setEncoding('utf8');
  let buffer = '';
  for await (const chunk of stream) {
    buffer += chunk as string;
    for (;;) {
      const start = buffer.indexOf(PAGE_OPEN);
      const end = start < 0 ? -1 : buffer.indexOf(PAGE_CLOSE, start);
      if (end < 0) {
        // Keep only from the open tag (or a possible partial one) onwards.
        buffer = start >= 0 ? buffer.slice(start) : buffer.slice(-PAGE_OPEN.length);
        break;
      }
      const page = pageOf(buffer.slice(start, end + PAGE_CLOSE.length));
      if (page && wanted(page.title)) texts.set(page.title, page.text);
      buffer = buffer.slice(end + PAGE_CLOSE.length);
    }
  }
  return texts;
}
