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
export type DumpKind = 'image' | 'page' | 'categorylinks' | 'linktarget' | 'imagelinks' | 'globalimagelinks' | 'pages-articles';

const RUN_FILE = /^([a-z0-9_]+)-(\d{8})-(.+)$/;
const SUFFIX: Array<[DumpKind, RegExp]> = [
  ['image', /^image\.sql(\.gz)?$/],
  ['page', /^page\.sql(\.gz)?$/],
  ['categorylinks', /^categorylinks\.sql(\.gz)?$/],
  ['linktarget', /^linktarget\.sql(\.gz)?$/],
  ['imagelinks', /^imagelinks\.sql(\.gz)?$/],
  ['globalimagelinks', /^globalimagelinks\.sql(\.gz)?$/],
  ['pages-articles', /^pages-articles\.xml(\.gz|\.bz2)?$/],
];
const CHECKSUM_LIST = { md5: /(^|-)md5sums(\.txt)?$/, sha1: /(^|-)sha1sums(\.txt)?$/ } as const;
const HEX = { md5: /^[0-9a-f]{32}$/, sha1: /^[0-9a-f]{40}$/ } as const;

/** A run whose files were found, checked and are ready to read. */
export interface DumpRun {
  dir: string;
  /** The wiki's database name, as the files are named (`commonswiki`). */
  wiki: string;
  /** The run's date, `YYYYMMDD`. */
  date: string;
  /** Path of each dump present in the run. */
  files: Partial<Record<DumpKind, string>>;
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
  for (const name of names) {
    const m = RUN_FILE.exec(name);
    if (!m) continue;
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
  const missing = need.filter((k) => files[k] === undefined);
  if (missing.length > 0) {
    throw new SeedbankError('DUMP_RUN_NOT_FOUND', `the ${wiki} run of ${date} in ${dir} lacks ${missing.map((k) => `${wiki}-${date}-${k}`).join(', ')}`, {
      hint: 'download these dumps of the same run into the folder',
    });
  }
  const used = Object.fromEntries(Object.entries(files).filter(([k]) => need.includes(k as DumpKind) || optional.includes(k as DumpKind))) as DumpRun['files'];
  const status = await readStatus(dir, names);
  const expected: Expected = { ...status.checksums };
  for (const name of names) {
    for (const algo of ['md5', 'sha1'] as const) if (CHECKSUM_LIST[algo].test(name)) await readChecksumList(path.join(dir, name), algo, expected);
  }
  for (const file of Object.values(used)) {
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
  for (const file of Object.values(used)) verified[path.basename(file)] = await verifyFile(file, expected[path.basename(file)]);
  return { dir, wiki, date, files: used, verified };
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
