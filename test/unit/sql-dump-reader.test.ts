// The byte-level MySQL dump parser (shared/dumps): tricky values, chunk boundaries at every
// offset, columns by name from CREATE TABLE, and the refusals of a bad or cut dump.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { SqlDumpParser, readSqlDump, type SqlValue } from '../../shared/dumps/sql-dump-reader.ts';
import { prng } from '../../shared/prng.ts';
import { IMAGE_TABLE_DDL, imageTuple, syntheticImage } from '../fixtures/image-table.ts';

const HEADER = `-- MySQL dump 10.19  Distrib 10.3.39-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: 10.64.0.1    Database: testwiki
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
DROP TABLE IF EXISTS \`image\`;
CREATE TABLE \`image\` (
  \`img_name\` varbinary(255) NOT NULL DEFAULT '',
  \`img_size\` bigint(20) unsigned NOT NULL DEFAULT 0,
  \`img_width\` int(11) NOT NULL DEFAULT 0,
  \`img_metadata\` mediumblob NOT NULL,
  \`img_description_id\` bigint(20) signed NOT NULL,
  \`img_sha1\` varbinary(32) NOT NULL DEFAULT '',
  PRIMARY KEY (\`img_name\`),
  KEY \`img_sha1\` (\`img_sha1\`(10))
) ENGINE=InnoDB DEFAULT CHARSET=binary;
`;
const ALL = ['img_name', 'img_size', 'img_width', 'img_metadata', 'img_description_id', 'img_sha1'];

const TRICKY = `${HEADER}/*!40000 ALTER TABLE \`image\` DISABLE KEYS */;
INSERT INTO \`other\` VALUES (1,'x);('),(2,'y');
INSERT INTO \`image\` VALUES ('O\\'Brien\\'s_(1990),_a,b.jpg',12345,640,'a:1:{s:1:\\"x\\";i:0;}',1,'phoiac9h4m842xq45sp7s6u21eteeq1'),('Île_de_la_Cité_—_日本.png',0,NULL,'it''s ) ( ; quoted',-2,''),('Back\\\\slash\\nnewline\\t.gif',1.5e3,3,_binary '\\0\\Z\\r\u00ff\\%\\_',-9007199254740991,'ntt9tb2vjzrvusogvt4578635zfnyks');
INSERT INTO \`image\` VALUES ( 'spaced' , 7 , 8 , '' , 9 , 'z' ) ;
-- Dump completed on 2024-01-02  3:04:05
`;
const EXPECTED: SqlValue[][] = [
  ["O'Brien's_(1990),_a,b.jpg", 12345, 640, 'a:1:{s:1:"x";i:0;}', 1, 'phoiac9h4m842xq45sp7s6u21eteeq1'],
  ['Île_de_la_Cité_—_日本.png', 0, null, "it's ) ( ; quoted", -2, ''],
  ['Back\\slash\nnewline\t.gif', 1500, 3, '\0\x1a\rÿ\\%\\_', -9007199254740991, 'ntt9tb2vjzrvusogvt4578635zfnyks'],
  ['spaced', 7, 8, '', 9, 'z'],
];

/** Parses bytes fed in pieces of `chunk` bytes (or at the given split points); returns every value of every row. */
function parse(bytes: Buffer, splits: number[], columns?: string[], table = 'image'): { rows: SqlValue[][]; columns: string[] | null } {
  const rows: SqlValue[][] = [];
  const width = columns?.length ?? ALL.length;
  const p = new SqlDumpParser({ table, columns, onRow: (r) => rows.push(Array.from({ length: width }, (_, k) => r.value(k))) });
  let at = 0;
  for (const s of [...splits, bytes.length]) {
    p.push(bytes.subarray(at, s));
    at = s;
  }
  p.end();
  return { rows, columns: p.columns };
}

