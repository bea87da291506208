/**
 * Reads a wiki's `image` table dump (`*-image.sql.gz`, gzipped or not) as a stream of
 * files: name, size and SHA-1 (hex). The column order comes from the dump's own CREATE
 * TABLE statement, so dumps of other MediaWiki versions read the same way.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SeedbankError } from '../../../shared/errors.ts';
import { base36ToHexSha1 } from './base36-sha1.ts';
import { SqlDumpTokenizer, type SqlValue } from './sql-values-tokenizer.ts';

/** One row of the image table, as coverage needs it. */
export interface ImageRow {
  /** The file name with underscores, as MediaWiki stores it. */
  name: string;
  size: number;
  /** Hex SHA-1; null when the wiki has none recorded (img_sha1 empty). */
  sha1: string | null;
}

const IMAGE_TABLE = 'image';
const NEEDED = ['img_name', 'img_size', 'img_sha1'] as const;
const GZIP_MAGIC = [0x1f, 0x8b];
/** Read size of the dump file: large enough that per-chunk overhead is negligible. */
const READ_CHUNK_BYTES = 1024 * 1024;

async function isGzip(file: string): Promise<boolean> {
  const h = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await h.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === GZIP_MAGIC[0] && buffer[1] === GZIP_MAGIC[1];
  } finally {
    await h.close();
  }
}

/** Opens the dump as a text stream (gunzipped when it is gzip). */
export async function openDumpText(file: string): Promise<Readable> {
  const raw = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  const stream = (await isGzip(file)) ? raw.pipe(createGunzip({ chunkSize: READ_CHUNK_BYTES })) : raw;
  raw.on('error', (err) => stream.destroy(err));
  stream.setEncoding('utf8');
  return stream;
}

/**
 * Streams every row of the image table to `onBatch` (one batch per chunk read, so a caller that
 * writes output can await back-pressure between batches); resolves with the row count.
 */
export async function readImageDump(file: string, onBatch: (rows: ImageRow[]) => Promise<void> | void): Promise<number> {
  let index: { name: number; size: number; sha1: number } | null = null;
  let keep: boolean[] | null = null;
  let batch: ImageRow[] = [];
  let count = 0;
  const toRow = (values: (SqlValue | undefined)[]): ImageRow => {
    const sha1 = values[index!.sha1];
    return { name: String(values[index!.name] ?? ''), size: Number(values[index!.size] ?? 0), sha1: typeof sha1 === 'string' && sha1 !== '' ? base36ToHexSha1(sha1) : null };
  };
  const tokenizer = new SqlDumpTokenizer(
    {
      onCreateTable(table, columns) {
        if (table !== IMAGE_TABLE) return;
        const at = NEEDED.map((c) => columns.indexOf(c));
        if (at.some((i) => i < 0)) {
          throw new SeedbankError('DUMP_INVALID', `the image table has no column ${NEEDED.filter((_, k) => at[k]! < 0).join(', ')}`, { hint: 'is this a MediaWiki image table dump?' });
        }
        index = { name: at[0]!, size: at[1]!, sha1: at[2]! };
        keep = [];
        for (const i of at) keep[i] = true;
      },
      onRow(table, values) {
        if (table !== IMAGE_TABLE) return;
        if (!index) throw new SeedbankError('DUMP_INVALID', 'rows of the image table come before its CREATE TABLE statement', { hint: 'give the whole dump, header included' });
        batch.push(toRow(values));
      },
    },
    (table) => (table === IMAGE_TABLE ? keep : []),
  );
  for await (const chunk of await openDumpText(file)) {
    tokenizer.push(chunk as string);
    if (batch.length === 0) continue;
    const rows = batch;
    batch = [];
    count += rows.length;
    await onBatch(rows);
  }
  if (!tokenizer.atStatementBoundary) throw new SeedbankError('DUMP_TRUNCATED', `${file} ends inside a statement`, { hint: 'the download may be incomplete' });
  if (!index) throw new SeedbankError('DUMP_INVALID', `${file} has no CREATE TABLE \`image\``, { hint: 'is this a MediaWiki image table dump?' });
  return count;
}
