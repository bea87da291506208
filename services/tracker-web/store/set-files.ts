/**
 * The files of each set version, in title order, in LMDB: what the set page pages through and
 * searches, and the licence, author and upload date the file page shows. A page reads at most
 * a page of rows (or a bounded run of rows when searching), never the whole manifest, so a
 * million-file set costs the same per request as a small one. Written with each publish; a
 * version published before this table existed is indexed from its manifest on first read.
 *
 * Store format 3: one binary row per file keyed by the version's number and the file's position,
 * holding numbers where format 2 held strings (the title's id, the volume's number, media type,
 * licence and author by number, the upload time in seconds, the path only when it does not
 * follow from the title): about 60 bytes a file where format 2 took about 600. An exact title
 * is found through the version's position table (set-positions.ts, format 4: three reads
 * whatever the list's length), or by binary search over positions for a version whose
 * positions are not written (about 20 reads at 1,000 files).
 */
import type { Database, RootDatabase } from 'lmdb';
import type { Manifest } from '../../../shared/formats/manifest.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { derivedPath } from './file-index.ts';
import { inTitleOrder, sortLicences, type LicenceCount, type PublishedFile, type SetFileRow, type SetFileSearch, type SetVersionFacts } from './set-file-facts.ts';
import type { TitleIds } from './title-ids.ts';
import { decodePosition, positionKey, positionValue, type SetPositionsTable } from './set-positions.ts';

export type { FileFacts, LicenceCount, PublishedFile, SetFileRow, SetFileSearch, SetVersionFacts } from './set-file-facts.ts';
export { inTitleOrder, licenceCounts } from './set-file-facts.ts';

/** [versionNo(u32) · position in title order(u32)] → one file, binary (see encodeRow). */
export type SetRowsTable = Database<Buffer, Buffer>;
export type SetFactsTable = Database<SetVersionFacts, [string, number]>;
/** [0, no] → string and [1, string] → no: the media types, licences and authors rows refer to by number. */
export type FactStringsTable = Database<string | number, [number, string | number]>;


const SHA1_BYTES = 20;
/** Row layout: titleId(u32) sha1(20) size(u48) volumeNo(u32) mime(u32) licence(u32) author(u32) uploaded(u32 s) flags(u8) [path] [uploaded text]. */
const AT_SHA1 = 4;
const AT_SIZE = AT_SHA1 + SHA1_BYTES;
const AT_VOLUME = AT_SIZE + 6;
const AT_MIME = AT_VOLUME + 4;
const AT_LICENCE = AT_MIME + 4;
const AT_AUTHOR = AT_LICENCE + 4;
const AT_UPLOADED = AT_AUTHOR + 4;
const AT_FLAGS = AT_UPLOADED + 4;
const FIXED = AT_FLAGS + 1;
/** The path does not follow from the title: it follows the fixed fields (u16 length, bytes). */
const FLAG_PATH = 1;
/** The upload time is not a whole-second UTC timestamp: its text follows (u8 length, bytes). */
const FLAG_UPLOADED_TEXT = 2;
const CANONICAL_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
/** Fact strings kept in memory each way; a catalogue has few media types and licences, and authors beyond this are read again. */
const MAX_CACHED_STRINGS = 50_000;
/** Versions whose file count is kept (a number each: grows with versions, not files); past it the oldest is dropped. */
const MAX_CACHED_VERSION_COUNTS = 100_000;

/**
 * The value of an lmdb-js fast read as a view of its own length: the shared buffer it returns is
 * larger, its `length` property set to the value's size. Valid until the next read.
 */
function fastValue(b: Buffer | undefined): Buffer | undefined {
  return b && b.subarray(0, b.length);
}

/** Whether a stored row holds these bytes (SHA-1, hex), compared without decoding the row. */
function rowHoldsSha1(v: Uint8Array, sha1Hex: string): boolean {
  if (v.byteLength < AT_SHA1 + SHA1_BYTES) return false;
  return Buffer.from(v.buffer, v.byteOffset + AT_SHA1, SHA1_BYTES).equals(Buffer.from(sha1Hex, 'hex'));
}

function rowKey(versionNo: number, position: number): Buffer {
  const k = Buffer.allocUnsafe(8);
  k.writeUInt32BE(versionNo, 0);
  k.writeUInt32BE(position, 4);
  return k;
}

