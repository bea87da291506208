// A dump run folder (checksums, done status, one run only), the newer categorylinks schema
// (cl_target_id + linktarget), and the streaming XML page reader (chunk boundaries, gzip,
// bzip2, a cut file).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTimestamp, readGlobalImageLinks, readImageLinks } from '../../services/set-builder/listing/dump-tables.ts';
import { readCategoryGraph as readCategoryLinks } from '../../services/set-builder/listing/dump-category-graph.ts';
import { openDumpRun } from '../../shared/dumps/dump-run-folder.ts';
import { pageHead, parseSiteInfo, readXmlPages } from '../../shared/dumps/xml-pages-reader.ts';
import { SeedbankError, type ErrorCode } from '../../shared/errors.ts';

let work: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-dump-run-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const NEED = ['image', 'page', 'categorylinks', 'pages-articles'] as const;
const digest = (algo: string, b: Buffer | string) => createHash(algo).update(b).digest('hex');

/** A run folder of `testwiki` on 20250101 with small stand-in files; `tweak` edits it before writing. */
async function runFolder(tweak: (files: Record<string, string>) => void = () => {}, pages = ['pages-articles.xml.bz2']): Promise<string> {
  const dir = path.join(work, `run-${n++}`);
  await mkdir(dir);
  const files: Record<string, string> = {};
  for (const k of ['image.sql.gz', 'page.sql.gz', 'categorylinks.sql.gz', ...pages]) files[`testwiki-20250101-${k}`] = `bytes of ${k}\n`;
  const jobs: Record<string, unknown> = {};
  for (const [name, body] of Object.entries(files)) jobs[name.replace(/\W/g, '')] = { status: 'done', files: { [name]: { size: body.length } } };
  files['dumpstatus.json'] = JSON.stringify({ jobs, version: '0.8' });
  const list = (algo: string) => Object.entries(files).filter(([k]) => k.startsWith('testwiki')).map(([k, v]) => `${digest(algo, v)}  ${k}`).join('\n');
  files['testwiki-20250101-md5sums.txt'] = list('md5');
  files['testwiki-20250101-sha1sums.txt'] = list('sha1');
  tweak(files);
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(dir, name), body);
  return dir;
}

