// One dump run of a fixture wiki on MariaDB, made by the tools Wikimedia's dump runs use:
// `mysqldump` of its tables (gzipped, `<wiki>-<date>-<table>.sql.gz`), MediaWiki's own
// `maintenance/dumpBackup.php --current` for `<wiki>-<date>-pages-articles.xml.gz`, then the
// run's `<wiki>-<date>-md5sums.txt`, `-sha1sums.txt` and `dumpstatus.json`, as a finished run
// publishes them.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Wiki } from './mediawiki.ts';

/** The tables a run dumps, with the job name dumpstatus.json gives each. */
const TABLE_JOBS: Array<[table: string, job: string]> = [
  ['image', 'imagetable'],
  ['page', 'pagetable'],
  ['categorylinks', 'categorylinkstable'],
  ['imagelinks', 'imagelinkstable'],
];
/** dumpstatus.json's format version as Wikimedia writes it. */
const DUMPSTATUS_VERSION = '0.8';
/** dumpBackup.php writes about a thousand pages a second here: room for a few hundred thousand. */
const XML_DUMP_TIMEOUT_MS = 1_800_000;

/** What writeDumpRun made. */
export interface DumpRunFiles {
  dir: string;
  wiki: string;
  date: string;
  /** File name → bytes on disk. */
  files: Record<string, number>;
  /** How long each step took (writeDumpRun only): mysqldump of the tables, dumpBackup.php, the checksums. */
  timings?: { tablesMs: number; xmlMs: number; checksumsMs: number };
}

async function digests(file: string): Promise<{ md5: string; sha1: string; size: number }> {
  const md5 = createHash('md5');
  const sha1 = createHash('sha1');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    md5.update(chunk as Buffer);
    sha1.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { md5: md5.digest('hex'), sha1: sha1.digest('hex'), size };
}

/** A camera location the GeoData extension would hold for a file page (Debian's MediaWiki has no GeoData). */
export interface GeoTag {
  /** The file's name, spaces or underscores, without the namespace. */
  name: string;
  lat: number;
  lon: number;
  /** GeoData's gt_primary: 1 for the camera location ({{Location}}), 0 for others such as {{Object location}}. */
  primary?: boolean;
  globe?: string;
}

/** What a run holds beyond the default: page text in parts, a geo_tags table. */
export interface DumpRunOptions {
  /** Write pages-articles in this many parts over page id ranges (`pages-articles1.xml-p1p40.bz2`, …), as large wikis are dumped. */
  pageParts?: number;
  /** Add GeoData's geo_tags table with these rows and dump it (`-geo_tags.sql.gz`). */
  geoTags?: GeoTag[];
}

/** GeoData's geo_tags table, as the extension creates it (the columns a dump reader needs, and the rest). */
const GEO_TAGS_TABLE = `CREATE TABLE IF NOT EXISTS geo_tags (
  gt_id int unsigned NOT NULL PRIMARY KEY AUTO_INCREMENT, gt_page_id int unsigned NOT NULL, gt_globe varbinary(32) NOT NULL,
  gt_primary tinyint(1) NOT NULL, gt_lat decimal(11,8) DEFAULT NULL, gt_lon decimal(11,8) DEFAULT NULL, gt_dim int DEFAULT NULL,
  gt_type varbinary(32) DEFAULT NULL, gt_name varbinary(255) DEFAULT NULL, gt_country binary(2) DEFAULT NULL,
  gt_region varbinary(3) DEFAULT NULL, KEY gt_page_primary (gt_page_id, gt_primary))`;

