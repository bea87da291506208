// Building from the dumps, on real formats: one fixture MediaWiki on MariaDB (its own mariadbd,
// socket only), dumped as Wikimedia's runs do it (mysqldump of image, page, categorylinks and
// imagelinks, gzipped; dumpBackup.php --current for pages-articles; md5sums, sha1sums and
// dumpstatus.json of a finished run). The key promise: the same recipe built from the dumps and
// through the API gives the same files and the same volumes (info hashes), with the media from
// the wiki's upload server either way.
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet, type BuildResult } from '../../services/set-builder/build.ts';
import { parseExport } from '../../services/set-builder/listing/export-xml.ts';
import { writeDumpRun, type DumpRunFiles, type GeoTag } from '../../deploy/local/wiki/dump-run.ts';
import { changeWiki, fillWiki, type FixtureSet } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { liveGroupMembers } from '../../deploy/local/wiki/php-server.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/log.ts';
import { commonsPath } from '../../shared/commons-path.ts';
import { inShard, parseRecipe, shardRange, type Recipe } from '../../shared/formats/recipe.ts';
import { runCli } from '../helpers/run-cli.ts';

const RUN_DATE = '20261201';

let wiki: Wiki;
let work: string;
let fixtures: FixtureSet;
let run: DumpRunFiles;
const timings: Record<string, number> = {};

/** The recipes compared: a category walk with a cycle and an exclusion, a region scan, and a shard. */
function recipes(): Recipe[] {
  const common = { wiki: wiki.apiUrl, volumeSizeLimit: '1MB', pieceLength: '32KiB' };
  return [
    parseRecipe({ ...common, id: 'paris-walk', title: 'Paris', selection: { categories: [{ name: 'Paris', depth: 4 }], excludeCategories: ['Notre-Dame de Paris'] } }),
    parseRecipe({ ...common, id: 'paris-region', title: 'Around Paris', selection: { region: { bbox: { south: 48.8, west: 2.2, north: 48.9, east: 2.4 } } } }),
    parseRecipe({ ...common, id: 'half-shard', title: 'Folders 00 to 7f', selection: { shard: '00-7f', mimeTypes: ['image/jpeg', 'image/png'] } }),
    parseRecipe({ ...common, id: 'articles-media', title: 'What the articles show', selection: { usedBy: { wiki: 'seedbankwiki', namespaces: [0] } } }),
  ];
}

/** Articles (and a user page) that use files: local usage, what imagelinks and prop=images hold. */
const USAGE_PAGES: Record<string, string> = {
  Paris: "[[File:Île de la Cité.jpg|thumb|The island]] and [[File:Eiffel Tower from Trocadéro.jpg]].\n<gallery>\nFile:Street furniture in Paris 001.jpg\n</gallery>\n[[File:Missing picture.jpg]]",
  Birds: '[[File:Robin (Erithacus rubecula).webp]], [[Media:Sparrow & blackbird.gif|two birds]].',
  'User:Admin': '[[File:Plain test pattern.png]]',
};
const USED_IN_ARTICLES = ['File:Eiffel Tower from Trocadéro.jpg', 'File:Robin (Erithacus rubecula).webp', 'File:Sparrow & blackbird.gif', 'File:Street furniture in Paris 001.jpg', 'File:Île de la Cité.jpg'];

async function addUsage(): Promise<void> {
  const dir = path.join(work, 'usage-pages');
  await mkdir(dir);
  const files: string[] = [];
  for (const [title, text] of Object.entries(USAGE_PAGES)) {
    files.push(path.join(dir, `${title}.txt`));
    await writeFile(files.at(-1)!, text);
  }
  await wiki.php('importTextFiles.php', ['--rc', '--overwrite', `--user=${wiki.adminUser}`, ...files]);
  await wiki.php('runJobs.php', []);
}

