/**
 * Reads one table of a MySQL dump file (Wikimedia's `<wiki>-<date>-<table>.sql.gz`, gzipped or
 * not) with the byte-level SqlDumpParser: restore's coverage and the builder's dump listing use it.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { SeedbankError } from '../errors.ts';
import { SqlDumpParser, type SqlDumpReadOptions } from './sql-dump-parser.ts';

export { SqlDumpParser, columnsOfCreateTable, type SqlDumpReadOptions, type SqlRow, type SqlValue } from './sql-dump-parser.ts';

const GZIP_MAGIC = [0x1f, 0x8b];
/** Read and inflate size: large enough that per-chunk overhead is negligible. */
export const DUMP_CHUNK_BYTES = 1024 * 1024;

async function isGzip(file: string): Promise<boolean> {
  const h = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await h.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === GZIP_MAGIC[0] && buffer[1] === GZIP_MAGIC[1];
  } finally {
    await h.close();
  }
}

/** Opens a dump file as a byte stream, gunzipped when it is gzip. */
export async function openDumpBytes(file: string): Promise<Readable> {
  // Opening for the magic bytes first makes a missing file an error here, not an unhandled stream event.
  const gzip = await isGzip(file);
  const raw = createReadStream(file, { highWaterMark: DUMP_CHUNK_BYTES });
  if (!gzip) return raw;
  // A few chunks of read-ahead let zlib (on libuv's thread pool) inflate while this thread parses;
  // zlib hands its options to the Transform, whose stream options @types/node leaves out of ZlibOptions.
  const options = { chunkSize: DUMP_CHUNK_BYTES, readableHighWaterMark: 4 * DUMP_CHUNK_BYTES };
  const gunzip = createGunzip(options);
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

/**
 * Reads every row of one table of a dump file; `afterChunk` is awaited after each chunk's rows
 * (so a caller that writes output can wait for back-pressure). Resolves with the row count and the table's columns.
 */
export async function readSqlDump(file: string, o: SqlDumpReadOptions & { afterChunk?: () => Promise<void> | void; headerOnly?: boolean }): Promise<{ rows: number; columns: string[] }> {
  const parser = new SqlDumpParser(o);
  let stream: Readable;
  try {
    stream = await openDumpBytes(file);
  } catch (err) {
    throw new SeedbankError('DUMP_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, { hint: 'give the path of a *.sql.gz dump file', cause: err });
  }
  for await (const chunk of stream) {
    parser.push(chunk as Buffer);
    // headerOnly: the table's columns are all the caller wants (rows of this chunk may have been seen).
    if (o.headerOnly && parser.columns !== null) {
      stream.destroy();
      return { rows: parser.rows, columns: parser.columns };
    }
    await o.afterChunk?.();
  }
  parser.end(file);
  return { rows: parser.rows, columns: parser.columns! };
}
