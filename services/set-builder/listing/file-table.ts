/**
 * The build's file records in compact form: a listing hands its files over as a FileTable
 * (columns: names as UTF-8 bytes in one buffer, sizes, ids, times and coordinates in typed
 * arrays, SHA-1 as 20 bytes, mime, licence, upload base and category lists as indexes into
 * pools), and media sync, diff, volumes and the manifest writer read one record at a time.
 * A million ListedFile objects held about 660 B a file; a row here is about 90 B plus its name
 * and author (the string columns are in string-columns.ts). The title, path and URL are not
 * stored: they follow from the name (`File:` + name with spaces, the hashed upload path, the
 * upload base). A record that does not follow these rules (a test's
 * hand-made record, a wiki with odd titles) is kept whole beside the columns, so whatever a
 * listing gives, `at(i)` gives back the same values.
 */
import { commonsPath, originalUrl } from '../../../shared/commons-path.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { ListedFile } from './listed-file.ts';
import { MIN_GROWTH_ROWS, StringColumn, StringPool } from './string-columns.ts';

/** What the build's steps read of a list of files: arrays of ListedFile satisfy it too. */
export interface FileList extends Iterable<ListedFile> {
  readonly length: number;
  at(index: number): ListedFile | undefined;
}

/** Bytes of a SHA-1. */
const SHA1_BYTES = 20;
/** Index meaning "null" in the pool columns (licence, author). */
const NONE = -1;
/** A SHA-1 as the manifest writes it: 40 lowercase hex digits. */
const SHA1_HEX = /^[0-9a-f]{40}$/;

/** True for an integer a Uint32Array column holds as it is. */
function isUint32(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x < 2 ** 32;
}

/** ISO 8601 without milliseconds, as MediaWiki's API and the dump listing write upload times. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** The title a stored name has on a wiki whose file namespace is `prefix` (`File:`). */
function titleOf(prefix: string, name: string): string {
  return `${prefix}${name.replace(/_/g, ' ')}`;
}

/** Shared reads of a table and of views on it, by position in the list. */
export abstract class IndexedFiles implements FileList {
  abstract readonly length: number;
  /** The table row behind position `i`. */
  protected abstract row(i: number): number;
  protected abstract get table(): FileTable;

  /** The record at position `i`, made afresh (callers may keep or change it). */
  at(i: number): ListedFile | undefined {
    return i >= 0 && i < this.length ? this.table.record(this.row(i)) : undefined;
  }

  /** The stored name at `i`, without making the record. */
  nameAt(i: number): string {
    return this.table.nameOfRow(this.row(i));
  }

  /** The size at `i`, without making the record. */
  sizeAt(i: number): number {
    return this.table.sizeOfRow(this.row(i));
  }

  /** The title at `i`, without making the record. */
  titleAt(i: number): string {
    return this.table.titleOfRow(this.row(i));
  }

  /** The upload time at `i`, without making the record. */
  uploadTimestampAt(i: number): string {
    return this.table.timestampOfRow(this.row(i));
  }

  /** The media path at `i`, without making the record. */
  pathAt(i: number): string {
    return this.table.pathOfRow(this.row(i));
  }

  /** The files at these positions, in this order, as a view (no record is copied). */
  view(positions: ArrayLike<number>): FileView {
    const rows = new Uint32Array(positions.length);
    for (let k = 0; k < positions.length; k++) rows[k] = this.row(positions[k]!);
    return new FileView(this.table, rows);
  }

  /** The files for which `keep` holds, as a view. */
  where(keep: (file: ListedFile, i: number) => boolean): FileView {
    const kept: number[] = [];
    for (let i = 0; i < this.length; i++) if (keep(this.at(i)!, i)) kept.push(i);
    return this.view(kept);
  }

  /** The same files sorted by title (as compareTitles orders them), as a view. */
  byTitle(): FileView {
    const titles = Array.from({ length: this.length }, (_, i) => this.titleAt(i));
    const order = Array.from({ length: this.length }, (_, i) => i).sort((a, b) => (titles[a]! < titles[b]! ? -1 : titles[a]! > titles[b]! ? 1 : 0));
    return this.view(order);
  }

  *[Symbol.iterator](): Iterator<ListedFile> {
    for (let i = 0; i < this.length; i++) yield this.at(i)!;
  }
}

/** Some files of a table, in a given order. */
export class FileView extends IndexedFiles {
  constructor(
    private readonly owner: FileTable,
    private readonly rows: Uint32Array,
  ) {
    super();
  }

  get length(): number {
    return this.rows.length;
  }

  protected row(i: number): number {
    return this.rows[i]!;
  }

