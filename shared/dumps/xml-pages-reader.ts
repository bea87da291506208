/**
 * Streams the pages of a MediaWiki XML dump (`<wiki>-<date>-pages-articles.xml.gz` or `.bz2`,
 * or Special:Export output): the `<mediawiki>`/`<siteinfo>` header once, then every
 * `<page>…</page>` element as the exact text of the file, so a caller can copy the ones it
 * wants verbatim. Splitting on the tags is safe: page text is escaped in the XML.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { SeedbankError } from '../errors.ts';
import { DUMP_CHUNK_BYTES, openDumpBytes } from './sql-dump-reader.ts';

const PAGE_OPEN = '<page>';
const PAGE_CLOSE = '</page>';
const DOC_CLOSE = '</mediawiki>';

/** Facts of the `<siteinfo>` header a build records. */
export interface SiteInfo {
  siteName: string;
  dbName: string;
  /** The main page's URL (`<base>`). */
  base: string;
  generator: string;
  /** Namespace number → its local name ('' for the main namespace). */
  namespaces: Map<number, string>;
}

/** What to do with an XML dump's parts. */
export interface XmlPagesOptions {
  /** The text before the first page, trailing indentation trimmed (what an export document starts with). */
  onHeader?(header: string): void;
  /** Every page element, `<page>` to `</page>` inclusive, as in the file; a promise returned holds the reading until it settles (backpressure). */
  onPage?(block: string): unknown;
  /** Stop after the header (to read the site facts without reading the pages). */
  headerOnly?: boolean;
}