/** Seconds since 1970 when the text is a whole-second UTC timestamp that prints back the same, else null. */
function uploadSeconds(text: string): number | null {
  if (!CANONICAL_TIME.test(text)) return null;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || ms < 0 || ms / 1000 >= 2 ** 32) return null;
  return new Date(ms).toISOString().replace('.000Z', 'Z') === text ? ms / 1000 : null;
}

/** What the set-file rows need from the rest of the store. */
export interface SetFileDeps {
  titles: TitleIds;
  /** The number a set version has in per-file rows, undefined for an unknown version. */
  versionNo(setId: string, version: number): number | undefined;
  /** A volume's number (a published volume always has one). */
  volumeNo(infoHash: string): number;
  /** The info hash of a volume number. */
  volumeOfNo(no: number): string | undefined;
  /** The manifest of a version, for versions published before this index existed. */
  manifestOf(setId: string, version: number): Manifest | undefined;
}

/** Reads and writes the per-version file lists; see the module comment. */
export class SetFileIndex {
  private readonly stringNo = new Map<string, number>();
  private readonly stringOf = new Map<number, string>();
  /**
   * Version no → its file count, for versions already indexed: a file lookup needs only that of
   * the version's figures, and decoding the whole figures record (licence list and all) on every
   * lookup was one more LMDB read and its garbage. Versions never change once indexed.
   */
  private readonly filesByNo = new Map<number, number>();

  constructor(
    private readonly env: RootDatabase,
    private readonly t: SetFileTables,
    private readonly deps: SetFileDeps,
  ) {}

  /** Forgets what is cached from the tables (after a write transaction failed). */
  forgetCached(): void {
    this.stringNo.clear();
    this.stringOf.clear();
    this.filesByNo.clear();
    this.deps.titles.reset();
  }

  private remember(no: number, text: string): void {
    if (this.stringNo.size >= MAX_CACHED_STRINGS) this.forgetStrings();
    this.stringNo.set(text, no);
    this.stringOf.set(no, text);
  }

  private forgetStrings(): void {
    this.stringNo.clear();
    this.stringOf.clear();
  }

  /** The number of a fact string, handed out on first use (inside a write transaction); 0 for null. */
  private numberOfSync(text: string | null): number {
    if (text === null) return 0;
    let no = this.stringNo.get(text) ?? (this.t.strings.get([1, text]) as number | undefined);
    if (no === undefined) {
      no = 1;
      for (const key of this.t.strings.getKeys({ start: [0, Number.MAX_SAFE_INTEGER], end: [0, 0], reverse: true, limit: 1 })) no = (key[1] as number) + 1;
      this.t.strings.putSync([0, no], text);
      this.t.strings.putSync([1, text], no);
    }
    this.remember(no, text);
    return no;
  }

  private stringOfNo(no: number): string | null {
    if (no === 0) return null;
    let text = this.stringOf.get(no);
    if (text === undefined) {
      text = (this.t.strings.get([0, no]) as string | undefined) ?? '';
      this.remember(no, text);
    }
    return text;
  }

  /**
   * Writes one version's files (already in title order: see inTitleOrder) and figures; call
   * inside the publish transaction so a version is never visible without its file list.
   * `append`: the version is the newest (the publish path), so its rows go at the table's end;
   * `ids`: the titles' ids when the caller has them already.
   */
  putSync(setId: string, version: number, ordered: Iterable<PublishedFile>, o: { append?: boolean; ids?: ReadonlyMap<string, number> } = {}): void {
    const versionNo = this.deps.versionNo(setId, version);
    if (versionNo === undefined) throw new SeedbankError('INTERNAL', `set files: ${setId} v${version} has no version number`);
    // One pass: a split version's files stream from its lists, merged in title order, never one array.
    let i = 0;
    const licences = new Map<string | null, LicenceCount>();
    for (const f of ordered) {
      const l = licences.get(f.license ?? null) ?? { licence: f.license ?? null, files: 0, bytes: 0 };
      l.files++;
      l.bytes += f.size;
      licences.set(l.licence, l);
      const id = o.ids?.get(f.title) ?? this.deps.titles.assignSync(f.title).id;
      const explicitPath = f.path !== derivedPath(f.title);
      const pathBytes = explicitPath ? Buffer.from(f.path, 'utf8') : null;
      const uploadedText = f.uploaded ?? '';
      const seconds = uploadSeconds(uploadedText);
      const uploadedBytes = seconds === null ? Buffer.from(uploadedText, 'utf8').subarray(0, 255) : null;
      const v = Buffer.allocUnsafe(FIXED + (pathBytes ? 2 + pathBytes.length : 0) + (uploadedBytes ? 1 + uploadedBytes.length : 0));
      v.writeUInt32BE(id, 0);
      v.write(f.sha1, AT_SHA1, SHA1_BYTES, 'hex');
      v.writeUIntBE(f.size, AT_SIZE, 6);
      v.writeUInt32BE(this.deps.volumeNo(f.volume), AT_VOLUME);
      v.writeUInt32BE(this.numberOfSync(f.mime ?? ''), AT_MIME);
      v.writeUInt32BE(this.numberOfSync(f.license ?? null), AT_LICENCE);
      v.writeUInt32BE(this.numberOfSync(f.author ?? null), AT_AUTHOR);
      v.writeUInt32BE(seconds ?? 0, AT_UPLOADED);
      v[AT_FLAGS] = (pathBytes ? FLAG_PATH : 0) | (uploadedBytes ? FLAG_UPLOADED_TEXT : 0);
      let at = FIXED;
      if (pathBytes) {
        v.writeUInt16BE(pathBytes.length, at);
        at += 2 + pathBytes.copy(v, at + 2);
      }
      if (uploadedBytes) {
        v[at] = uploadedBytes.length;
        uploadedBytes.copy(v, at + 1);
      }
      this.t.rows.putSync(rowKey(versionNo, i), v, { append: o.append === true });
      this.t.positions.putSync(positionKey(versionNo, f.title), positionValue(i));
      i++;
    }
    this.t.facts.putSync([setId, version], { files: i, licences: sortLicences(licences.values()) });
  }