  protected get table(): FileTable {
    return this.owner;
  }
}

/** The compact table itself; positions are rows in the order they were added, or in title order after {@link FileTable.sortByTitle}. */
export class FileTable extends IndexedFiles {
  private n = 0;
  private capacity = 0;
  private readonly names = new StringColumn();
  private readonly authors = new StringColumn();
  private size = new Float64Array(0);
  private pageId = new Uint32Array(0);
  private revisionId = new Uint32Array(0);
  /** Upload time in whole seconds since 1970 (good until 2106; anything else is kept whole). */
  private timestamp = new Uint32Array(0);
  /** NaN latitude: no coordinates. */
  private lat = new Float64Array(0);
  private lon = new Float64Array(0);
  private sha1 = new Uint8Array(0);
  private mime = new Int32Array(0);
  private license = new Int32Array(0);
  private author = new Int32Array(0);
  private base = new Int32Array(0);
  private categories = new Int32Array(0);
  private readonly mimes = new StringPool();
  private readonly licenses = new StringPool();
  private readonly bases = new StringPool();
  private readonly categoryIds = new Map<string, number>();
  private readonly categoryLists: ReadonlyArray<string>[] = [];
  /** Records that do not follow the derivation rules, kept as given. */
  private readonly whole = new Map<number, ListedFile>();
  private order: Uint32Array | null = null;

  /** `titlePrefix` is the wiki's file namespace with its colon (`File:`); `capacity` the rows expected, to size the columns once. */
  constructor(private readonly titlePrefix = 'File:', capacity = 0) {
    super();
    if (capacity > 0) this.grow(capacity);
  }

  /** A table of these files in their order; a table or a view is returned as it is. */
  static from(files: FileList, titlePrefix = 'File:'): IndexedFiles {
    if (files instanceof IndexedFiles) return files;
    const table = new FileTable(titlePrefix, files.length);
    for (const f of files) table.push(f);
    table.trim();
    return table;
  }

  get length(): number {
    return this.n;
  }

  protected row(i: number): number {
    return this.order ? this.order[i]! : i;
  }

  protected get table(): FileTable {
    return this;
  }

  /** Adds a record (copied into the columns; the object is not kept unless it breaks the derivation rules). */
  push(f: ListedFile): void {
    if (this.order) throw new SeedbankError('INTERNAL', 'a file was added to the file table after it was sorted by title');
    if (this.n === this.capacity) this.grow(Math.max(MIN_GROWTH_ROWS, Math.ceil(this.capacity * 1.5)));
    const r = this.n++;
    const ms = Date.parse(f.uploadTimestamp);
    const derivable =
      f.title === titleOf(this.titlePrefix, f.name) &&
      f.path === commonsPath(f.name) &&
      f.url === originalUrl(f.uploadBase, f.path) &&
      Number.isFinite(ms) && ms >= 0 && ms / 1000 < 2 ** 32 && isoSeconds(ms) === f.uploadTimestamp &&
      isUint32(f.pageId) && isUint32(f.revisionId) &&
      SHA1_HEX.test(f.sha1) &&
      (f.coordinates === null || (Object.keys(f.coordinates).length === 2 && Number.isFinite(f.coordinates.lat) && Number.isFinite(f.coordinates.lon)));
    this.names.add(derivable ? f.name : '');
    this.authors.add(derivable && f.author !== null ? f.author : '');
    if (!derivable) {
      this.whole.set(r, { ...f, categories: [...f.categories], coordinates: f.coordinates && { ...f.coordinates } });
      return;
    }
    this.size[r] = f.size;
    this.pageId[r] = f.pageId;
    this.revisionId[r] = f.revisionId;
    this.timestamp[r] = ms / 1000;
    this.lat[r] = f.coordinates ? f.coordinates.lat : NaN;
    this.lon[r] = f.coordinates ? f.coordinates.lon : NaN;
    this.sha1.set(Buffer.from(f.sha1, 'hex'), r * SHA1_BYTES);
    this.mime[r] = this.mimes.id(f.mime);
    this.license[r] = f.license === null ? NONE : this.licenses.id(f.license);
    this.author[r] = f.author === null ? NONE : 0;
    this.base[r] = this.bases.id(f.uploadBase);
    this.categories[r] = this.categoryList(f.categories);
  }

  /** Puts the positions in title order (the order every listing hands its files over in); returns the table. */
  sortByTitle(): this {
    this.trim();
    const titles = Array.from({ length: this.n }, (_, r) => this.titleOfRow(r));
    const order = new Uint32Array(this.n);
    for (let r = 0; r < this.n; r++) order[r] = r;
    order.sort((a, b) => (titles[a]! < titles[b]! ? -1 : titles[a]! > titles[b]! ? 1 : 0));
    this.order = order;
    return this;
  }

