/**
 * The per-file index's row encoding (store format 2). A catalogue of 100 million files keeps
 * three rows per file on disk, so every byte counts: keys are raw bytes (the SHA-1 as 20
 * bytes, set versions and volumes as 4-byte numbers the store hands out), values are fixed
 * fields, and what can be derived is not stored (the Commons path follows from the title;
 * it is kept only for a file whose path does not).
 *
 * - file row:     sha1(20) · versionNo(u32) · title without "File:" → volumeNo(u32) · size(u48) · offset(u48) · flags(u8) [· path]
 * - title row:    sha1(title)[0..8] · sha1(20) → (empty)
 * - category row: categoryNo(u32) · sha1(20) · versionNo(u32) → (empty)
 */
import { createHash } from 'node:crypto';
import { commonsPath, fileNameFromTitle } from '../../../shared/commons-path.ts';

export const SHA1_BYTES = 20;
const U32 = 4;
const U48 = 6;
const TITLE_PREFIX = 'File:';
/** The title had no "File:" prefix (stored as is). */
const FLAG_BARE_TITLE = 1;
/** The path does not follow from the title: it is stored after the fixed fields. */
const FLAG_PATH = 2;
const FILE_VALUE_FIXED = U32 + U48 + U48 + 1;
/** Offset stored for a file whose volume torrent could not be read at publish: found from the layout instead. */
export const UNKNOWN_OFFSET = 2 ** 48 - 1;
const EMPTY = Buffer.alloc(0);

/** One decoded file row: where one set version holds a file's bytes. */
export interface FileRow {
  sha1: string;
  versionNo: number;
  title: string;
  volumeNo: number;
  size: number;
  /** Byte offset of the file in its volume (UNKNOWN_OFFSET when the torrent was not readable). */
  offset: number;
  path: string;
}

const stripTitle = (title: string): { bare: string; flags: number } =>
  title.startsWith(TITLE_PREFIX) ? { bare: title.slice(TITLE_PREFIX.length), flags: 0 } : { bare: title, flags: FLAG_BARE_TITLE };

/** The path the builder gives a title (MediaWiki's hashed upload layout). */
export function derivedPath(title: string): string {
  return commonsPath(fileNameFromTitle(title));
}

/** The 20 SHA-1 bytes of a hex digest (lower or upper case). */
export function sha1Bytes(sha1Hex: string): Buffer {
  return Buffer.from(sha1Hex, 'hex');
}

/** Key and value of a file row. */
export function encodeFileRow(f: Omit<FileRow, 'path'> & { path: string }): { key: Buffer; value: Buffer } {
  const { bare, flags: titleFlags } = stripTitle(f.title);
  const titleBytes = Buffer.from(bare, 'utf8');
  const key = Buffer.allocUnsafe(SHA1_BYTES + U32 + titleBytes.length);
  key.write(f.sha1, 0, SHA1_BYTES, 'hex');
  key.writeUInt32BE(f.versionNo, SHA1_BYTES);
  titleBytes.copy(key, SHA1_BYTES + U32);
  const explicitPath = f.path !== derivedPath(f.title);
  const pathBytes = explicitPath ? Buffer.from(f.path, 'utf8') : EMPTY;
  const value = Buffer.allocUnsafe(FILE_VALUE_FIXED + pathBytes.length);
  value.writeUInt32BE(f.volumeNo, 0);
  value.writeUIntBE(f.size, U32, U48);
  value.writeUIntBE(f.offset, U32 + U48, U48);
  value[U32 + 2 * U48] = titleFlags | (explicitPath ? FLAG_PATH : 0);
  pathBytes.copy(value, FILE_VALUE_FIXED);
  return { key, value };
}

/** Decodes a file row. */
export function decodeFileRow(key: Uint8Array, value: Uint8Array): FileRow {
  const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const v = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const flags = v[U32 + 2 * U48]!;
  const bare = k.toString('utf8', SHA1_BYTES + U32);
  const title = flags & FLAG_BARE_TITLE ? bare : TITLE_PREFIX + bare;
  return {
    sha1: k.toString('hex', 0, SHA1_BYTES),
    versionNo: k.readUInt32BE(SHA1_BYTES),
    title,
    volumeNo: v.readUInt32BE(0),
    size: v.readUIntBE(U32, U48),
    offset: v.readUIntBE(U32 + U48, U48),
    path: flags & FLAG_PATH ? v.toString('utf8', FILE_VALUE_FIXED) : derivedPath(title),
  };
}

/** Range over every file row of one SHA-1. */
export function fileRange(sha1Hex: string): { start: Buffer; end: Buffer } {
  const start = sha1Bytes(sha1Hex);
  return { start, end: Buffer.concat([start, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])]) };
}

/** Bytes of a title's hash in title rows: collisions are possible and lookups check the file rows' titles. */
const TITLE_HASH_BYTES = 8;

function titleHash(title: string): Buffer {
  return createHash('sha1').update(title, 'utf8').digest().subarray(0, TITLE_HASH_BYTES);
}

/** Key of a title row (value: empty): a short hash of the title, then the SHA-1 (the title itself is in the file row). */
export function titleKey(title: string, sha1Hex: string): Buffer {
  return Buffer.concat([titleHash(title), sha1Bytes(sha1Hex)]);
}

/** Range over every title row whose title hashes like this one (callers check the title). */
export function titleRange(title: string): { start: Buffer; end: Buffer } {
  const h = titleHash(title);
  return { start: h, end: Buffer.concat([h, Buffer.alloc(SHA1_BYTES + 1, 0xff)]) };
}

/** The SHA-1 (hex) of a title row's key. */
export function sha1OfTitleKey(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex', key.byteLength - SHA1_BYTES);
}

/** Key of a category row (value: empty). */
export function categoryKey(categoryNo: number, sha1Hex: string, versionNo: number): Buffer {
  const key = Buffer.allocUnsafe(U32 + SHA1_BYTES + U32);
  key.writeUInt32BE(categoryNo, 0);
  key.write(sha1Hex, U32, SHA1_BYTES, 'hex');
  key.writeUInt32BE(versionNo, U32 + SHA1_BYTES);
  return key;
}

/** Range over every category row of one category. */
export function categoryRange(categoryNo: number): { start: Buffer; end: Buffer } {
  const start = Buffer.alloc(U32);
  start.writeUInt32BE(categoryNo, 0);
  const end = Buffer.alloc(U32);
  end.writeUInt32BE(categoryNo + 1, 0);
  return { start, end };
}

/** The SHA-1 and set version number of a category row's key. */
export function decodeCategoryKey(key: Uint8Array): { sha1: string; versionNo: number } {
  const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  return { sha1: k.toString('hex', U32, U32 + SHA1_BYTES), versionNo: k.readUInt32BE(U32 + SHA1_BYTES) };
}

/** The empty value of title and category rows. */
export const EMPTY_VALUE = EMPTY;
