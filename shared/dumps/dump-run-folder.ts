/**
 * One dump run in a folder, as Wikimedia publishes it (`<wiki>-<YYYYMMDD>-image.sql.gz`,
 * `-page.sql.gz`, `-categorylinks.sql.gz`, `-pages-articles.xml.gz` or `.bz2`, ...): finds the
 * files, refuses a run not marked done (`dumpstatus.json` of a full run, `status.txt` of an
 * adds/changes run) and checks every file used against the run's MD5 and SHA-1 lists.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from '../errors.ts';

/** The dumps a build may read; pages-articles is the XML of current page text. */
export type DumpKind = 'image' | 'page' | 'categorylinks' | 'linktarget' | 'imagelinks' | 'globalimagelinks' | 'geo_tags' | 'pages-articles';

const RUN_FILE = /^([a-z0-9_]+)-(\d{8})-(.+)$/;
const SUFFIX: Array<[DumpKind, RegExp]> = [
  ['image', /^image\.sql(\.gz)?$/],
  ['page', /^page\.sql(\.gz)?$/],
  ['categorylinks', /^categorylinks\.sql(\.gz)?$/],
  ['linktarget', /^linktarget\.sql(\.gz)?$/],
  ['imagelinks', /^imagelinks\.sql(\.gz)?$/],
  ['globalimagelinks', /^globalimagelinks\.sql(\.gz)?$/],
  ['geo_tags', /^geo_tags\.sql(\.gz)?$/],
];
/**
 * The page text, whole (`pages-articles.xml.gz`/`.bz2`), in multistream form, or split as large
 * wikis publish it (`pages-articles1.xml-p1p41242.bz2`, `pages-articles2.xml-p41243p151573.bz2`,
 * …, each part a whole XML document over a page id range).
 */
const PAGES = /^pages-articles(-multistream)?(\d*)\.xml(?:-p(\d+)p(\d+))?(\.gz|\.bz2)?$/;

/** One file of the page text: its flavour and, for a part, its page id range. */
interface PagesFile {
  file: string;
  multistream: boolean;
  range: [number, number] | null;
}
const CHECKSUM_LIST = { md5: /(^|-)md5sums(\.txt)?$/, sha1: /(^|-)sha1sums(\.txt)?$/ } as const;
const HEX = { md5: /^[0-9a-f]{32}$/, sha1: /^[0-9a-f]{40}$/ } as const;

/** A run whose files were found, checked and are ready to read. */
export interface DumpRun {
  dir: string;
  /** The wiki's database name, as the files are named (`commonswiki`). */
  wiki: string;
  /** The run's date, `YYYYMMDD`. */
  date: string;
  /** Path of each dump present in the run (for pages-articles: its first part). */
  files: Partial<Record<DumpKind, string>>;
  /** The page text's files in page id order: one for a whole dump, every part of a split one. */
  pageParts: string[];
  /** How the files were verified: file name → the digests compared. */
  verified: Record<string, Array<'md5' | 'sha1'>>;
}

type Expected = Record<string, { md5?: string; sha1?: string }>;

/**
 * Opens the run in `dir`: one wiki and date, finished, with every dump in `need` present and
 * every present dump of `use` (need plus optional ones) matching the run's checksums.
 */
