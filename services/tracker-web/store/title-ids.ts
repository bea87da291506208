/**
 * A number for every file title the catalogue knows (store format 3), so the word search keys
 * and the per-version file lists hold 4 bytes where they held the title (about 50 bytes, 13
 * times over in the search index). Two tables: id → title (ids handed out in order, so the
 * table is written by appending) and a short hash of the title · id → (empty), to find a
 * title's id; a hash collision only costs one more read, the title is compared.
 *
 * Titles are stored without their "File:" namespace (a 0x01 byte marks the rare one without it).
 */
import { createHash } from 'node:crypto';
import type { Database } from 'lmdb';
import { isEmptyTable } from './open-lmdb.ts';

const FILE_NAMESPACE = 'File:';
/** Marks a stored title that had no "File:" namespace (0x01 never appears in a title). */
const RAW_TITLE = 0x01;
const HASH_BYTES = 8;
const ID_BYTES = 4;

/** id → stored title bytes. */
export type TitleNamesTable = Database<Buffer, number>;
/** hash(title)[0..8] · id(u32) → empty. */
export type TitleIdsTable = Database<Buffer, Buffer>;

/** A title as stored. */
export function encodeStoredTitle(title: string): Buffer {
  return title.startsWith(FILE_NAMESPACE) ? Buffer.from(title.slice(FILE_NAMESPACE.length), 'utf8') : Buffer.concat([Buffer.from([RAW_TITLE]), Buffer.from(title, 'utf8')]);
}

/** A stored title back as "File:Name.jpg". */
export function decodeStoredTitle(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b[0] === RAW_TITLE ? b.toString('utf8', 1) : FILE_NAMESPACE + b.toString('utf8');
}

function hashOf(title: string): Buffer {
  return createHash('sha1').update(title, 'utf8').digest().subarray(0, HASH_BYTES);
}

/** The 8-byte hash a title is found by (here and in the set positions, set-positions.ts). */
export function titleHash(title: string): Buffer {
  return hashOf(title);
}

const EMPTY = Buffer.alloc(0);

/** Where a bulk load keeps the keys of the titles it numbers until it writes them in key order (bulk-title-keys.ts). */
export interface DeferredTitleKeys {
  /** Ids whose key begins with this 8-byte title hash. */
  idsOf(hash: Buffer): readonly number[];
  /** A new key: 8-byte title hash · u32 id. */
  add(key: Buffer): void;
}

/** Title numbers: see the module comment. */
export class TitleIds {
  /** The next id to hand out, read from the table on first use (one process writes: the catalogue). */
  private next: number | null = null;
  /** A bulk load's keys not yet in the ids table, or null outside a bulk load. */
  private deferred: DeferredTitleKeys | null = null;
  /** The ids table was empty when the bulk load began: every key is in `deferred`, no table read needed. */
  private onlyDeferred = false;

  constructor(
    private readonly names: TitleNamesTable,
    private readonly ids: TitleIdsTable,
  ) {}

  /** The title of an id, or undefined for an id never handed out. */
  title(id: number): string | undefined {
    const bytes = this.names.get(id);
    return bytes ? decodeStoredTitle(bytes) : undefined;
  }

  /** The id of a title, or undefined when the catalogue has never seen it. */
  idOf(title: string): number | undefined {
    const h = hashOf(title);
    if (!this.onlyDeferred) for (const key of this.ids.getKeys({ start: h, end: Buffer.concat([h, Buffer.alloc(ID_BYTES, 0xff), Buffer.from([0xff])]) }) as Iterable<Buffer>) {
      const id = key.readUInt32BE(HASH_BYTES);
      if (this.title(id) === title) return id;
    }
    for (const id of this.deferred?.idsOf(h) ?? []) if (this.title(id) === title) return id;
    return undefined;
  }

  /** The id of a title, handing out the next one when it is new; call inside a write transaction. */
  assignSync(title: string): { id: number; created: boolean } {
    const known = this.idOf(title);
    if (known !== undefined) return { id: known, created: false };
    if (this.next === null || this.names.doesExist(this.next)) {
      let last = 0;
      for (const key of this.names.getKeys({ reverse: true, limit: 1 })) last = key as number;
      this.next = last + 1;
    }
    const id = this.next++;
    this.names.putSync(id, encodeStoredTitle(title), { append: true });
    const key = Buffer.allocUnsafe(HASH_BYTES + ID_BYTES);
    hashOf(title).copy(key, 0);
    key.writeUInt32BE(id, HASH_BYTES);
    if (this.deferred) this.deferred.add(key);
    else this.ids.putSync(key, EMPTY);
    return { id, created: true };
  }

  /** Sends new titles' keys to `keys` (a bulk load, which writes them in key order when it ends) until called with null. */
  deferKeys(keys: DeferredTitleKeys | null): void {
    if (keys !== this.deferred) this.onlyDeferred = keys !== null && isEmptyTable(this.ids);
    this.deferred = keys;
  }

  /** Forgets the cached next id (after the tables were cleared or written by another path). */
  reset(): void {
    this.next = null;
  }
}