const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Dumps a MariaDB fixture wiki into `dir` as one finished run dated `date` (YYYYMMDD). */
export async function writeDumpRun(wiki: Wiki, dir: string, date: string, o: DumpRunOptions = {}): Promise<DumpRunFiles> {
  if (!wiki.mariadb) throw new Error('writeDumpRun needs a wiki started with { database: "mariadb" }');
  const { server, dbName } = wiki.mariadb;
  await fs.mkdir(dir, { recursive: true });
  const name = (suffix: string) => `${dbName}-${date}-${suffix}`;
  const jobs: Array<[job: string, file: string]> = [];
  const t0 = performance.now();
  const tables = [...TABLE_JOBS];
  if (o.geoTags) {
    const rows = o.geoTags.map((g) => `SELECT page_id, ${sqlString(g.globe ?? 'earth')}, ${g.primary === false ? 0 : 1}, ${g.lat}, ${g.lon} FROM page WHERE page_namespace = 6 AND page_title = ${sqlString(g.name.replace(/ /g, '_'))}`);
    await server.sql(dbName, `${GEO_TAGS_TABLE}; DELETE FROM geo_tags; ${rows.map((r) => `INSERT INTO geo_tags (gt_page_id, gt_globe, gt_primary, gt_lat, gt_lon) ${r};`).join(' ')}`);
    tables.push(['geo_tags', 'geotagstable']);
  }
  for (const [table, job] of tables) {
    await server.dumpTable(dbName, table, path.join(dir, name(`${table}.sql.gz`)));
    jobs.push([job, name(`${table}.sql.gz`)]);
  }
  const tXml = performance.now();
  // Content namespaces without talk pages, current revisions only: what pages-articles holds.
  const dumpArgs = ['--current', '--quiet', '--filter=notalk'];
  if (o.pageParts && o.pageParts > 1) {
    // Large wikis' runs: bzip2 parts over page id ranges, each a whole XML document (dumpBackup's --end is exclusive).
    const maxId = Number((await server.sql(dbName, 'SELECT MAX(page_id) FROM page')).trim());
    const step = Math.ceil(maxId / o.pageParts);
    for (let i = 0, first = 1; first <= maxId; i++, first += step) {
      const last = Math.min(maxId, first + step - 1);
      const part = name(`pages-articles${i + 1}.xml-p${first}p${last}.bz2`);
      await wiki.php('dumpBackup.php', [...dumpArgs, `--start=${first}`, `--end=${last + 1}`, `--output=bzip2:${path.join(dir, part)}`], { timeoutMs: XML_DUMP_TIMEOUT_MS });
      jobs.push(['articlesdump', part]);
    }
  } else {
    const xml = name('pages-articles.xml.gz');
    await wiki.php('dumpBackup.php', [...dumpArgs, `--output=gzip:${path.join(dir, xml)}`], { timeoutMs: XML_DUMP_TIMEOUT_MS });
    jobs.push(['articlesdump', xml]);
  }
  const tSums = performance.now();
  const run = await finishDumpRun(dir, dbName, date, jobs);
  const end = performance.now();
  return { ...run, timings: { tablesMs: tXml - t0, xmlMs: tSums - tXml, checksumsMs: end - tSums } };
}

/**
 * Writes what a finished run publishes beside its dumps (`<wiki>-<date>-md5sums.txt`,
 * `-sha1sums.txt`, `dumpstatus.json` with every job "done") for dump files already in `dir`;
 * `jobs` pairs each file with its job name (`imagetable`, `articlesdump`, ...).
 */
export async function finishDumpRun(dir: string, wiki: string, date: string, jobs: Array<[job: string, file: string]>): Promise<DumpRunFiles> {
  const name = (suffix: string) => `${wiki}-${date}-${suffix}`;
  const files: Record<string, number> = {};
  const md5Lines: string[] = [];
  const sha1Lines: string[] = [];
  const status: Record<string, { status: string; updated: string; files: Record<string, { size: number; url: string; md5: string; sha1: string }> }> = {};
  const updated = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)} 00:00:00`;
  for (const [job, file] of jobs) {
    const d = await digests(path.join(dir, file));
    files[file] = d.size;
    md5Lines.push(`${d.md5}  ${file}`);
    sha1Lines.push(`${d.sha1}  ${file}`);
    status[job] = { status: 'done', updated, files: { ...status[job]?.files, [file]: { size: d.size, url: `/${wiki}/${date}/${file}`, md5: d.md5, sha1: d.sha1 } } };
  }
  await fs.writeFile(path.join(dir, name('md5sums.txt')), `${md5Lines.join('\n')}\n`);
  await fs.writeFile(path.join(dir, name('sha1sums.txt')), `${sha1Lines.join('\n')}\n`);
  await fs.writeFile(path.join(dir, 'dumpstatus.json'), JSON.stringify({ jobs: status, version: DUMPSTATUS_VERSION }));
  return { dir, wiki, date, files };
}