export async function openDumpRun(dir: string, need: DumpKind[], optional: DumpKind[] = []): Promise<DumpRun> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    throw new SeedbankError('DUMP_RUN_NOT_FOUND', `cannot read the dump folder ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const runs = new Map<string, Partial<Record<DumpKind, string>>>();
  const pagesOf = new Map<string, PagesFile[]>();
  for (const name of names) {
    const m = RUN_FILE.exec(name);
    if (!m) continue;
    const pages = PAGES.exec(m[3]!);
    if (pages) {
      const key = `${m[1]}-${m[2]}`;
      if (!runs.has(key)) runs.set(key, {});
      const range: [number, number] | null = pages[3] ? [Number(pages[3]), Number(pages[4])] : null;
      // A numbered file without a range (pages-articles1.xml.bz2) is a part whose range we cannot check: not used.
      if (pages[2] === '' || range) pagesOf.set(key, [...(pagesOf.get(key) ?? []), { file: path.join(dir, name), multistream: pages[1] !== undefined, range }]);
      continue;
    }
    const kind = SUFFIX.find(([, re]) => re.test(m[3]!))?.[0];
    if (!kind) continue;
    const key = `${m[1]}-${m[2]}`;
    const files = runs.get(key) ?? {};
    // pages-articles.xml.gz and .bz2 side by side: either will do; take the gzip one (faster to read).
    if (files[kind] === undefined || name.endsWith('.gz')) files[kind] = path.join(dir, name);
    runs.set(key, files);
  }
  if (runs.size !== 1) {
    throw new SeedbankError('DUMP_RUN_NOT_FOUND', runs.size === 0 ? `${dir} holds no dump files named <wiki>-<YYYYMMDD>-<dump>` : `${dir} holds files of ${runs.size} dump runs (${[...runs.keys()].join(', ')})`, {
      hint: 'give a folder holding the files of exactly one run, named as Wikimedia publishes them',
    });
  }
  const [key, files] = [...runs.entries()][0]!;
  const [wiki, date] = [key.slice(0, key.lastIndexOf('-')), key.slice(key.lastIndexOf('-') + 1)];
  const pageParts = choosePageParts(pagesOf.get(key) ?? [], `the ${wiki} run of ${date} in ${dir}`);
  if (pageParts.length > 0) files['pages-articles'] = pageParts[0];
  const missing = need.filter((k) => files[k] === undefined);
  if (missing.length > 0) {
    throw new SeedbankError('DUMP_RUN_NOT_FOUND', `the ${wiki} run of ${date} in ${dir} lacks ${missing.map((k) => `${wiki}-${date}-${k}`).join(', ')}`, {
      hint: 'download these dumps of the same run into the folder',
    });
  }
  const used = Object.fromEntries(Object.entries(files).filter(([k]) => need.includes(k as DumpKind) || optional.includes(k as DumpKind))) as DumpRun['files'];
  const readsPages = used['pages-articles'] !== undefined;
  const usedFiles = [...Object.values(used).filter((f) => f !== used['pages-articles']), ...(readsPages ? pageParts : [])];
  const status = await readStatus(dir, names);
  const expected: Expected = { ...status.checksums };
  for (const name of names) {
    for (const algo of ['md5', 'sha1'] as const) if (CHECKSUM_LIST[algo].test(name)) await readChecksumList(path.join(dir, name), algo, expected);
  }
  for (const file of usedFiles) {
    const base = path.basename(file);
    const job = status.jobOf.get(base);
    if (status.kind === 'dumpstatus' && (job === undefined || job.status !== 'done')) {
      throw new SeedbankError('DUMP_RUN_UNFINISHED', job === undefined ? `dumpstatus.json of ${dir} does not list ${base}` : `the ${wiki} run of ${date} is not done: job ${job.name} is "${job.status}"`, {
        hint: 'wait until the run is finished (dumpstatus.json says "done" for the job) and download it again, or use the previous run',
        context: { file: base },
      });
    }
  }
  const verified: DumpRun['verified'] = {};
  for (const file of usedFiles) verified[path.basename(file)] = await verifyFile(file, expected[path.basename(file)]);
  return { dir, wiki, date, files: used, pageParts: readsPages ? pageParts : [], verified };
}

/**
 * The page text files to read: a whole dump if there is one (gzip, then bzip2, then
 * multistream), else every part of one flavour in page id order, refused when the parts leave a
 * gap (a part not downloaded would silently drop its pages).
 */
function choosePageParts(found: PagesFile[], run: string): string[] {
  const rank = (f: PagesFile) => (f.multistream ? 2 : 0) + (f.file.endsWith('.gz') ? 0 : 1);
  const whole = found.filter((f) => f.range === null).sort((a, b) => rank(a) - rank(b));
  if (whole.length > 0) return [whole[0]!.file];
  for (const multistream of [false, true]) {
    const parts = found.filter((f) => f.multistream === multistream).sort((a, b) => a.range![0] - b.range![0]);
    if (parts.length === 0) continue;
    for (let i = 1; i < parts.length; i++) {
      const [prev, next] = [parts[i - 1]!.range!, parts[i]!.range!];
      if (next[0] !== prev[1] + 1) {
        throw new SeedbankError('DUMP_RUN_NOT_FOUND', `${run}: the pages-articles parts ${next[0] <= prev[1] ? 'overlap' : 'leave a gap'} between ${path.basename(parts[i - 1]!.file)} (up to page ${prev[1]}) and ${path.basename(parts[i]!.file)} (from page ${next[0]})`, {
          hint: `download every part of the run's pages-articles${multistream ? '-multistream' : ''} dump into the folder, and no part of another run`,
        });
      }
    }
    return parts.map((p) => p.file);
  }
  return [];
}