  private decode(v: Uint8Array, title?: string): SetFileRow {
    const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    const t = title ?? this.deps.titles.title(b.readUInt32BE(0)) ?? '';
    const flags = b[AT_FLAGS]!;
    let at = FIXED;
    let path = '';
    if (flags & FLAG_PATH) {
      const n = b.readUInt16BE(at);
      path = b.toString('utf8', at + 2, at + 2 + n);
      at += 2 + n;
    } else {
      path = derivedPath(t);
    }
    const uploaded = flags & FLAG_UPLOADED_TEXT ? b.toString('utf8', at + 1, at + 1 + b[at]!) : new Date(b.readUInt32BE(AT_UPLOADED) * 1000).toISOString().replace('.000Z', 'Z');
    return {
      title: t,
      sha1: b.toString('hex', AT_SHA1, AT_SHA1 + SHA1_BYTES),
      path,
      size: b.readUIntBE(AT_SIZE, 6),
      volume: this.deps.volumeOfNo(b.readUInt32BE(AT_VOLUME)) ?? '',
      mime: this.stringOfNo(b.readUInt32BE(AT_MIME)) ?? '',
      license: this.stringOfNo(b.readUInt32BE(AT_LICENCE)),
      author: this.stringOfNo(b.readUInt32BE(AT_AUTHOR)),
      uploaded,
    };
  }

  /** The version's figures (indexing it first if it predates the index), or undefined for an unknown version. */
  versionFacts(setId: string, version: number): SetVersionFacts | undefined {
    const known = this.t.facts.get([setId, version]);
    if (known) return known;
    const manifest = this.deps.manifestOf(setId, version);
    if (!manifest || this.deps.versionNo(setId, version) === undefined) return undefined;
    const list: PublishedFile[] = manifest.files.map((f) => ({
      sha1: f.sha1, setId, version, title: f.title, path: f.path, size: f.size, volume: f.volume,
      mime: f.mime, license: f.license, author: f.author, uploaded: f.uploadTimestamp,
    }));
    // Once per old version, in one transaction; every later read is a range read.
    const ordered = inTitleOrder(list);
    try {
      this.env.transactionSync(() => this.putSync(setId, version, ordered));
    } catch (err) {
      this.forgetCached();
      throw err;
    }
    return this.t.facts.get([setId, version]);
  }

  /** `limit` files from position `offset`, in title order: one range read of `limit` rows, however deep. */
  page(setId: string, version: number, offset: number, limit: number): SetFileRow[] {
    const no = this.versionFacts(setId, version) && this.deps.versionNo(setId, version);
    if (!no) return [];
    return [...this.t.rows.getRange({ start: rowKey(no, offset), end: rowKey(no, offset + limit) })].map((e) => this.decode(e.value));
  }

