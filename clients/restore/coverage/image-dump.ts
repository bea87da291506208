/**
 * A wiki's `image` table dump (`*-image.sql.gz`, gzipped or not) as files: name, size and
 * SHA-1. The columns are found by name in the dump's own CREATE TABLE (shared/dumps), so dumps
 * of other MediaWiki versions read the same way.
 */
import { base36ToHexSha1 } from '../../../shared/dumps/base36-sha1.ts';
import { readSqlDump, type SqlRow } from '../../../shared/dumps/sql-dump-reader.ts';

/** One row of the image table, as coverage needs it. */
export interface ImageRow {
  /** The file name with underscores, as MediaWiki stores it. */
  name: string;
  size: number;
  /** Hex SHA-1; null when the wiki has none recorded (img_sha1 empty). */
  sha1: string | null;
}

/** The image table and the columns coverage reads, in the order the row view indexes them. */
export const IMAGE_TABLE = 'image';
export const IMAGE_COLUMNS = ['img_name', 'img_size', 'img_sha1'] as const;
/** Indexes into IMAGE_COLUMNS for SqlRow's accessors. */
export const enum ImageCol {
  Name = 0,
  Size = 1,
  Sha1 = 2,
}

/**
 * Streams every row of the image table to `onRow` as a reused view (no object per row);
 * `afterChunk` is awaited between read chunks. Resolves with the row count.
 */
export async function scanImageDump(file: string, onRow: (row: SqlRow) => void, afterChunk?: () => Promise<void> | void): Promise<number> {
  const { rows } = await readSqlDump(file, { table: IMAGE_TABLE, columns: IMAGE_COLUMNS, onRow, afterChunk });
  return rows;
}

/** Streams every row of the image table as objects, one batch per read chunk; resolves with the row count. */
export async function readImageDump(file: string, onBatch: (rows: ImageRow[]) => Promise<void> | void): Promise<number> {
  let batch: ImageRow[] = [];
  return scanImageDump(
    file,
    (row) => {
      const sha1 = row.text(ImageCol.Sha1);
      batch.push({ name: row.text(ImageCol.Name), size: row.number(ImageCol.Size), sha1: sha1 === '' ? null : base36ToHexSha1(sha1) });
    },
    async () => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      await onBatch(rows);
    },
  );
}
