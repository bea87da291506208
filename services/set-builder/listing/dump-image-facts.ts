/**
 * File facts from a run's image dump, for the files a listing wants only, kept in typed
 * arrays by slot (the listing numbers its wanted files 0…n-1): size, 20-byte SHA-1, MIME type
 * by number, 14-digit timestamp. About 45 bytes a file, against a few hundred for an object
 * with three strings; the strings are made when the file's record is.
 */
import { base36Sha1ToBytes, SHA1_BYTES } from '../../../shared/dumps/base36-sha1.ts';
import { readSqlDump } from '../../../shared/dumps/sql-dump-reader.ts';
import { isoTimestamp, type ImageFacts } from './dump-tables.ts';

/** MediaWiki's timestamps are 14 digits (YYYYMMDDHHMMSS). */
const TIMESTAMP_BYTES = 14;
const SPACE = 0x20;

/** The image facts of the wanted files, by slot. */
export class ImageFactsTable {
  private readonly present: Uint8Array;
  private readonly size: Float64Array;
  private readonly sha1: Buffer;
  private readonly mime: Uint16Array;
  private readonly timestamp: Buffer;
  /** MIME types by number (a few dozen on Commons: one string each). */
  private readonly mimes: string[] = [];
  private readonly mimeNumber = new Map<string, number>();
  /** Slots with facts. */
  count = 0;

  constructor(slots: number) {
    this.present = new Uint8Array(slots);
    this.size = new Float64Array(slots);
    this.sha1 = Buffer.alloc(slots * SHA1_BYTES);
    this.mime = new Uint16Array(slots);
    this.timestamp = Buffer.alloc(slots * TIMESTAMP_BYTES, SPACE);
  }

  /** Says whether the image dump had a usable row for this slot. */
  has(slot: number): boolean {
    return this.present[slot] === 1;
  }

  /** The facts of a slot, as the manifest writes them. */
  get(slot: number): ImageFacts {
    const ts = this.timestamp.toString('latin1', slot * TIMESTAMP_BYTES, (slot + 1) * TIMESTAMP_BYTES).trimEnd();
    return { size: this.size[slot]!, sha1: this.sha1.toString('hex', slot * SHA1_BYTES, (slot + 1) * SHA1_BYTES), mime: this.mimes[this.mime[slot]!]!, timestamp: isoTimestamp(ts) };
  }

  /** Records one row; false when its SHA-1 is not a valid base-36 SHA-1 (the slot is left without facts). */
  set(slot: number, size: number, sha1Base36: Uint8Array, mime: string, timestamp: Uint8Array): boolean {
    if (!base36Sha1ToBytes(sha1Base36, this.sha1, slot * SHA1_BYTES)) return false;
    let m = this.mimeNumber.get(mime);
    if (m === undefined) {
      this.mimeNumber.set(mime, (m = this.mimes.length));
      this.mimes.push(mime);
    }
    if (!this.present[slot]) this.count++;
    this.present[slot] = 1;
    this.size[slot] = size;
    this.mime[slot] = m;
    this.timestamp.fill(SPACE, slot * TIMESTAMP_BYTES, (slot + 1) * TIMESTAMP_BYTES);
    this.timestamp.set(timestamp.subarray(0, TIMESTAMP_BYTES), slot * TIMESTAMP_BYTES);
    return true;
  }

  /** Bytes the table holds, for the benchmark's account of what is live. */
  get bytesHeld(): number {
    return this.present.byteLength + this.size.byteLength + this.sha1.byteLength + this.mime.byteLength + this.timestamp.byteLength;
  }
}

/**
 * Reads the image rows of the files `slotOf` gives a slot for (asked with the name's bytes,
 * underscores, a view valid during the call). A row without a valid SHA-1 (old files whose hash
 * MediaWiki never computed) cannot be verified after download: it is left out and its name
 * counted, not allowed to stop the build.
 */
export async function readImageFacts(file: string, slots: number, slotOf: (name: Uint8Array) => number): Promise<{ facts: ImageFactsTable; withoutSha1: string[] }> {
  const facts = new ImageFactsTable(slots);
  const withoutSha1: string[] = [];
  await readSqlDump(file, {
    table: 'image',
    columns: ['img_name', 'img_size', 'img_major_mime', 'img_minor_mime', 'img_timestamp', 'img_sha1'],
    onRow(row) {
      const slot = slotOf(row.bytes(0));
      if (slot < 0) return;
      // bytes() views are valid until the next call on the row: each is used before the next is asked.
      const size = row.number(1);
      const mime = `${row.text(2)}/${row.text(3)}`;
      const timestamp = Buffer.from(row.bytes(4));
      if (!facts.set(slot, size, row.bytes(5), mime, timestamp)) withoutSha1.push(row.text(0));
    },
  });
  return { facts, withoutSha1 };
}
