/**
 * The catalogue's per-file reads: which set versions hold a file (by SHA-1 or title), the files
 * in a category, and the version and volume numbers the per-file rows use. Numbers resolve
 * through small in-memory maps that grow with versions and volumes, never with files.
 */
import type { CatalogueTables } from './open-lmdb.ts';
import { categoryRange, decodeCategoryKey, decodeFileRow, fileRange, SHA1_BYTES, sha1OfTitleKey, titleRange, UNKNOWN_OFFSET } from './file-index.ts';
import type { IndexedFile } from './records.ts';

/** Per-file lookups over the file, title and category index tables. */
export class FileLookup {
  /** version no → set version, volume no → info hash: both grow with versions and volumes, not files. */
  private readonly versionByNo = new Map<number, { setId: string; version: number }>();
  private readonly volumeByNo = new Map<number, string>();

  /** `t`: the store's open tables. */
  constructor(private readonly t: CatalogueTables) {}

  /** The set version a version number in the per-file index stands for. */
  versionOfNo(no: number): { setId: string; version: number } | undefined {
    let v = this.versionByNo.get(no);
    if (!v) {
      const row = this.t.versionNumbers.get(no);
      if (!row) return undefined;
      this.versionByNo.set(no, (v = { setId: row[0], version: row[1] }));
    }
    return v;
  }

  /** The info hash a volume number in the per-file index stands for. */
  volumeOfNo(no: number): string | undefined {
    let ih = this.volumeByNo.get(no);
    if (!ih) {
      ih = this.t.volumeNumbers.get(no);
      if (ih) this.volumeByNo.set(no, ih);
    }
    return ih;
  }

  /** Every set version holding these bytes (by SHA-1, hex), with each file's offset in its volume. */
  filesBySha1(sha1: string): IndexedFile[] {
    if (!/^[0-9a-f]{40}$/i.test(sha1)) return [];
    const out: IndexedFile[] = [];
    for (const { key, value } of this.t.fileIndex.getRange(fileRange(sha1))) {
      const row = decodeFileRow(key, value);
      const sv = this.versionOfNo(row.versionNo);
      const volume = this.volumeOfNo(row.volumeNo);
      if (!sv || !volume) continue;
      out.push({
        sha1: row.sha1, setId: sv.setId, version: sv.version, title: row.title, path: row.path, size: row.size, volume,
        ...(row.offset === UNKNOWN_OFFSET ? {} : { offset: row.offset }),
      });
    }
    // The order format 1 gave (set id, version, title), whatever numbers the versions got.
    return out.sort((a, b) => (a.setId < b.setId ? -1 : a.setId > b.setId ? 1 : a.version - b.version || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0)));
  }

  /**
   * Up to `n` distinct SHA-1s (hex) spread evenly over the key space, each the first file at or
   * after an even step (a start's own warm-up lookups: web/code-warm-up.ts); n reads of one row.
   */
  sampleSha1s(n: number): string[] {
    const out = new Set<string>();
    const start = Buffer.alloc(SHA1_BYTES);
    for (let i = 0; i < n; i++) {
      start.writeUInt32BE(Math.floor((i * 2 ** 32) / n), 0);
      for (const key of this.t.fileIndex.getKeys({ start, limit: 1 })) out.add(Buffer.from(key as Uint8Array).toString('hex', 0, SHA1_BYTES));
    }
    return [...out];
  }

  /** Every SHA-1 a title ("File:Name.jpg") has had across the published versions. */
  sha1sForTitle(title: string): string[] {
    // Title rows hold a short hash of the title: a rare collision is weeded out by the file rows.
    return [...this.t.titleIndex.getKeys(titleRange(title))].map((k) => sha1OfTitleKey(k)).filter((sha1) => this.filesBySha1(sha1).some((f) => f.title === title));
  }

  /** Every set version holding a file of this title, whatever its content. */
  filesByTitle(title: string): IndexedFile[] {
    return this.sha1sForTitle(title).flatMap((sha1) => this.filesBySha1(sha1).filter((f) => f.title === title));
  }

  /** The files directly in a category (name without "Category:"), in every version that lists them; null for a category no file is in. */
  categoryFiles(name: string): Array<{ sha1: string; setId: string; version: number }> | null {
    const no = this.t.categories.get(name);
    if (no === undefined) return null;
    const out: Array<{ sha1: string; setId: string; version: number }> = [];
    for (const key of this.t.categoryIndex.getKeys(categoryRange(no))) {
      const { sha1, versionNo } = decodeCategoryKey(key);
      const sv = this.versionOfNo(versionNo);
      if (sv) out.push({ sha1, ...sv });
    }
    return out;
  }

  /**
   * Up to `limit` titles from the per-file index in key order after the key `after` (hex), for
   * the resumable word-index rebuild (a title held by several versions comes again, which changes
   * nothing); `next` is the last key read, in hex.
   */
  titlesAfter(after: string | null, limit: number): { titles: string[]; next: string | null } {
    const titles: string[] = [];
    let last: string | null = after;
    const start = after === null ? undefined : Buffer.concat([Buffer.from(after, 'hex'), Buffer.from([0])]);
    for (const { key, value } of this.t.fileIndex.getRange({ start })) {
      const title = decodeFileRow(key as Uint8Array, value as Uint8Array).title;
      if (titles.at(-1) !== title) titles.push(title);
      last = Buffer.from(key as Uint8Array).toString('hex');
      if (titles.length === limit) break;
    }
    return { titles, next: last };
  }
}