/** Opens an XML dump as bytes: bzip2 through Debian's `bzip2 -dc` (zlib has no bzip2), gzip and plain in Node. */
async function openXmlBytes(file: string): Promise<{ stream: Readable; close(): void }> {
  if (file.endsWith('.bz2')) {
    await createReadStream(file).close(); // a missing file fails here, not inside bzip2
    const child = spawn('bzip2', ['-dc', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const failed = new Promise<never>((_, reject) => {
      child.on('error', (err) => reject(new SeedbankError('DUMP_UNREADABLE', `cannot run bzip2 for ${file}: ${err.message}`, { hint: 'install bzip2 (apt-get install bzip2), or give the .xml.gz dump', cause: err })));
      child.on('close', (code, signal) => {
        if (code !== 0 && signal === null) child.stdout.destroy(new SeedbankError('DUMP_TRUNCATED', `bzip2 could not read ${file}: ${stderr.trim()}`));
      });
    });
    failed.catch((err: Error) => child.stdout.destroy(err));
    return { stream: child.stdout, close: () => child.kill() };
  }
  const stream = await openDumpBytes(file);
  return { stream, close: () => stream.destroy() };
}

/** Reads an XML dump from start to end (or to its header); resolves with the number of pages. */
export async function readXmlPages(file: string, o: XmlPagesOptions): Promise<{ pages: number }> {
  let opened;
  try {
    opened = await openXmlBytes(file);
  } catch (err) {
    if (err instanceof SeedbankError) throw err;
    throw new SeedbankError('DUMP_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, { hint: 'give the path of a pages-articles.xml.gz or .bz2 dump', cause: err });
  }
  const decoder = new StringDecoder('utf8');
  let text = '';
  let headerDone = false;
  let ended = false;
  let pages = 0;
  /** Where the search for the current page's close tag resumes: a page spread over many chunks is scanned once. */
  let scanFrom = 0;
  try {
    for await (const chunk of opened.stream) {
      text += decoder.write(chunk as Buffer);
      if (!headerDone) {
        const first = text.indexOf(PAGE_OPEN);
        const docEnd = text.indexOf(DOC_CLOSE);
        const end = first >= 0 ? first : docEnd;
        if (end < 0) {
          if (text.length > DUMP_CHUNK_BYTES * 16 || !text.trimStart().startsWith('<')) notXml(file);
          continue;
        }
        if (!text.includes('<mediawiki')) notXml(file);
        o.onHeader?.(text.slice(0, end).replace(/[ \t]+$/, ''));
        headerDone = true;
        if (o.headerOnly) return { pages: 0 };
        text = text.slice(end);
        scanFrom = 0;
      }
      for (;;) {
        const open = text.indexOf(PAGE_OPEN);
        if (open < 0) {
          if (text.includes(DOC_CLOSE)) ended = true;
          // Keep a possible partial tag at the end; the rest is whitespace between pages.
          text = text.slice(Math.max(0, text.length - PAGE_OPEN.length));
          scanFrom = 0;
          break;
        }
        const close = text.indexOf(PAGE_CLOSE, Math.max(open, scanFrom));
        if (close < 0) {
          text = text.slice(open);
          scanFrom = Math.max(0, text.length - PAGE_CLOSE.length);
          break;
        }
        pages++;
        const held = o.onPage?.(text.slice(open, close + PAGE_CLOSE.length));
        text = text.slice(close + PAGE_CLOSE.length);
        scanFrom = 0;
        if (held instanceof Promise) await held;
      }
    }
  } finally {
    opened.close();
  }
  text += decoder.end();
  if (!headerDone) notXml(file);
  if (!ended && !text.includes(DOC_CLOSE)) {
    throw new SeedbankError('DUMP_TRUNCATED', `${file} ends before </mediawiki>`, { hint: 'the download may be incomplete; fetch the file again and compare its checksum' });
  }
  return { pages };
}

/**
 * Reads the page text of a run whose pages-articles may come in parts (each a whole XML
 * document over a page id range): the header of the first part, then every page of every part
 * in order; resolves with the number of pages.
 */
export async function readXmlPageParts(files: string[], o: XmlPagesOptions): Promise<{ pages: number }> {
  let pages = 0;
  for (const [i, file] of files.entries()) {
    pages += (await readXmlPages(file, { ...o, onHeader: i === 0 ? o.onHeader : undefined })).pages;
    if (o.headerOnly) break;
  }
  return { pages };
}

function notXml(file: string): never {
  throw new SeedbankError('DUMP_INVALID', `${file} is not a MediaWiki XML dump (no <mediawiki> header before the first page)`, { hint: 'give the pages-articles.xml.gz (or .bz2) of the run' });
}

const decodeEntities = (s: string) => s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);

/** The site facts of an export header's `<siteinfo>`. */
export function parseSiteInfo(header: string): SiteInfo {
  const tag = (name: string) => decodeEntities(new RegExp(`<${name}>([^<]*)</${name}>`).exec(header)?.[1] ?? '');
  const namespaces = new Map<number, string>();
  for (const m of header.matchAll(/<namespace key="(-?\d+)"[^>]*?(?:\/>|>([^<]*)<\/namespace>)/g)) namespaces.set(Number(m[1]), decodeEntities(m[2] ?? ''));
  return { siteName: tag('sitename'), dbName: tag('dbname'), base: tag('base'), generator: tag('generator'), namespaces };
}

/** The few fields of a page element a listing decides on, read without an XML parser. */
export function pageHead(block: string): { ns: number; pageId: number; title: string; revisionId: number } {
  const title = /<title>([^<]*)<\/title>/.exec(block)?.[1] ?? '';
  const ns = Number(/<ns>(-?\d+)<\/ns>/.exec(block)?.[1] ?? NaN);
  const pageId = Number(/<id>(\d+)<\/id>/.exec(block)?.[1] ?? NaN);
  // The revision's own <id> is the first one after <revision> (the contributor's comes later).
  const rev = block.indexOf('<revision>');
  const revisionId = rev < 0 ? 0 : Number(/<id>(\d+)<\/id>/.exec(block.slice(rev))?.[1] ?? 0);
  return { ns, pageId, title: decodeEntities(title), revisionId };
}
