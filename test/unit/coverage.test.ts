// The pieces of whole-wiki coverage that need no network (the dump parser has its own test,
// sql-dump-reader.test.ts): base-36 SHA-1s, and the dump reader over gzipped and plain files; plus restore's names.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base36ToHexSha1, hexToBase36Sha1 } from '../../shared/dumps/base36-sha1.ts';
import { imageDumpCoverage } from '../../clients/restore/coverage/coverage.ts';
import { readImageDump, type ImageRow } from '../../clients/restore/coverage/image-dump.ts';
import { safeFileName, safeFileNames } from '../../clients/restore/safe-name.ts';
import { titleMatcher } from '../../clients/restore/title-glob.ts';

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
  \`img_description_id\` bigint(20) unsigned NOT NULL,
  \`img_sha1\` varbinary(32) NOT NULL DEFAULT '',
  PRIMARY KEY (\`img_name\`),
  KEY \`img_sha1\` (\`img_sha1\`(10))
) ENGINE=InnoDB DEFAULT CHARSET=binary;
`;

describe('base-36 SHA-1s as MediaWiki stores them', () => {
  it('converts a real file\'s SHA-1 both ways (the well-known empty file and a small one)', () => {
    const empty = createHash('sha1').update('').digest('hex');
    expect(hexToBase36Sha1(empty)).toBe('phoiac9h4m842xq45sp7s6u21eteeq1');
    expect(base36ToHexSha1('phoiac9h4m842xq45sp7s6u21eteeq1')).toBe(empty);
    const small = createHash('sha1').update('Seedbank test file\n').digest('hex');
    expect(small).toBe('cbfd140ace15b859934e58e3364308673061f9cc');
    expect(hexToBase36Sha1(small)).toBe('ntt9tb2vjzrvusogvt4578635zfnyks');
    expect(base36ToHexSha1('NTT9TB2VJZRVUSOGVT4578635ZFNYKS')).toBe(small);
  });

  it('keeps leading zeros and refuses what is not a SHA-1', () => {
    const low = `000000${'1'.repeat(34)}`;
    expect(base36ToHexSha1(hexToBase36Sha1(low))).toBe(low);
    expect(base36ToHexSha1('')).toBeNull();
    expect(base36ToHexSha1('not-base-36')).toBeNull();
    expect(base36ToHexSha1('z'.repeat(31))).toBeNull();
  });
});

describe('reading an image table dump', () => {
  let dir: string;
  const sha = (s: string) => createHash('sha1').update(s).digest('hex');
  const body = `${HEADER}INSERT INTO \`image\` VALUES ('A.jpg',10,1,'',1,'${hexToBase36Sha1(sha('a'))}'),('B_(x),y.jpg',20,1,'',1,'${hexToBase36Sha1(sha('b'))}');
INSERT INTO \`image\` VALUES ('C\\'s.jpg',30,1,'',1,'${hexToBase36Sha1(sha('c'))}'),('D.jpg',40,1,'',1,'');
`;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-coverage-'));
    await writeFile(path.join(dir, 'dump.sql'), body);
    await writeFile(path.join(dir, 'dump.sql.gz'), gzipSync(body));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads gzipped and plain dumps alike, columns found by name', async () => {
    for (const f of ['dump.sql', 'dump.sql.gz']) {
      const rows: ImageRow[] = [];
      expect(await readImageDump(path.join(dir, f), (b) => void rows.push(...b))).toBe(4);
      expect(rows).toEqual([
        { name: 'A.jpg', size: 10, sha1: sha('a') },
        { name: 'B_(x),y.jpg', size: 20, sha1: sha('b') },
        { name: "C's.jpg", size: 30, sha1: sha('c') },
        { name: 'D.jpg', size: 40, sha1: null },
      ]);
    }
  });

  it('tallies files and bytes per copy level and lists the files without a copy', async () => {
    const list = path.join(dir, 'missing.tsv');
    const r = await imageDumpCoverage({ dumpFile: path.join(dir, 'dump.sql.gz'), copies: new Map([[sha('a'), 3], [sha('b'), 1], [sha('c'), 0]]), missingListFile: list });
    expect(r.files).toBe(4);
    expect(r.bytes).toBe(100);
    expect(r.inSets).toEqual({ files: 3, bytes: 60 }); // C's.jpg is in a set but has no copy
    expect(r.levels).toEqual([{ atLeast: 1, files: 2, bytes: 30 }, { atLeast: 2, files: 1, bytes: 10 }, { atLeast: 3, files: 1, bytes: 10 }]);
    expect(r.uncovered).toMatchObject({ files: 2, bytes: 70 });
    expect(await readFile(list, 'utf8')).toBe(`C's.jpg\t30\t${sha('c')}\nD.jpg\t40\t\n`);
  });

  it('refuses a truncated dump', async () => {
    await writeFile(path.join(dir, 'cut.sql'), body.slice(0, body.length - 30));
    await expect(readImageDump(path.join(dir, 'cut.sql'), () => undefined)).rejects.toThrow(/ends inside a statement/);
  });
});

describe('restore names', () => {
  it('makes titles safe file names, distinct when they clash', () => {
    expect(safeFileName('File:Île de la Cité.jpg')).toBe('Île de la Cité.jpg');
    expect(safeFileName('File:A/B: "c"?.png')).toBe('A_B_ _c__.png');
    expect(Buffer.byteLength(safeFileName(`File:${'é'.repeat(300)}.jpg`))).toBeLessThanOrEqual(255);
    const names = safeFileNames([{ title: 'File:A:b.jpg', sha1: 'a'.repeat(40) }, { title: 'File:A/b.jpg', sha1: 'b'.repeat(40) }]);
    expect([...names.values()]).toEqual(['A_b.jpg', 'A_b (bbbbbbbbbb).jpg']);
  });

  it('matches --only globs on titles with or without File:, spaces or underscores', () => {
    const m = titleMatcher('*Eiffel_tower*');
    expect(m('File:The Eiffel tower at night.jpg')).toBe(true);
    expect(m('File:Louvre.jpg')).toBe(false);
    expect(titleMatcher('File:b?rd [0-9].jpg')('File:Bird 7.jpg')).toBe(true);
  });
});
