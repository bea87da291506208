/**
 * A synthetic dump run of the scale fixture at sizes no test wiki holds (a million files):
 * `image`, `page` and `categorylinks` as mysqldump writes them (the MediaWiki 1.39 CREATE
 * TABLEs, extended INSERTs), `pages-articles.xml.gz` as dumpBackup.php writes it, the run's
 * md5sums, sha1sums and dumpstatus.json, and a --media-from tree with every file's bytes.
 * File i is scale-data.ts's file i, the same as in the bulk-filled wiki. Everything streams:
 * memory stays flat however many files. Written once into the cache folder and reused.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { constants as zlibConstants, createGzip, type Gzip } from 'node:zlib';
import { commonsPath } from '../../shared/commons-path.ts';
import { hexToBase36Sha1 } from '../../shared/dumps/base36-sha1.ts';
import { finishDumpRun } from '../../deploy/local/wiki/dump-run.ts';
import { mwTimestamp, SCALE_CATEGORIES, SCALE_IMAGE, SCALE_IMAGE_METADATA, SCALE_ROOT, scaleBaseImage, scaleFile, scaleFileBytes } from '../../deploy/local/wiki/scale-data.ts';
import { IMAGE_TABLE_DDL, sqlString } from '../../test/fixtures/image-table.ts';

/** The wiki the synthetic run pretends to be, and the run's date. */
export const SYNTHETIC_WIKI = 'syntheticwiki';
export const SYNTHETIC_DATE = '20261201';
/** Bump when the generated files change, so stale caches are not reused. */
const GENERATOR_VERSION = 1;
/** Category pages take ids 1-4; file i's page and revision id is FIRST_FILE_ID + i. */
const FIRST_FILE_ID = 100;
const ROWS_PER_INSERT = 1000;
/** Text gathered per output before it goes to zlib. */
const FLUSH_CHARS = 1 << 20;
const WRITE_CONCURRENCY = 32;
const NS_FILE = 6;
const NS_CATEGORY = 14;
/** The category pages' revision time (after every file's upload). */
const CATEGORY_TIMESTAMP = mwTimestamp(Date.UTC(2025, 0, 1));

const PAGE_DDL = `CREATE TABLE \`page\` (
  \`page_id\` int(10) unsigned NOT NULL AUTO_INCREMENT,
  \`page_namespace\` int(11) NOT NULL,
  \`page_title\` varbinary(255) NOT NULL,
  \`page_is_redirect\` tinyint(3) unsigned NOT NULL DEFAULT 0,
  \`page_is_new\` tinyint(3) unsigned NOT NULL DEFAULT 0,
  \`page_random\` double unsigned NOT NULL,
  \`page_touched\` binary(14) NOT NULL,
  \`page_links_updated\` varbinary(14) DEFAULT NULL,
  \`page_latest\` int(10) unsigned NOT NULL,
  \`page_len\` int(10) unsigned NOT NULL,
  \`page_content_model\` varbinary(32) DEFAULT NULL,
  \`page_lang\` varbinary(35) DEFAULT NULL,
  PRIMARY KEY (\`page_id\`),
  UNIQUE KEY \`page_name_title\` (\`page_namespace\`,\`page_title\`)
) ENGINE=InnoDB DEFAULT CHARSET=binary;
`;
const CATEGORYLINKS_DDL = `CREATE TABLE \`categorylinks\` (
  \`cl_from\` int(10) unsigned NOT NULL DEFAULT 0,
  \`cl_to\` varbinary(255) NOT NULL DEFAULT '',
  \`cl_sortkey\` varbinary(230) NOT NULL DEFAULT '',
  \`cl_sortkey_prefix\` varbinary(255) NOT NULL DEFAULT '',
  \`cl_timestamp\` timestamp NOT NULL,
  \`cl_collation\` varbinary(32) NOT NULL DEFAULT '',
  \`cl_type\` enum('page','subcat','file') NOT NULL DEFAULT 'page',
  PRIMARY KEY (\`cl_from\`,\`cl_to\`)
) ENGINE=InnoDB DEFAULT CHARSET=binary;
`;
const NAMESPACES: Array<[number, string]> = [[-2, 'Media'], [-1, 'Special'], [0, ''], [1, 'Talk'], [2, 'User'], [3, 'User talk'], [4, 'Synthetic'], [5, 'Synthetic talk'], [6, 'File'], [7, 'File talk'], [8, 'MediaWiki'], [9, 'MediaWiki talk'], [10, 'Template'], [11, 'Template talk'], [12, 'Help'], [13, 'Help talk'], [14, 'Category'], [15, 'Category talk']];

