// The scale fixture of `npm run bench:scale`, kept honest at a small size: a MariaDB wiki filled
// in bulk (its own tables, media straight into the upload folder) shows every file through its
// API, its check catches a damaged file, its dump run (mysqldump + dumpBackup.php) holds every
// file, and the bench's synthetic dump run of the same files is a readable, verified run with
// the same rows and page text as the real one.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticRun } from '../../bench/scale/synthetic-run.ts';
import { writeDumpRun, type DumpRunFiles } from '../../deploy/local/wiki/dump-run.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { scaleBaseImage, scaleFile, scaleFileBytes } from '../../deploy/local/wiki/scale-data.ts';
import { fillWikiInBulk, scaleMembers, type ScaleFill } from '../../deploy/local/wiki/scale-fill.ts';
import { verifyScaleWiki } from '../../deploy/local/wiki/scale-verify.ts';
import { parseExport } from '../../services/set-builder/listing/export-xml.ts';
import { commonsPath } from '../../shared/commons-path.ts';
import { base36ToHexSha1 } from '../../shared/dumps/base36-sha1.ts';
import { openDumpRun } from '../../shared/dumps/dump-run-folder.ts';
import { readSqlDump } from '../../shared/dumps/sql-dump-reader.ts';
import { readXmlPages } from '../../shared/dumps/xml-pages-reader.ts';

const FILES = 240;
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

let wiki: Wiki;
let fill: ScaleFill;
let work: string;
let run: DumpRunFiles;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-scale-fixture-'));
  wiki = await startWiki({ name: 'Scale Test Wiki', database: 'mariadb' });
  fill = await fillWikiInBulk(wiki, { files: FILES });
  run = await writeDumpRun(wiki, path.join(work, 'run'), '20261201');
});
afterAll(async () => {
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** name → { size, sha1 hex } of every row of an image dump. */
async function imageRows(file: string): Promise<Map<string, { size: number; sha1: string }>> {
  const rows = new Map<string, { size: number; sha1: string }>();
  await readSqlDump(file, { table: 'image', columns: ['img_name', 'img_size', 'img_sha1'], onRow: (r) => void rows.set(r.text(0), { size: r.number(1), sha1: base36ToHexSha1(r.text(2))! }) });
  return rows;
}

/** title → wikitext of the file pages of a pages-articles dump. */
async function filePageTexts(file: string): Promise<Map<string, string>> {
  let header = '';
  const texts = new Map<string, string>();
  await readXmlPages(file, {
    onHeader: (h) => (header = h),
    onPage(block) {
      const page = parseExport(`${header}\n  ${block}\n</mediawiki>\n`).pages[0]!;
      if (page.title.startsWith('File:')) texts.set(page.title, page.text);
    },
  });
  return texts;
}

describe('scale fixture', () => {
  it('makes distinct, valid 1-3 KiB JPEGs of one size', async () => {
    const base = await scaleBaseImage();
    const files = [0, 1, 2, 999].map((i) => scaleFileBytes(base, i));
    expect(new Set(files.map(sha1)).size).toBe(files.length);
    for (const f of files) {
      expect(f.length).toBeGreaterThanOrEqual(1024);
      expect(f.length).toBeLessThan(3072);
      expect(await sharp(f).metadata()).toMatchObject({ format: 'jpeg', width: 16, height: 12 });
    }
  });

  it('fills the wiki so that its API shows every file, category and sampled byte', async () => {
    const check = await verifyScaleWiki(wiki, fill);
    expect(check.allImages).toBe(FILES);
    expect(check.members).toEqual(scaleMembers(FILES));
    expect(Object.values(check.members).reduce((a, b) => a + b, 0)).toBeGreaterThan(FILES); // some files are in two categories
  });

  it('catches a file whose bytes on the upload server are not what the rows say', async () => {
    const damaged = path.join(fill.uploadDir, commonsPath(scaleFile(0).name)); // file 0 is always in the sample
    const good = scaleFileBytes(await scaleBaseImage(), 0);
    await writeFile(damaged, Buffer.concat([good.subarray(0, 100), Buffer.from('damaged')]));
    try {
      await expect(verifyScaleWiki(wiki, fill)).rejects.toThrow(/Paris scale 0000000\.jpg.*answered HTTP 200/);
    } finally {
      await writeFile(damaged, good);
    }
  });

  it('gives a dump run holding every file, and the synthetic run of the same files matches it', async () => {
    const real = await openDumpRun(run.dir, ['image', 'page', 'categorylinks', 'pages-articles']);
    const synthetic = await syntheticRun(path.join(work, 'cache'), FILES, () => {});
    const fake = await openDumpRun(synthetic.runDir, ['image', 'page', 'categorylinks', 'pages-articles']);

    const [realRows, fakeRows] = await Promise.all([imageRows(real.files.image!), imageRows(fake.files.image!)]);
    expect(realRows.size).toBe(FILES);
    expect(fakeRows).toEqual(realRows);
    const [realTexts, fakeTexts] = await Promise.all([filePageTexts(real.files['pages-articles']!), filePageTexts(fake.files['pages-articles']!)]);
    expect(realTexts.size).toBe(FILES);
    expect(fakeTexts).toEqual(realTexts);
    // The synthetic --media-from tree holds the bytes the rows describe.
    const f = scaleFile(FILES - 1);
    expect(sha1(await readFile(path.join(synthetic.mediaDir, commonsPath(f.name))))).toBe(realRows.get(f.name)!.sha1);
  });
});
