// npm run bench:dump-read -- [--rows N] [--runs N]
// Reading a Wikimedia-style image table dump: a synthetic `image.sql.gz` of N rows (10 million
// by default; seeded PRNG, realistic names with quotes, backslashes, UTF-8, commas and
// parentheses; every column of the table filled) is generated once into a cache folder, then
// timed in the same run: (1) zlib alone inflating it, (2) the shared dump reader giving each
// row's name, size and SHA-1 (as coverage and the builder ask for them), (3) whole-wiki
// coverage over it. Prints rows/s and the reader's time against inflate-only.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { imageDumpCoverage } from '../clients/restore/coverage/coverage.ts';
import { writeGzipDumpOnce } from './gzip-dump.ts';
import { DUMP_CHUNK_BYTES, readSqlDump } from '../shared/dumps/sql-dump-reader.ts';
import { prng } from '../shared/prng.ts';
import { ByteStrings } from '../services/set-builder/listing/byte-strings.ts';
import { readImageFacts } from '../services/set-builder/listing/dump-image-facts.ts';
import { IMAGE_TABLE_DDL, imageTuple, syntheticImage } from '../test/fixtures/image-table.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000000' }, runs: { type: 'string', default: '1' } } });
const ROWS = Number(values.rows);
/** Rows per INSERT statement: Wikimedia's dumps put about 1 MB in each. */
const ROWS_PER_STATEMENT = 2000;
const CACHE_DIR = path.join(os.tmpdir(), 'seedbank-bench-cache');
const SEED = 12;

/** Writes the synthetic dump once and reuses it afterwards. */
async function syntheticDump(rows: number): Promise<string> {
  const file = path.join(CACHE_DIR, `image-synthetic-${SEED}-${rows}.sql.gz`);
  const rand = prng(SEED);
  const { written, ms } = await writeGzipDumpOnce(file, {
    header: `-- MySQL dump 10.19 (synthetic, seedbank bench)\n/*!40101 SET NAMES binary */;\nDROP TABLE IF EXISTS \`image\`;\n${IMAGE_TABLE_DDL}/*!40000 ALTER TABLE \`image\` DISABLE KEYS */;\n`,
    rows,
    rowsPerStatement: ROWS_PER_STATEMENT,
    tuple: (j) => imageTuple(syntheticImage(rand, j)),
    footer: '/*!40000 ALTER TABLE `image` ENABLE KEYS */;\n-- Dump completed\n',
  });
  if (written) console.log(`generated ${file} in ${(ms / 1000).toFixed(1)} s`);
  return file;
}

async function inflateOnly(file: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: DUMP_CHUNK_BYTES }).pipe(createGunzip({ chunkSize: DUMP_CHUNK_BYTES }))) bytes += (chunk as Buffer).length;
  return { ms: performance.now() - started, bytes };
}

async function reader(file: string): Promise<{ ms: number; rows: number; check: number }> {
  const started = performance.now();
  let check = 0;
  const { rows } = await readSqlDump(file, {
    table: 'image',
    columns: ['img_name', 'img_size', 'img_sha1'],
    onRow: (row) => {
      // Use every value so nothing is optimised away: names' lengths, sizes, SHA-1s' first char.
      check = (check + row.text(0).length + row.number(1) + row.text(2).charCodeAt(0)) % 1_000_000_007;
    },
  });
  return { ms: performance.now() - started, rows, check };
}

/**
 * The builder's dump listing over the same file: every row's name looked up by its bytes in a
 * page table (here of every 10th name, made from the first pass's names), the facts of the
 * found ones kept in typed arrays.
 */
async function listingRead(file: string): Promise<{ ms: number; found: number }> {
  const names = new ByteStrings();
  let j = 0;
  await readSqlDump(file, { table: 'image', columns: ['img_name'], onRow: (row) => void (j++ % 10 === 0 && names.add(row.bytes(0))) });
  const started = performance.now();
  const { facts } = await readImageFacts(file, names.size, (name) => names.find(name));
  return { ms: performance.now() - started, found: facts.count };
}

async function coverage(file: string): Promise<{ ms: number; rows: number }> {
  const started = performance.now();
  const r = await imageDumpCoverage({ dumpFile: file, copies: new Map([['0'.repeat(40), 1]]), missingListFile: null });
  return { ms: performance.now() - started, rows: r.files };
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en');
const file = await syntheticDump(ROWS);
const size = (await stat(file)).size;
console.log(`dump: ${ROWS.toLocaleString('en')} rows, ${(size / 1e6).toFixed(0)} MB gzipped; node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}`);
for (let run = 1; run <= Number(values.runs); run++) {
  const inflate = await inflateOnly(file);
  const read = await reader(file);
  if (read.rows !== ROWS) throw new Error(`the reader saw ${read.rows} rows, the dump has ${ROWS}`);
  const cov = await coverage(file);
  if (cov.rows !== ROWS) throw new Error(`coverage saw ${cov.rows} rows, the dump has ${ROWS}`);
  const listing = await listingRead(file);
  console.log(`run ${run} (load ${os.loadavg()[0]!.toFixed(1)}):`);
  console.log(`  inflate only:  ${(inflate.ms / 1000).toFixed(1)} s, ${(inflate.bytes / 1e6 / (inflate.ms / 1000)).toFixed(0)} MB/s of SQL, ${rate(ROWS, inflate.ms)} rows/s`);
  console.log(`  dump reader:   ${(read.ms / 1000).toFixed(1)} s, ${rate(ROWS, read.ms)} rows/s (name, size, sha1)`);
  console.log(`  coverage:      ${(cov.ms / 1000).toFixed(1)} s, ${rate(ROWS, cov.ms)} rows/s`);
  console.log(`  listing read:  ${(listing.ms / 1000).toFixed(1)} s, ${rate(ROWS, listing.ms)} rows/s (name looked up by bytes; facts of ${listing.found.toLocaleString('en')} kept)`);
  console.log(`  ratio reader/inflate time: ${(read.ms / inflate.ms).toFixed(2)}; coverage/inflate: ${(cov.ms / inflate.ms).toFixed(2)}; listing/inflate: ${(listing.ms / inflate.ms).toFixed(2)} (target: at least 500,000 rows/s or within 2x of inflate)`);
}