/** What generateSyntheticRun left in the cache. */
export interface SyntheticRun {
  /** The dump run folder (for --dumps). */
  runDir: string;
  /** The upload tree with the a/ab/ folders (for --media-from). */
  mediaDir: string;
  files: number;
  mediaBytes: number;
  /** How long the generation took when it ran (reused runs keep the figure of the run that made them). */
  generatedMs: number;
  reused: boolean;
}

/** A gzip file written with back-pressure, text gathered into ~1 MB writes. */
class GzipText {
  private readonly gz: Gzip;
  private readonly closed: Promise<unknown>;
  private pending: string[] = [];
  private chars = 0;
  constructor(file: string) {
    this.gz = createGzip({ level: zlibConstants.Z_BEST_SPEED });
    const out = createWriteStream(file);
    this.gz.pipe(out);
    this.closed = once(out, 'close');
  }
  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.chars += text.length;
    if (this.chars >= FLUSH_CHARS) await this.flush();
  }
  private async flush(): Promise<void> {
    const text = this.pending.join('');
    this.pending = [];
    this.chars = 0;
    if (!this.gz.write(text)) await once(this.gz, 'drain');
  }
  async end(): Promise<void> {
    await this.flush();
    this.gz.end();
    await this.closed;
  }
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const sqlDateTime = (ts: string) => `${ts.slice(0, 4)}-${ts.slice(4, 6)}-${ts.slice(6, 8)} ${ts.slice(8, 10)}:${ts.slice(10, 12)}:${ts.slice(12, 14)}`;
const base36Sha1 = (data: Buffer | string) => hexToBase36Sha1(createHash('sha1').update(data).digest('hex'));
const isoTimestamp = (ts: string) => `${ts.slice(0, 4)}-${ts.slice(4, 6)}-${ts.slice(6, 8)}T${ts.slice(8, 10)}:${ts.slice(10, 12)}:${ts.slice(12, 14)}Z`;

function sqlHeader(table: string, ddl: string): string {
  return `-- MariaDB dump 10.19 (synthetic, seedbank bench:scale)\n/*!40101 SET NAMES binary */;\nDROP TABLE IF EXISTS \`${table}\`;\n${ddl}/*!40000 ALTER TABLE \`${table}\` DISABLE KEYS */;\n`;
}
const sqlFooter = (table: string) => `/*!40000 ALTER TABLE \`${table}\` ENABLE KEYS */;\n-- Dump completed\n`;

function xmlPage(title: string, ns: number, id: number, ts: string, text: string, comment: string): string {
  const sha1 = base36Sha1(text);
  return `  <page>\n    <title>${xmlText(title)}</title>\n    <ns>${ns}</ns>\n    <id>${id}</id>\n    <revision>\n      <id>${id}</id>\n      <timestamp>${isoTimestamp(ts)}</timestamp>\n      <contributor>\n        <username>Admin</username>\n        <id>1</id>\n      </contributor>\n      <comment>${xmlText(comment)}</comment>\n      <origin>${id}</origin>\n      <model>wikitext</model>\n      <format>text/x-wiki</format>\n      <text bytes="${Buffer.byteLength(text, 'utf8')}" sha1="${sha1}" xml:space="preserve">${xmlText(text)}</text>\n      <sha1>${sha1}</sha1>\n    </revision>\n  </page>\n`;
}