describe('the MySQL dump parser', () => {
  const bytes = Buffer.from(TRICKY);

  it('reads escaped and doubled quotes, \\\\, NULL, negative numbers, binary-ish bytes, commas and parentheses, UTF-8', () => {
    const r = parse(bytes, []);
    expect(r.columns).toEqual(ALL);
    expect(r.rows).toEqual(EXPECTED);
  });

  it('gives the same rows whatever the chunk boundary: a split at every byte offset', () => {
    for (let s = 1; s < bytes.length; s++) expect(parse(bytes, [s]).rows, `split at byte ${s}`).toEqual(EXPECTED);
  });

  it('gives the same rows fed one byte at a time', () => {
    expect(parse(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)).rows).toEqual(EXPECTED);
  });

  it('reads a value longer than the join window that straddles two large chunks', () => {
    const big = `${'x'.repeat(200_000)}\\'${'é'.repeat(50_000)}`;
    const dump = Buffer.from(`${HEADER}INSERT INTO \`image\` VALUES ('a',1,2,'${big}',3,'s'),('b',4,5,'',6,'t');\n`);
    const expected = [['a', 1, 2, `${'x'.repeat(200_000)}'${'é'.repeat(50_000)}`, 3, 's'], ['b', 4, 5, '', 6, 't']];
    for (const s of [HEADER.length + 40, HEADER.length + 100_000, dump.length - 20]) expect(parse(dump, [s], undefined).rows).toEqual(expected);
  });

  it('gives a value as bytes with its escapes undone, the same bytes its text encodes, at any chunk boundary', () => {
    const expected = EXPECTED.map((row) => Buffer.from(row[0] as string).toString('hex'));
    for (const s of [0, 200, 400, bytes.length - 100]) {
      const seen: string[] = [];
      const p = new SqlDumpParser({ table: 'image', columns: ['img_name'], onRow: (r) => seen.push(Buffer.from(r.bytes(0)).toString('hex')) });
      p.push(bytes.subarray(0, s));
      p.push(bytes.subarray(s));
      p.end();
      expect(seen, `split at byte ${s}`).toEqual(expected);
    }
  });

  it('reads only the columns asked for, by name, in the order asked', () => {
    const r = parse(bytes, [], ['img_sha1', 'img_name']);
    expect(r.rows).toEqual(EXPECTED.map((row) => [row[5], row[0]]));
  });

  it('reads other tables of the same dump by name', () => {
    const dump = Buffer.from(`CREATE TABLE \`other\` (\n  \`id\` int(11),\n  \`v\` blob\n);\n${TRICKY}`);
    expect(parse(dump, [], ['v', 'id'], 'other').rows).toEqual([['x);(', 1], ['y', 2]]);
  });

  it('follows an INSERT column list (mysqldump --complete-insert)', () => {
    const dump = Buffer.from(`${HEADER}INSERT INTO \`image\` (\`img_sha1\`, \`img_name\`) VALUES ('s1','A.jpg'),('s2','B.jpg');\n`);
    expect(parse(dump, [], ['img_name', 'img_sha1']).rows).toEqual([['A.jpg', 's1'], ['B.jpg', 's2']]);
  });

  it('round-trips 2,000 synthetic rows split at random places', () => {
    const rand = prng(7);
    const files = Array.from({ length: 2000 }, (_, i) => syntheticImage(rand, i));
    const dump = Buffer.from(`${IMAGE_TABLE_DDL}INSERT INTO \`image\` VALUES ${files.slice(0, 999).map(imageTuple).join(',')};\nINSERT INTO \`image\` VALUES ${files.slice(999).map(imageTuple).join(',')};\n`);
    const splits: number[] = [];
    for (let at = 0; at < dump.length; at += 1 + Math.floor(rand() * 300)) if (at > 0) splits.push(at);
    const r = parse(dump, splits, ['img_name', 'img_size', 'img_sha1']);
    expect(r.rows).toEqual(files.map((f) => [f.name, f.size, f.sha1]));
  });

  it('refuses a dump cut inside a statement, one without the CREATE TABLE, a missing column and rows before the header', () => {
    expect(() => parse(bytes.subarray(0, bytes.length - 60), [])).toThrow(/ends inside a statement/);
    expect(() => parse(Buffer.from("INSERT INTO `x` VALUES (1);\n"), [])).toThrow(/has no CREATE TABLE `image`/);
    expect(() => parse(bytes, [], ['img_name', 'img_timestamp'])).toThrow(/has no column img_timestamp/);
    expect(() => parse(Buffer.from("INSERT INTO `image` VALUES ('a');\n"), [])).toThrow(/before its CREATE TABLE/);
    expect(() => parse(Buffer.from(`${HEADER}INSERT INTO \`image\` VALUES ('a',1);\n`), [])).toThrow(/has 2 values but the table has 6 columns/);
    expect(() => parse(Buffer.from(`${HEADER}INSERT INTO \`image\` VALUES ();\n`), [])).toThrow(/has 0 values but the table has 6 columns/);
  });
});

describe('reading a dump file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-sql-dump-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads gzipped and plain files alike and says which file is missing', async () => {
    await writeFile(path.join(dir, 'd.sql'), TRICKY);
    await writeFile(path.join(dir, 'd.sql.gz'), gzipSync(TRICKY));
    for (const f of ['d.sql', 'd.sql.gz']) {
      const names: string[] = [];
      const r = await readSqlDump(path.join(dir, f), { table: 'image', columns: ['img_name'], onRow: (row) => names.push(row.text(0)) });
      expect(r).toEqual({ rows: 4, columns: ALL });
      expect(names).toEqual(EXPECTED.map((row) => row[0]));
    }
    await expect(readSqlDump(path.join(dir, 'absent.sql.gz'), { table: 'image', onRow: () => undefined })).rejects.toThrow(/cannot read .*absent\.sql\.gz/);
  });
});