async function refusal(dir: string): Promise<{ code: ErrorCode; message: string }> {
  try {
    await openDumpRun(dir, [...NEED]);
  } catch (err) {
    if (err instanceof SeedbankError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error(`${dir} was accepted`);
}

describe('a dump run folder', () => {
  it('is accepted when done and every file matches both checksum lists', async () => {
    const run = await openDumpRun(await runFolder(), [...NEED], ['linktarget']);
    expect({ wiki: run.wiki, date: run.date }).toEqual({ wiki: 'testwiki', date: '20250101' });
    expect(Object.keys(run.files).sort()).toEqual(['categorylinks', 'image', 'page', 'pages-articles']);
    expect(run.verified['testwiki-20250101-image.sql.gz']).toEqual(['md5', 'sha1']);
  });

  it('is refused, with the reason, when not done, damaged, unlisted, incomplete or mixed', async () => {
    const inProgress = await runFolder((f) => (f['dumpstatus.json'] = f['dumpstatus.json']!.replace('"status":"done"', '"status":"in-progress"')));
    expect(await refusal(inProgress)).toMatchObject({ code: 'DUMP_RUN_UNFINISHED', message: expect.stringMatching(/not done: job \w+ is "in-progress"/) });
    const noStatus = await runFolder((f) => delete f['dumpstatus.json']);
    expect(await refusal(noStatus)).toMatchObject({ code: 'DUMP_RUN_UNFINISHED', message: expect.stringContaining('neither dumpstatus.json nor status.txt') });
    const statusTxt = await runFolder((f) => {
      delete f['dumpstatus.json'];
      f['status.txt'] = 'in progress\n';
    });
    expect(await refusal(statusTxt)).toMatchObject({ code: 'DUMP_RUN_UNFINISHED', message: expect.stringContaining('status.txt says "in progress"') });
    const damaged = await runFolder((f) => (f['testwiki-20250101-page.sql.gz'] = 'other bytes'));
    expect(await refusal(damaged)).toMatchObject({ code: 'DUMP_CHECKSUM_MISMATCH', message: expect.stringContaining('testwiki-20250101-page.sql.gz does not match') });
    const unlisted = await runFolder((f) => {
      f['testwiki-20250101-md5sums.txt'] = f['testwiki-20250101-md5sums.txt']!.split('\n').filter((l) => !l.includes('image')).join('\n');
      f['testwiki-20250101-sha1sums.txt'] = '';
    });
    expect(await refusal(unlisted)).toMatchObject({ code: 'DUMP_UNVERIFIED', message: expect.stringContaining('testwiki-20250101-image.sql.gz') });
    const incomplete = await runFolder((f) => delete f['testwiki-20250101-categorylinks.sql.gz']);
    expect(await refusal(incomplete)).toMatchObject({ code: 'DUMP_RUN_NOT_FOUND', message: expect.stringContaining('lacks testwiki-20250101-categorylinks') });
    const mixed = await runFolder((f) => (f['testwiki-20250201-image.sql.gz'] = 'x'));
    expect(await refusal(mixed)).toMatchObject({ code: 'DUMP_RUN_NOT_FOUND', message: expect.stringContaining('2 dump runs') });
  });

  it('of an adds/changes kind (status.txt "done", md5sums only) is accepted', async () => {
    const dir = await runFolder((f) => {
      delete f['dumpstatus.json'];
      delete f['testwiki-20250101-sha1sums.txt'];
      f['status.txt'] = 'done\n';
    });
    expect((await openDumpRun(dir, [...NEED])).verified['testwiki-20250101-page.sql.gz']).toEqual(['md5']);
  });
});

describe('the page text of a run', () => {
  const parts = ['pages-articles1.xml-p1p100.bz2', 'pages-articles2.xml-p101p250.bz2', 'pages-articles3.xml-p251p900.bz2'];
  const names = async (dir: string) => (await openDumpRun(dir, [...NEED])).pageParts.map((f) => path.basename(f));

  it('is read whole when whole, else every part in page order; multistream when that is all there is', async () => {
    expect(await names(await runFolder(undefined, ['pages-articles.xml.bz2', 'pages-articles.xml.gz', ...parts]))).toEqual(['testwiki-20250101-pages-articles.xml.gz']);
    expect(await names(await runFolder(undefined, [parts[2]!, parts[0]!, parts[1]!]))).toEqual(parts.map((p) => `testwiki-20250101-${p}`));
    const multi = ['pages-articles-multistream1.xml-p1p100.bz2', 'pages-articles-multistream2.xml-p101p900.bz2'];
    expect(await names(await runFolder(undefined, multi))).toEqual(multi.map((p) => `testwiki-20250101-${p}`));
    const run = await openDumpRun(await runFolder(undefined, parts), [...NEED]);
    expect(Object.keys(run.verified).filter((f) => f.includes('pages-articles')).length, 'every part is checked against the checksums').toBe(3);
  });

  it('in parts is refused when a part is missing or two overlap, naming them', async () => {
    expect(await refusal(await runFolder(undefined, [parts[0]!, parts[2]!]))).toMatchObject({
      code: 'DUMP_RUN_NOT_FOUND',
      message: expect.stringContaining('leave a gap between testwiki-20250101-pages-articles1.xml-p1p100.bz2 (up to page 100) and testwiki-20250101-pages-articles3.xml-p251p900.bz2 (from page 251)'),
    });
    expect(await refusal(await runFolder(undefined, [parts[0]!, 'pages-articles2.xml-p90p900.bz2']))).toMatchObject({ message: expect.stringContaining('overlap') });
    const damaged = await runFolder((f) => (f[`testwiki-20250101-${parts[1]}`] = 'other bytes'), parts);
    expect(await refusal(damaged)).toMatchObject({ code: 'DUMP_CHECKSUM_MISMATCH', message: expect.stringContaining(parts[1]!) });
  });
});

describe('categorylinks of newer MediaWiki (cl_target_id + linktarget)', () => {
  const dump = (table: string, columns: string[], rows: string[]) =>
    gzipSync(`-- MariaDB dump\nCREATE TABLE \`${table}\` (\n${columns.map((c) => `  \`${c}\` varbinary(255) NOT NULL`).join(',\n')},\n  PRIMARY KEY (\`${columns[0]}\`)\n) ENGINE=InnoDB;\nINSERT INTO \`${table}\` VALUES ${rows.join(',')};\n`);

  it('resolves categories through linktarget, skipping links to other namespaces; without linktarget it is refused', async () => {
    const cl = path.join(work, 'new-categorylinks.sql.gz');
    const lt = path.join(work, 'new-linktarget.sql.gz');
    await writeFile(cl, dump('categorylinks', ['cl_from', 'cl_sortkey', 'cl_type', 'cl_target_id'], ["(10,'X','file',1)", "(10,'X','file',2)", "(10,'X','file',2)", "(11,'Y','subcat',1)", "(12,'Z','file',3)", "(13,'P','page',1)"]));
    await writeFile(lt, dump('linktarget', ['lt_id', 'lt_namespace', 'lt_title'], ["(1,14,'Paris')", "(2,14,'Birds_of_Paris')", "(3,10,'Not_a_category')"]));
    const links = await readCategoryLinks(cl, lt);
    expect(links.schema).toBe('cl_target_id');
    expect(links.members('Paris')).toEqual({ files: [10], subcats: [11] });
    expect(links.categoriesOf(10), 'as the dump lists them').toEqual(['Paris', 'Birds of Paris', 'Birds of Paris']);
    expect(links.categoriesOf(12)).toBeUndefined();
    expect(links.categoriesOf(11), 'a subcategory is no file').toBeUndefined();
    const sorted = links.sortedCategoriesOf(10);
    expect(sorted).toEqual(['Birds of Paris', 'Paris']);
    expect(Object.isFrozen(sorted), 'shared between files, so nobody may change it').toBe(true);
    expect(links.sortedCategoriesOf(12)).toEqual([]);
    await expect(readCategoryLinks(cl, undefined)).rejects.toMatchObject({ code: 'DUMP_RUN_NOT_FOUND' });
    const old = path.join(work, 'old-categorylinks.sql.gz');
    await writeFile(old, dump('categorylinks', ['cl_from', 'cl_to', 'cl_type'], ["(10,'Birds_of_Paris','file')"]));
    expect((await readCategoryLinks(old, undefined)).categoriesOf(10)).toEqual(['Birds of Paris']);
  });

  it('reads usage from imagelinks (il_to, or il_target_id through linktarget) and from globalimagelinks, by namespace', async () => {
    const oldIl = path.join(work, 'old-imagelinks.sql.gz');
    await writeFile(oldIl, dump('imagelinks', ['il_from', 'il_to', 'il_from_namespace'], ["(1,'A.jpg',0)", "(2,'B.jpg',2)", "(3,'C.jpg',0)"]));
    expect([...(await readImageLinks(oldIl, undefined, [0]))].sort()).toEqual(['A.jpg', 'C.jpg']);
    const newIl = path.join(work, 'new-imagelinks.sql.gz');
    const lt = path.join(work, 'files-linktarget.sql.gz');
    await writeFile(newIl, dump('imagelinks', ['il_from', 'il_from_namespace', 'il_target_id'], ['(1,0,5)', '(2,0,6)', '(3,4,7)']));
    await writeFile(lt, dump('linktarget', ['lt_id', 'lt_namespace', 'lt_title'], ["(5,6,'Eiffel_Tower.jpg')", "(6,14,'Paris')", "(7,6,'Logo.png')"]));
    expect([...(await readImageLinks(newIl, lt, [0, 4]))].sort()).toEqual(['Eiffel_Tower.jpg', 'Logo.png']);
    await expect(readImageLinks(newIl, undefined, [0])).rejects.toMatchObject({ code: 'DUMP_RUN_NOT_FOUND' });
    const gil = path.join(work, 'globalimagelinks.sql.gz');
    await writeFile(gil, dump('globalimagelinks', ['gil_wiki', 'gil_page', 'gil_page_namespace_id', 'gil_page_namespace', 'gil_page_title', 'gil_to'], ["('frwiki',1,0,'','Paris','Tour_Eiffel.jpg')", "('frwiki',2,2,'Utilisateur','X','Moi.jpg')", "('dewiki',3,0,'','Paris','Brandenburger_Tor.jpg')"]));
    expect([...(await readGlobalImageLinks(gil, 'frwiki', [0]))]).toEqual(['Tour_Eiffel.jpg']);
  });

  it('reads MediaWiki timestamps as the API writes them', () => {
    expect(isoTimestamp('20240131235959')).toBe('2024-01-31T23:59:59Z');
  });
});

describe('the XML page reader', () => {
  const header = `<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">\n  <siteinfo>\n    <sitename>Test &amp; Wiki</sitename>\n    <dbname>testwiki</dbname>\n    <base>http://127.0.0.1:1/index.php/Main_Page</base>\n    <generator>MediaWiki 1.39.17</generator>\n    <namespaces>\n      <namespace key="0" case="first-letter" />\n      <namespace key="6" case="first-letter">Fichier</namespace>\n    </namespaces>\n  </siteinfo>\n`;
  const page = (i: number) =>
    `<page>\n    <title>Fichier:P&amp;${i}.jpg</title>\n    <ns>6</ns>\n    <id>${i}</id>\n    <revision>\n      <id>${1000 + i}</id>\n      <contributor>\n        <id>7</id>\n      </contributor>\n      <text xml:space="preserve">${'é&lt;page&gt;x'.repeat(i % 160)}</text>\n    </revision>\n  </page>`;
  const pages = Array.from({ length: 3000 }, (_, i) => page(i + 1));
  const doc = `${header}  ${pages.join('\n  ')}\n</mediawiki>\n`;

  it('gives the header and every page verbatim across chunk boundaries, from gzip and from bzip2', async () => {
    expect(doc.length).toBeGreaterThan(2.5 * 1024 * 1024); // several 1 MiB read chunks
    const gz = path.join(work, 'testwiki-pages-articles.xml.gz');
    await writeFile(gz, gzipSync(doc));
    // bzip2 compresses slowly: a shorter document (still more than one read chunk) for it.
    const bz = path.join(work, 'testwiki-pages-articles.xml.bz2');
    const short = pages.slice(0, 600);
    await writeFile(bz, execFileSync('bzip2', ['-c'], { input: `${header}  ${short.join('\n  ')}\n</mediawiki>\n`, maxBuffer: 64 * 1024 * 1024 }));
    for (const [file, want] of [[gz, pages], [bz, short]] as const) {
      const seen: string[] = [];
      let head = '';
      const r = await readXmlPages(file, { onHeader: (h) => (head = h), onPage: (b) => seen.push(b) });
      expect(r.pages, file).toBe(want.length);
      expect(head).toBe(header);
      expect(seen).toEqual(want);
    }
    const site = parseSiteInfo(header);
    expect({ name: site.siteName, ns6: site.namespaces.get(6), main: site.namespaces.get(0) }).toEqual({ name: 'Test & Wiki', ns6: 'Fichier', main: '' });
    expect(pageHead(pages[41]!)).toEqual({ ns: 6, pageId: 42, title: 'Fichier:P&42.jpg', revisionId: 1042 });
  });

  it('refuses a cut file and a file that is no XML dump', async () => {
    const cut = path.join(work, 'cut.xml.gz');
    await writeFile(cut, gzipSync(doc.slice(0, doc.length - 40_000)));
    await expect(readXmlPages(cut, {})).rejects.toMatchObject({ code: 'DUMP_TRUNCATED' });
    const sql = path.join(work, 'not.xml.gz');
    await writeFile(sql, gzipSync('-- MySQL dump\nCREATE TABLE `x` (`a` int);\n'));
    await expect(readXmlPages(sql, {})).rejects.toMatchObject({ code: 'DUMP_INVALID' });
  });
});