function xmlHeader(): string {
  const ns = NAMESPACES.map(([k, n]) => (n === '' ? `      <namespace key="${k}" case="first-letter" />` : `      <namespace key="${k}" case="first-letter">${n}</namespace>`)).join('\n');
  return `<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.11/ http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" xml:lang="en">\n  <siteinfo>\n    <sitename>Synthetic Scale Wiki</sitename>\n    <dbname>${SYNTHETIC_WIKI}</dbname>\n    <base>http://127.0.0.1:9/index.php/Main_Page</base>\n    <generator>MediaWiki 1.39.17</generator>\n    <case>first-letter</case>\n    <namespaces>\n${ns}\n    </namespaces>\n  </siteinfo>\n`;
}

/** Writes the run and the media tree for `files` files into `dir` (a fresh folder). */
async function generate(dir: string, files: number, log: (line: string) => void): Promise<number> {
  const runDir = path.join(dir, 'run');
  const mediaDir = path.join(dir, 'media');
  await mkdir(runDir, { recursive: true });
  const hex = '0123456789abcdef';
  await Promise.all([...hex].flatMap((a) => [...hex].map((b) => mkdir(path.join(mediaDir, a, `${a}${b}`), { recursive: true }))));
  const name = (suffix: string) => `${SYNTHETIC_WIKI}-${SYNTHETIC_DATE}-${suffix}`;
  const image = new GzipText(path.join(runDir, name('image.sql.gz')));
  const page = new GzipText(path.join(runDir, name('page.sql.gz')));
  const links = new GzipText(path.join(runDir, name('categorylinks.sql.gz')));
  const xml = new GzipText(path.join(runDir, name('pages-articles.xml.gz')));
  await image.write(sqlHeader('image', IMAGE_TABLE_DDL));
  await page.write(sqlHeader('page', PAGE_DDL));
  await links.write(sqlHeader('categorylinks', CATEGORYLINKS_DDL));
  await xml.write(xmlHeader());

  // The category pages: Paris and its three subcategories.
  const catRows: string[] = [];
  const subRows: string[] = [];
  for (const [k, c] of SCALE_CATEGORIES.entries()) {
    const id = k + 1;
    const text = c === SCALE_ROOT ? 'The capital of France (scale fixture).' : `${c} (scale fixture).\n[[Category:${SCALE_ROOT}]]`;
    catRows.push(`(${id},${NS_CATEGORY},${sqlString(c.replace(/ /g, '_'))},0,1,0.5,'${CATEGORY_TIMESTAMP}','${CATEGORY_TIMESTAMP}',${id},${Buffer.byteLength(text)},'wikitext',NULL)`);
    if (c !== SCALE_ROOT) subRows.push(`(${id},${sqlString(SCALE_ROOT)},${sqlString(c.toUpperCase())},'','${sqlDateTime(CATEGORY_TIMESTAMP)}','uppercase','subcat')`);
    await xml.write(xmlPage(`Category:${c}`, NS_CATEGORY, id, CATEGORY_TIMESTAMP, text, 'Imported from text file'));
  }
  await page.write(`INSERT INTO \`page\` VALUES ${catRows.join(',')};\n`);
  await links.write(`INSERT INTO \`categorylinks\` VALUES ${subRows.join(',')};\n`);

  const base = await scaleBaseImage();
  let mediaBytes = 0;
  for (let from = 0; from < files; from += ROWS_PER_INSERT) {
    const to = Math.min(files, from + ROWS_PER_INSERT);
    const imageRows: string[] = [];
    const pageRows: string[] = [];
    const linkRows: string[] = [];
    const xmlPages: string[] = [];
    const media: Array<{ rel: string; bytes: Buffer }> = [];
    for (let i = from; i < to; i++) {
      const f = scaleFile(i);
      const id = FIRST_FILE_ID + i;
      const bytes = scaleFileBytes(base, i);
      const len = Buffer.byteLength(f.text, 'utf8');
      imageRows.push(`(${sqlString(f.name)},${bytes.length},${SCALE_IMAGE.width},${SCALE_IMAGE.height},${sqlString(SCALE_IMAGE_METADATA)},8,'BITMAP','image','jpeg',1,1,'${f.timestamp}','${base36Sha1(bytes)}')`);
      pageRows.push(`(${id},${NS_FILE},${sqlString(f.name)},0,1,${(((i + 1) * 0.6180339887498949) % 1).toFixed(12)},'${f.timestamp}','${f.timestamp}',${id},${len},'wikitext',NULL)`);
      const sortkey = sqlString(f.title.slice('File:'.length).toUpperCase());
      for (const c of f.categories) linkRows.push(`(${id},${sqlString(c.replace(/ /g, '_'))},${sortkey},'','${sqlDateTime(f.timestamp)}','uppercase','file')`);
      xmlPages.push(xmlPage(f.title, NS_FILE, id, f.timestamp, f.text, 'Seedbank scale fixture (bulk fill)'));
      media.push({ rel: commonsPath(f.name), bytes });
      mediaBytes += bytes.length;
    }
    await Promise.all([
      image.write(`INSERT INTO \`image\` VALUES ${imageRows.join(',')};\n`),
      page.write(`INSERT INTO \`page\` VALUES ${pageRows.join(',')};\n`),
      links.write(`INSERT INTO \`categorylinks\` VALUES ${linkRows.join(',')};\n`),
      xml.write(xmlPages.join('')),
      writeMedia(mediaDir, media),
    ]);
    if (to % 100_000 === 0 || to === files) log(`synthetic run: ${to.toLocaleString('en')} / ${files.toLocaleString('en')} files`);
  }
  await image.write(sqlFooter('image'));
  await page.write(sqlFooter('page'));
  await links.write(sqlFooter('categorylinks'));
  await xml.write('</mediawiki>\n');
  await Promise.all([image.end(), page.end(), links.end(), xml.end()]);
  await finishDumpRun(runDir, SYNTHETIC_WIKI, SYNTHETIC_DATE, [
    ['imagetable', name('image.sql.gz')],
    ['pagetable', name('page.sql.gz')],
    ['categorylinkstable', name('categorylinks.sql.gz')],
    ['articlesdump', name('pages-articles.xml.gz')],
  ]);
  return mediaBytes;
}