const built = new Map<string, { api: BuildResult; dumps: BuildResult }>();

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-dump-build-'));
  let t = performance.now();
  wiki = await startWiki({ name: 'Dump Wiki', database: 'mariadb' });
  fixtures = await fillWiki(wiki, { bulkCount: 15, bigFiles: 1 });
  await addUsage();
  timings.wikiMs = performance.now() - t;
  t = performance.now();
  run = await writeDumpRun(wiki, path.join(work, 'run'), RUN_DATE);
  timings.dumpRunMs = performance.now() - t;
  for (const recipe of recipes()) {
    t = performance.now();
    const api = await buildSet({ recipe, dataDir: path.join(work, 'api'), maxBytesPerSecond: 0 });
    timings[`${recipe.id}:apiMs`] = performance.now() - t;
    t = performance.now();
    const dumps = await buildSet({ recipe, dataDir: path.join(work, 'dumps'), maxBytesPerSecond: 0, dumps: { dir: run.dir, uploadBase: wiki.uploadBaseUrl } });
    timings[`${recipe.id}:dumpsMs`] = performance.now() - t;
    built.set(recipe.id, { api, dumps });
    timings[`${recipe.id}:apiListingMs`] = api.stats.phases.listing ?? NaN;
    timings[`${recipe.id}:dumpsListingMs`] = dumps.stats.phases.listing ?? NaN;
    timings[`${recipe.id}:apiRequests`] = api.stats.apiRequests;
  }
  console.log('dump-build timings (ms):', Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])));
}, 600_000);

