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

/** Dumps a MariaDB fixture wiki into `dir` as one finished run dated `date` (YYYYMMDD). */
export async function writeDumpRun(wiki: Wiki, dir: string, date: string): Promise<DumpRunFiles> {
  if (!wiki.mariadb) throw new Error('writeDumpRun needs a wiki started with { database: "mariadb" }');
  const { server, dbName } = wiki.mariadb;
  await fs.mkdir(dir, { recursive: true });
  const name = (suffix: string) => `${dbName}-${date}-${suffix}`;
  const jobs: Array<[job: string, file: string]> = [];
  const t0 = performance.now();
  for (const [table, job] of TABLE_JOBS) {
    await server.dumpTable(dbName, table, path.join(dir, name(`${table}.sql.gz`)));
    jobs.push([job, name(`${table}.sql.gz`)]);
  }
  const tXml = performance.now();
  // Content namespaces without talk pages, current revisions only: what pages-articles holds.
  const xml = name('pages-articles.xml.gz');
  await wiki.php('dumpBackup.php', ['--current', '--quiet', '--filter=notalk', `--output=gzip:${path.join(dir, xml)}`], { timeoutMs: XML_DUMP_TIMEOUT_MS });
  jobs.push(['articlesdump', xml]);
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
    status[job] = { status: 'done', updated, files: { [file]: { size: d.size, url: `/${wiki}/${date}/${file}`, md5: d.md5, sha1: d.sha1 } } };
  }
  await fs.writeFile(path.join(dir, name('md5sums.txt')), `${md5Lines.join('\n')}\n`);
  await fs.writeFile(path.join(dir, name('sha1sums.txt')), `${sha1Lines.join('\n')}\n`);
  await fs.writeFile(path.join(dir, 'dumpstatus.json'), JSON.stringify({ jobs: status, version: DUMPSTATUS_VERSION }));
  return { dir, wiki, date, files };
}