async function writeMedia(mediaDir: string, media: Array<{ rel: string; bytes: Buffer }>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < media.length) {
      const m = media[next++]!;
      await writeFile(path.join(mediaDir, m.rel), m.bytes);
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
}

/** The synthetic run of `files` files, from the cache when an earlier run made it. */
export async function syntheticRun(cacheDir: string, files: number, log: (line: string) => void): Promise<SyntheticRun> {
  const dir = path.join(cacheDir, `scale-synthetic-v${GENERATOR_VERSION}-${files}`);
  const done = path.join(dir, 'done.json');
  const result = (generatedMs: number, mediaBytes: number, reused: boolean): SyntheticRun => ({ runDir: path.join(dir, 'run'), mediaDir: path.join(dir, 'media'), files, mediaBytes, generatedMs, reused });
  if (existsSync(done)) {
    const meta = JSON.parse(await readFile(done, 'utf8')) as { generatedMs: number; mediaBytes: number };
    return result(meta.generatedMs, meta.mediaBytes, true);
  }
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  const t = performance.now();
  const mediaBytes = await generate(partial, files, log);
  const generatedMs = performance.now() - t;
  await writeFile(path.join(partial, 'done.json'), JSON.stringify({ generatedMs, mediaBytes }));
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return result(generatedMs, mediaBytes, false);
}