afterAll(async () => {
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a set built from the dumps of a MariaDB wiki', () => {
  it('holds the same files, facts and volumes (info hashes) as the same set built through the API', () => {
    for (const [id, { api, dumps }] of built) {
      expect(api.manifest.files.length, `${id} selects files`).toBeGreaterThan(3);
      expect(dumps.manifest.files, id).toEqual(api.manifest.files);
      expect(dumps.manifest.volumes.map((v) => v.infoHash), id).toEqual(api.manifest.volumes.map((v) => v.infoHash));
      expect(dumps.manifest.volumes.length, `${id} has volumes`).toBeGreaterThan(0);
      expect(dumps.manifest.totals).toEqual(api.manifest.totals);
      expect(dumps.stats.apiRequests, `${id}: no API request for the listing`).toBe(0);
      // Media from the upload server, or from the data folder when an earlier set of the loop fetched them.
      const m = dumps.stats.media;
      expect(m.downloaded + m.linked + m.reused, id).toBe(dumps.manifest.files.length);
    }
    expect(built.get('paris-walk')!.dumps.stats.media.downloaded).toBe(built.get('paris-walk')!.dumps.manifest.files.length);
    // The walk kept its rules: the cycle back to Paris ends, the excluded branch stays out.
    const walk = built.get('paris-walk')!.dumps.manifest.files.map((f) => f.title);
    expect(walk).toContain('File:View from the Eiffel Tower, Champ de Mars.png');
    expect(walk).not.toContain("File:Notre-Dame (west façade), 1890's & today.jpg");
    expect(walk).not.toContain('File:Robin (Erithacus rubecula).webp');
    // The shard holds every fixture file whose folder is in 00-7f, independently of either listing.
    const inHalf = fixtures.files.filter((f) => inShard(commonsPath(f.name.replace(/ /g, '_')), shardRange('00-7f')) && /^image\/(jpeg|png)$/.test(f.mime));
    expect(built.get('half-shard')!.dumps.manifest.files.map((f) => f.title)).toEqual(inHalf.map((f) => f.title).sort());
    expect(built.get('articles-media')!.dumps.manifest.files.map((f) => f.title)).toEqual(USED_IN_ARTICLES);
    const region = built.get('paris-region')!.dumps.manifest.files.map((f) => f.title);
    expect(region).toContain('File:Uncategorized snapshot.jpg');
    expect(region).not.toContain('File:TGV Paris–Lyon at Part-Dieu.jpg');
  });

  it('refuses usage on another wiki through the API, and from a run without globalimagelinks', async () => {
    const recipe = parseRecipe({ id: 'frwiki-media', title: 'frwiki', wiki: wiki.apiUrl, selection: { usedBy: { wiki: 'frwiki' } } });
    await expect(buildSet({ recipe, dataDir: path.join(work, 'fr') })).rejects.toMatchObject({ code: 'SELECTION_UNSUPPORTED' });
    await expect(buildSet({ recipe, dataDir: path.join(work, 'fr'), dumps: { dir: run.dir, uploadBase: wiki.uploadBaseUrl } })).rejects.toMatchObject({
      code: 'DUMP_RUN_NOT_FOUND',
      message: expect.stringContaining('needs the globalimagelinks dump'),
    });
  });

  it('carries the description pages verbatim from pages-articles, page for page as the API exports them', async () => {
    const { api, dumps } = built.get('paris-walk')!;
    const pages = async (r: BuildResult) => parseExport(gunzipSync(await readFile(path.join(r.dir, r.manifest.pages.file))).toString('utf8')).pages;
    const [fromApi, fromDump] = [await pages(api), await pages(dumps)];
    expect(fromDump.map((p) => p.title)).toEqual(fromApi.map((p) => p.title));
    const dumpXml = gunzipSync(await readFile(path.join(run.dir, `${run.wiki}-${RUN_DATE}-pages-articles.xml.gz`))).toString('utf8');
    for (const p of fromDump) expect(dumpXml.includes(p.xml.trim()), `${p.title} verbatim`).toBe(true);
    for (const [i, p] of fromDump.entries()) expect({ text: p.text, revisionId: p.revisionId }).toEqual({ text: fromApi[i]!.text, revisionId: fromApi[i]!.revisionId });
  });

  it('names the dump run and its highest revision id in the manifest, apart from the next expected run', () => {
    const { api, dumps } = built.get('paris-walk')!;
    expect(dumps.manifest.snapshot.fromDump).toEqual({ wiki: 'seedbankwiki', run: RUN_DATE, maxRevisionId: api.manifest.snapshot.maxRevisionId });
    expect(api.manifest.snapshot.fromDump).toBeUndefined();
    expect(dumps.manifest.snapshot.dumpRun).toMatch(/^\d{8}$/);
    expect(dumps.manifest.source.siteName).toBe('Dump Wiki');
    expect(dumps.manifest.source.articleUrl).toBe(api.manifest.source.articleUrl);
  });

  it('builds from the command line, and refuses a run whose file does not match its checksums', async () => {
    const recipeFile = path.join(work, 'birds.json');
    await writeFile(recipeFile, JSON.stringify({ id: 'birds', title: 'Birds', wiki: wiki.apiUrl, selection: { categories: [{ name: 'Birds', depth: 1 }] } }));
    const ok = await runCli(['build', recipeFile, '--data', path.join(work, 'cli'), '--dumps', run.dir, '--upload-base', wiki.uploadBaseUrl, '--max-rate', '0']);
    expect(ok.code, ok.stderr.slice(-2000)).toBe(0);
    expect(ok.stdout).toMatch(/birds v1: 3 files/);
    expect(ok.stdout).toContain(`listed from the seedbankwiki dump run of ${RUN_DATE}`);

    const damaged = path.join(work, 'damaged');
    await cp(run.dir, damaged, { recursive: true });
    const image = path.join(damaged, `${run.wiki}-${RUN_DATE}-image.sql.gz`);
    const bytes = await readFile(image);
    bytes[bytes.length - 12]! ^= 0xff;
    await writeFile(image, bytes);
    const bad = await runCli(['build', recipeFile, '--data', path.join(work, 'cli2'), '--dumps', damaged, '--upload-base', wiki.uploadBaseUrl]);
    expect(bad.code).toBe(65);
    expect(bad.stderr).toMatch(/image\.sql\.gz does not match the run's md5/);
    await expect(buildSet({ recipe: recipes()[0]!, dataDir: path.join(work, 'lib'), dumps: { dir: damaged, uploadBase: wiki.uploadBaseUrl } })).rejects.toSatisfy(
      (e: unknown) => e instanceof SeedbankError && e.code === 'DUMP_CHECKSUM_MISMATCH',
    );
  });

  it('reads pages-articles in parts (as large wikis publish it) and regions from a geo_tags dump', async () => {
    // GeoData's table as the extension fills it: the fixture's camera locations, plus one file
    // located only there, one demoted to a non-primary (object) location and one on the Moon.
    const located = fixtures.files.filter((f) => f.coordinates !== null && f.name !== 'Sacré-Cœur at night.jpg');
    const geoTags: GeoTag[] = [
      ...located.map((f) => ({ name: f.name, ...f.coordinates! })),
      { name: 'Seine at Pont Neuf.jpg', lat: 48.8575, lon: 2.3414 },
      { name: 'Sacré-Cœur at night.jpg', lat: 48.8867, lon: 2.3431, primary: false },
      { name: 'Pigeon on a bench.jpg', lat: 48.86, lon: 2.34, globe: 'moon' },
    ];
    const partsRun = await writeDumpRun(wiki, path.join(work, 'run-parts'), RUN_DATE, { pageParts: 3, geoTags });
    const parts = Object.keys(partsRun.files).filter((f) => /pages-articles\d\.xml-p\d+p\d+\.bz2$/.test(f));
    expect(parts.length, 'dumpBackup.php wrote the page text in three bzip2 parts').toBe(3);
    const [walk, region] = recipes();
    const fromParts = await buildSet({ recipe: walk!, dataDir: path.join(work, 'parts'), maxBytesPerSecond: 0, dumps: { dir: partsRun.dir, uploadBase: wiki.uploadBaseUrl } });
    // Coordinates now come from geo_tags (checked below); everything else is the API's.
    const facts = (files: BuildResult['manifest']['files']) => files.map(({ coordinates: _c, ...f }) => f);
    expect(facts(fromParts.manifest.files)).toEqual(facts(built.get('paris-walk')!.api.manifest.files));
    expect(fromParts.manifest.volumes.map((v) => v.infoHash)).toEqual(built.get('paris-walk')!.api.manifest.volumes.map((v) => v.infoHash));

    const byGeo = await buildSet({ recipe: region!, dataDir: path.join(work, 'parts'), maxBytesPerSecond: 0, dumps: { dir: partsRun.dir, uploadBase: wiki.uploadBaseUrl } });
    const inBox = (c: { lat: number; lon: number }) => c.lat >= 48.8 && c.lat <= 48.9 && c.lon >= 2.2 && c.lon <= 2.4;
    const expected = geoTags.filter((g) => g.primary !== false && g.globe === undefined && inBox(g)).map((g) => `File:${g.name}`).sort();
    expect(byGeo.manifest.files.map((f) => f.title).sort()).toEqual(expected);
    expect(byGeo.manifest.files.find((f) => f.title === 'File:Seine at Pont Neuf.jpg')?.coordinates).toEqual({ lat: 48.8575, lon: 2.3414 });

    // A part missing from the folder leaves a gap in the page ids: refused, not a silently smaller set.
    const gap = path.join(work, 'run-gap');
    await cp(partsRun.dir, gap, { recursive: true });
    await rm(path.join(gap, parts.sort()[1]!));
    await expect(buildSet({ recipe: walk!, dataDir: path.join(work, 'gap'), dumps: { dir: gap, uploadBase: wiki.uploadBaseUrl } })).rejects.toMatchObject({
      code: 'DUMP_RUN_NOT_FOUND',
      message: expect.stringMatching(/pages-articles parts leave a gap between .*pages-articles1\.xml-p1p\d+\.bz2/),
    });
  });

  it('rolls a version listed from a run forward with the API\'s recent changes since the run began', async () => {
    // Runs after every test that compares with the builds made before the wiki changed.
    const changes = await changeWiki(wiki, fixtures);
    const walk = recipes()[0]!;
    const dayAfterRun = () => new Date('2026-12-02T12:00:00Z');
    const log: string[] = [];
    const logger = createLogger({ format: 'json', sink: { write: (line) => void log.push(line), isTTY: false } });
    const rolled = await buildSet({ recipe: walk, dataDir: path.join(work, 'dumps'), maxBytesPerSecond: 0, now: dayAfterRun, logger });
    expect(rolled.stats.listingMode, `read the changes, not the whole tree: ${log.filter((l) => l.includes('reason')).join('')}`).toBe('changes');
    expect(rolled.version).toBe(2);
    const fresh = await buildSet({ recipe: walk, dataDir: path.join(work, 'api-after'), maxBytesPerSecond: 0 });
    expect(rolled.manifest.files).toEqual(fresh.manifest.files);
    expect(rolled.manifest.volumes.map((v) => v.infoHash)).toEqual(fresh.manifest.volumes.map((v) => v.infoHash));
    expect(rolled.manifest.changes.added).toEqual(expect.arrayContaining(changes.added.map((f) => f.title).filter((t) => rolled.manifest.files.some((f) => f.title === t))));
    expect(rolled.manifest.changes.removed).toContain(changes.deleted.title);
    expect(rolled.manifest.snapshot.fromDump, 'v2 was listed through the API').toBeUndefined();
  });

  it('stops its mariadbd with the wiki: no process left in its group, its folder gone', async () => {
    const { server } = wiki.mariadb!;
    expect(await liveGroupMembers(server.pgid)).not.toEqual([]);
    await wiki.stop();
    expect(await liveGroupMembers(server.pgid)).toEqual([]);
    await expect(stat(server.dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