  /** Bytes the columns and pools hold (the kept-whole records and pooled strings not counted). */
  get byteSize(): number {
    const columns = [this.size, this.pageId, this.revisionId, this.timestamp, this.lat, this.lon, this.sha1, this.mime, this.license, this.author, this.base, this.categories];
    return this.names.byteSize + this.authors.byteSize + columns.reduce((s, c) => s + c.byteLength, 0) + (this.order?.byteLength ?? 0);
  }

  /** The record of row `r`. */
  record(r: number): ListedFile {
    const kept = this.whole.get(r);
    if (kept) return { ...kept, categories: [...kept.categories], coordinates: kept.coordinates && { ...kept.coordinates } };
    const name = this.names.get(r);
    const path = commonsPath(name);
    const uploadBase = this.bases.values[this.base[r]!]!;
    const lat = this.lat[r]!;
    return {
      title: titleOf(this.titlePrefix, name),
      name,
      path,
      url: originalUrl(uploadBase, path),
      uploadBase,
      size: this.size[r]!,
      sha1: Buffer.from(this.sha1.buffer, this.sha1.byteOffset + r * SHA1_BYTES, SHA1_BYTES).toString('hex'),
      mime: this.mimes.values[this.mime[r]!]!,
      uploadTimestamp: isoSeconds(this.timestamp[r]! * 1000),
      pageId: this.pageId[r]!,
      revisionId: this.revisionId[r]!,
      license: this.license[r] === NONE ? null : this.licenses.values[this.license[r]!]!,
      author: this.author[r] === NONE ? null : this.authors.get(r),
      // A copy: callers may sort or change a record's list, and the pooled one is shared by many rows.
      categories: [...this.categoryLists[this.categories[r]!]!],
      coordinates: Number.isNaN(lat) ? null : { lat, lon: this.lon[r]! },
    };
  }

  /** The name of row `r`. */
  nameOfRow(r: number): string {
    return this.whole.get(r)?.name ?? this.names.get(r);
  }

  /** The size of row `r`. */
  sizeOfRow(r: number): number {
    return this.whole.get(r)?.size ?? this.size[r]!;
  }

  /** The title of row `r`. */
  titleOfRow(r: number): string {
    return this.whole.get(r)?.title ?? titleOf(this.titlePrefix, this.names.get(r));
  }

  /** The upload time of row `r`. */
  timestampOfRow(r: number): string {
    return this.whole.get(r)?.uploadTimestamp ?? isoSeconds(this.timestamp[r]! * 1000);
  }

  /** The media path of row `r`. */
  pathOfRow(r: number): string {
    return this.whole.get(r)?.path ?? commonsPath(this.names.get(r));
  }

  private categoryList(list: readonly string[]): number {
    const key = list.join('\n');
    let id = this.categoryIds.get(key);
    if (id === undefined) {
      id = this.categoryLists.length;
      this.categoryLists.push(Object.freeze([...list]));
      this.categoryIds.set(key, id);
    }
    return id;
  }

  /** Shrinks the columns to the rows held (the capacity given may have been generous). */
  private trim(): void {
    if (this.capacity !== this.n) this.grow(this.n);
    this.names.trim();
    this.authors.trim();
  }

  private grow(capacity: number): void {
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a.subarray(0, Math.min(this.n, capacity)));
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a.subarray(0, Math.min(this.n, capacity)));
      return b;
    };
    const u32 = (a: Uint32Array) => {
      const b = new Uint32Array(capacity);
      b.set(a.subarray(0, Math.min(this.n, capacity)));
      return b;
    };
    this.size = f64(this.size);
    this.pageId = u32(this.pageId);
    this.revisionId = u32(this.revisionId);
    this.timestamp = u32(this.timestamp);
    this.lat = f64(this.lat);
    this.lon = f64(this.lon);
    this.mime = i32(this.mime);
    this.license = i32(this.license);
    this.author = i32(this.author);
    this.base = i32(this.base);
    this.categories = i32(this.categories);
    const sha1 = new Uint8Array(capacity * SHA1_BYTES);
    sha1.set(this.sha1.subarray(0, Math.min(this.n, capacity) * SHA1_BYTES));
    this.sha1 = sha1;
    this.capacity = capacity;
  }
}

/** The files for which `keep` holds: a view of a table, or a filtered array. */
export function keepWhere(files: FileList, keep: (file: ListedFile) => boolean): FileList {
  if (files instanceof IndexedFiles) return files.where(keep);
  return [...files].filter(keep);
}