interface RunStatus {
  kind: 'dumpstatus' | 'status.txt';
  jobOf: Map<string, { name: string; status: string }>;
  checksums: Expected;
}

/** Reads dumpstatus.json (a full run) or status.txt (an adds/changes run); refuses a run not done. */
async function readStatus(dir: string, names: string[]): Promise<RunStatus> {
  if (names.includes('dumpstatus.json')) {
    let doc: { jobs?: Record<string, { status?: string; files?: Record<string, { md5?: string; sha1?: string }> }> };
    try {
      doc = JSON.parse(await fs.readFile(path.join(dir, 'dumpstatus.json'), 'utf8'));
    } catch (err) {
      throw new SeedbankError('DUMP_RUN_UNFINISHED', `dumpstatus.json in ${dir} cannot be read: ${(err as Error).message}`, { hint: 'download dumpstatus.json of the run again', cause: err });
    }
    const jobOf = new Map<string, { name: string; status: string }>();
    const checksums: Expected = {};
    for (const [name, job] of Object.entries(doc.jobs ?? {})) {
      for (const [file, facts] of Object.entries(job.files ?? {})) {
        jobOf.set(file, { name, status: String(job.status ?? 'unknown') });
        checksums[file] = { md5: facts.md5, sha1: facts.sha1 };
      }
    }
    return { kind: 'dumpstatus', jobOf, checksums };
  }
  if (names.includes('status.txt')) {
    const text = (await fs.readFile(path.join(dir, 'status.txt'), 'utf8')).trim();
    if (text !== 'done') {
      throw new SeedbankError('DUMP_RUN_UNFINISHED', `the run in ${dir} is not done: status.txt says "${text.slice(0, 80)}"`, {
        hint: 'wait until status.txt says "done" and download the run again, or use the previous run',
      });
    }
    return { kind: 'status.txt', jobOf: new Map(), checksums: {} };
  }
  throw new SeedbankError('DUMP_RUN_UNFINISHED', `${dir} has neither dumpstatus.json nor status.txt: nothing says the run is done`, {
    hint: "download the run's dumpstatus.json (full runs) or status.txt (adds/changes runs) with its files",
  });
}

/** Adds the lines of an md5sums/sha1sums list (`<hex>  <file>`) to `expected`. */
async function readChecksumList(file: string, algo: 'md5' | 'sha1', expected: Expected): Promise<void> {
  for (const line of (await fs.readFile(file, 'utf8')).split('\n')) {
    const m = /^([0-9a-fA-F]+)\s+\*?(\S+)\s*$/.exec(line);
    if (!m || !HEX[algo].test(m[1]!.toLowerCase())) continue;
    const entry = (expected[m[2]!] ??= {});
    entry[algo] = m[1]!.toLowerCase();
  }
}

/** Hashes a file once for every digest listed for it; refuses a file with none or a mismatch. */
async function verifyFile(file: string, expected: { md5?: string; sha1?: string } | undefined): Promise<Array<'md5' | 'sha1'>> {
  const base = path.basename(file);
  const algos = (['md5', 'sha1'] as const).filter((a) => expected?.[a] !== undefined && HEX[a].test(expected[a]!));
  if (algos.length === 0) {
    throw new SeedbankError('DUMP_UNVERIFIED', `no checksum of ${base} in the run's md5sums, sha1sums or dumpstatus.json`, {
      hint: "download the run's md5sums and sha1sums files with its dumps",
      context: { file: base },
    });
  }
  const hashes = algos.map((a) => createHash(a));
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) for (const h of hashes) h.update(chunk as Buffer);
  algos.forEach((a, i) => {
    const got = hashes[i]!.digest('hex');
    if (got !== expected![a]) {
      throw new SeedbankError('DUMP_CHECKSUM_MISMATCH', `${base} does not match the run's ${a}: ${got}, listed ${expected![a]}`, {
        hint: 'the file is damaged or incomplete: download it again',
        context: { file: base, algo: a, got, listed: expected![a] },
      });
    }
  });
  return algos;
}