  /** The title at one position of a version's list. */
  private titleAt(no: number, position: number): string | undefined {
    const v = this.t.rows.get(rowKey(no, position));
    return v ? this.deps.titles.title(Buffer.from(v.buffer, v.byteOffset, v.byteLength).readUInt32BE(0)) : undefined;
  }

  /** The version's number and file count (indexing it first if it predates the index), or undefined for an unknown version. */
  private indexedVersion(setId: string, version: number): { no: number; files: number } | undefined {
    const known = this.deps.versionNo(setId, version);
    const files = known === undefined ? undefined : this.filesByNo.get(known);
    if (known && files !== undefined) return { no: known, files };
    const facts = this.versionFacts(setId, version);
    const no = facts && this.deps.versionNo(setId, version);
    if (!no) return undefined;
    if (this.filesByNo.size >= MAX_CACHED_VERSION_COUNTS) this.filesByNo.delete(this.filesByNo.keys().next().value!);
    this.filesByNo.set(no, facts.files);
    return { no, files: facts.files };
  }

  /**
   * One file of a version by exact title: its position from the position table (three reads),
   * else by binary search over positions (the list is in title order). `o.sha1`, when the caller
   * knows the file's bytes (the file page, from the per-file index), saves the third read: the
   * position key holds the title's 8-byte hash, and a row found through it that also holds those
   * bytes is taken without reading its title back to rule out a hash collision. A wrong row would
   * need another title of the same version with the same 64-bit hash and the same SHA-1; even
   * then the row returned carries the asked title and bytes, only its licence, author and upload
   * date would be the twin's.
   */
  get(setId: string, version: number, title: string, o: { sha1?: string } = {}): SetFileRow | undefined {
    const indexed = this.indexedVersion(setId, version);
    if (!indexed) return undefined;
    const { no, files } = indexed;
    // lmdb-js's get copies a binary value into a new ArrayBuffer, and each one is work for the next
    // young-generation collection; the fast read shares one buffer until the next read: the position
    // is decoded at once, the row copied into Node's pooled buffer before any other read.
    const position = decodePosition(fastValue(this.t.positions.getBinaryFast(positionKey(no, title))));
    if (position !== undefined) {
      const fast = fastValue(this.t.rows.getBinaryFast(rowKey(no, position)));
      const v = fast && Buffer.from(fast);
      if (v && o.sha1 !== undefined && rowHoldsSha1(v, o.sha1)) return this.decode(v, title);
      // The key holds the title's hash: the row's own title rules out a collision.
      if (v && this.deps.titles.title(Buffer.from(v.buffer, v.byteOffset, v.byteLength).readUInt32BE(0)) === title) return this.decode(v, title);
    }
    return this.bisect(no, files, title);
  }

  /** A title's row by binary search over a version's positions (for lists without a position table). */
  private bisect(no: number, files: number, title: string): SetFileRow | undefined {
    let lo = 0;
    let hi = files - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.titleAt(no, mid);
      if (at === undefined) return undefined;
      if (at === title) {
        const v = this.t.rows.get(rowKey(no, mid));
        return v ? this.decode(v, title) : undefined;
      }
      if (at < title) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /**
   * Titles containing `needle` (case-insensitive, `_` as a space), scanning at most
   * `scanCap` titles in order: the work per request is bounded whatever the set's size.
   */
  search(setId: string, version: number, needle: string, o: { offset: number; limit: number; scanCap: number }): SetFileSearch {
    const no = this.versionFacts(setId, version) && this.deps.versionNo(setId, version);
    if (!no) return { rows: [], matches: 0, scanned: 0, complete: true };
    const wanted = needle.replace(/_/g, ' ').toLowerCase();
    const rows: SetFileRow[] = [];
    let matches = 0;
    let scanned = 0;
    let complete = true;
    for (const { value } of this.t.rows.getRange({ start: rowKey(no, 0), end: rowKey(no + 1, 0), limit: o.scanCap + 1 })) {
      if (scanned === o.scanCap) {
        complete = false;
        break;
      }
      scanned++;
      const title = this.deps.titles.title(value.readUInt32BE(0)) ?? '';
      if (!title.toLowerCase().includes(wanted)) continue;
      if (matches >= o.offset && rows.length < o.limit) rows.push(this.decode(value, title));
      matches++;
    }
    return { rows, matches, scanned, complete };
  }
}

/** The tables of the per-version file lists. */
export interface SetFileTables {
  rows: SetRowsTable;
  /** version no · title id → position (set-positions.ts). */
  positions: SetPositionsTable;
  facts: SetFactsTable;
  strings: FactStringsTable;
}
