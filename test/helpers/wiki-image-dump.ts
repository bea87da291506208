// A mysqldump-style dump of a fixture wiki's real `image` table (every column, read from its
// SQLite database with the sqlite3 CLI), gzipped as Wikimedia publishes `*-image.sql.gz`.
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { IMAGE_TABLE_DDL, sqlString } from '../fixtures/image-table.ts';
import { runTool } from './run-cli.ts';

/** The image table's columns in IMAGE_TABLE_DDL's order; numbers are written bare, the rest quoted. */
const COLUMNS: Array<[string, 'num' | 'text']> = [
  ['img_name', 'text'], ['img_size', 'num'], ['img_width', 'num'], ['img_height', 'num'], ['img_metadata', 'text'], ['img_bits', 'num'],
  ['img_media_type', 'text'], ['img_major_mime', 'text'], ['img_minor_mime', 'text'], ['img_description_id', 'num'], ['img_actor', 'num'],
  ['img_timestamp', 'text'], ['img_sha1', 'text'],
];
const ROWS_PER_INSERT = 10;

/** Writes the wiki's image table as a gzipped MySQL dump (several INSERT statements); resolves with the row count. */
export async function dumpImageTable(wiki: Wiki, file: string): Promise<number> {
  const dbDir = path.join(wiki.dir, 'db');
  const select = `SELECT ${COLUMNS.map(([c, kind]) => (kind === 'text' ? `CAST(${c} AS TEXT) AS ${c}` : c)).join(', ')} FROM image ORDER BY img_name`;
  let rows: Array<Record<string, string | number | null>> | null = null;
  // The wiki's own database is the one holding an image table (the others are caches and queues).
  for (const name of (await readdir(dbDir)).filter((n) => n.endsWith('.sqlite'))) {
    const out = await runTool('sqlite3', ['-readonly', '-json', path.join(dbDir, name), select]).catch(() => null);
    if (out) {
      rows = out.stdout.trim() === '' ? [] : (JSON.parse(out.stdout) as typeof rows);
      break;
    }
  }
  if (rows === null) throw new Error(`no database in ${dbDir} has an image table`);
  const tuple = (r: Record<string, string | number | null>) =>
    `(${COLUMNS.map(([c, kind]) => (r[c] === null ? 'NULL' : kind === 'num' ? String(r[c]) : sqlString(String(r[c])))).join(',')})`;
  let sql = `-- MySQL dump 10.19 (the fixture wiki's image table)\n/*!40101 SET NAMES binary */;\nDROP TABLE IF EXISTS \`image\`;\n${IMAGE_TABLE_DDL}`;
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) sql += `INSERT INTO \`image\` VALUES ${rows.slice(i, i + ROWS_PER_INSERT).map(tuple).join(',')};\n`;
  await writeFile(file, gzipSync(`${sql}-- Dump completed\n`));
  return rows.length;
}
