/**
 * The word-prefix index of file titles, on disk in the catalogue's LMDB environment. One key
 * per (word, title): the folded word's UTF-8 bytes, a 0 byte, then the title's id (4 bytes,
 * store/title-ids.ts; format 1 held the whole title there, 3 times the bytes); values are
 * empty. Within a word, titles come in id order (the order the catalogue first saw them). A title is indexed once however many sets and versions hold it, and never
 * removed: old versions stay published, and the exact lookup finds their files too.
 *
 * A query scans the key range of one of its words (the one with the fewest keys, found by a
 * short probe), keeps the titles that also have a word beginning with each other query word,
 * and stops after a page of results or a fixed number of keys, whichever comes first, so one
 * request costs the same at a thousand titles or a hundred million. A cursor resumes a scan.
 */
import type { Database, RootDatabase } from 'lmdb';
import { SeedbankError } from '../../../shared/errors.ts';
import type { TitleIds } from '../store/title-ids.ts';
import { foldText, hasWordStartingWith, indexWords, queryWords, titleText } from './title-words.ts';

/** Bump when title-words.ts folds or splits differently or the key layout changes: the index is then rebuilt from the titles. */
export const TITLE_INDEX_FORMAT = 2;
/** Most keys one request reads in its scan; a query that reaches it says so and hands back a cursor. */
export const MAX_SCANNED_KEYS = 2_000;
/** Keys counted per query word to pick the word to scan: enough to tell a rare word from a common one. */
const PROBE_KEYS = 300;
/** Most words a query may have; each costs a probe. */
export const MAX_QUERY_WORDS = 12;
/** LMDB's key limit in lmdb-js is 1,978 bytes; a longer (malformed) title stays findable by exact title only. */
const MAX_KEY_BYTES = 1_900;
/** Titles per transaction while the index is rebuilt from the titles table. */
const REBUILD_BATCH_TITLES = 20_000;

const SEPARATOR = 0x00;
const ID_BYTES = 4;
/** Sorts after every UTF-8 byte, so [prefix, 0xff] closes a prefix range. */
const END_BYTE = Buffer.from([0xff]);
/** Keys beginning with a 0 byte are no word's (words are never empty): the index's own state lives there. */
const META_KEY = Buffer.from('\u0000meta', 'latin1');

/** The index's own state: which format it holds and how far a rebuild got. */
interface IndexMeta {
  format: number;
  complete: boolean;
  /** During a rebuild: the last title written. */
  after: string | null;
}

/** One page of a title search. */
export interface TitleSearchPage {
  /** The folded prefixes the query asked for. */
  words: string[];
  /** Matching titles ("File:Name.jpg"), each once, in index order (by the scanned word, then title). */
  titles: string[];
  /** Pass as `after` for the next page; null when the scan reached the end of its range. */
  nextCursor: string | null;
  /** True when the scan stopped at MAX_SCANNED_KEYS before filling the page: more may match further on. */
  capped: boolean;
  /** Keys read for this page. */
  scanned: number;
  /** False while an older catalogue's titles are still being indexed: some files are not found yet. */
  indexComplete: boolean;
}

/** How a rebuild reports and stops (between batches; the next rebuild resumes). */
export interface RebuildOptions {
  onBatch?: (titlesIndexed: number) => void;
  signal?: AbortSignal;
}

/** Options of one search request. */
export interface TitleSearchOptions {
  limit: number;
  /** The `nextCursor` of the previous page. */
  after?: string;
  /** Defaults to MAX_SCANNED_KEYS; benches and tests may lower it. */
  maxScannedKeys?: number;
}

/** The index keys of one title with its id, unsorted; none when the title is too long to index. */
export function titleKeys(title: string, id: number): Buffer[] {
  const idBytes = Buffer.allocUnsafe(ID_BYTES);
  idBytes.writeUInt32BE(id, 0);
  const keys = indexWords(title).map((w) => Buffer.concat([Buffer.from(w, 'utf8'), Buffer.from([SEPARATOR]), idBytes]));
  return keys.some((k) => k.length > MAX_KEY_BYTES) ? [] : keys;
}

function badQuery(message: string, hint: string): SeedbankError {
  return new SeedbankError('BAD_REQUEST', message, { hint });
}

export class TitleIndex {
  private readonly env: RootDatabase;
  private readonly db: Database<Buffer, Buffer>;
  private readonly ids: TitleIds;

  constructor(env: RootDatabase, db: Database<Buffer, Buffer>, ids: TitleIds) {
    this.env = env;
    this.db = db;
    this.ids = ids;
  }

  private meta(): IndexMeta | undefined {
    const raw = this.db.get(META_KEY);
    return raw ? (JSON.parse(raw.toString('utf8')) as IndexMeta) : undefined;
  }

  private putMetaSync(meta: IndexMeta): void {
    this.db.putSync(META_KEY, Buffer.from(JSON.stringify(meta), 'utf8'));
  }

  /** True when every title the catalogue holds is in the index (always, except while an older catalogue is rebuilt). */
  isComplete(): boolean {
    const m = this.meta();
    return m?.format === TITLE_INDEX_FORMAT && m.complete;
  }

  /** Marks a new, empty catalogue's index complete; call when no title exists yet. */
  markEmptyComplete(): void {
    if (this.meta() === undefined) this.putMetaSync({ format: TITLE_INDEX_FORMAT, complete: true, after: null });
  }

  /**
   * Writes the keys of these titles (giving each title its id first), sorted so the B-tree fills
   * in order; call inside the caller's write transaction. With `sink` the keys go there instead
   * (a sorted bulk load, see store/bulk-index.ts).
   */
  addTitlesSync(titles: Iterable<string>, sink?: (key: Buffer) => void): number {
    return this.addTitleIdsSync([...titles].map((title) => [title, this.ids.assignSync(title).id] as const), sink);
  }

  /** addTitlesSync for titles whose ids the caller already has. */
  addTitleIdsSync(titles: Iterable<readonly [title: string, id: number]>, sink?: (key: Buffer) => void): number {
    const keys = [...titles].flatMap(([title, id]) => titleKeys(title, id));
    const empty = Buffer.alloc(0);
    if (sink) for (const key of keys) sink(key);
    else for (const key of keys.sort(Buffer.compare)) this.db.putSync(key, empty);
    return keys.length;
  }

  /**
   * Brings an index that is missing or of an older format up to date from the catalogue's
   * titles, in batches of their own transactions (publishes may run in between; a title they
   * add is indexed by the publish itself). `titlesAfter(after, n)` lists up to n distinct
   * titles sorted after `after` (from the start when null). Resumes where a stopped rebuild left off.
   */
  async rebuild(titlesAfter: (after: string | null, limit: number) => { titles: string[]; next: string | null }, o: RebuildOptions = {}): Promise<void> {
    let meta = this.meta();
    if (meta?.format === TITLE_INDEX_FORMAT && meta.complete) return;
    if (meta && meta.format !== TITLE_INDEX_FORMAT) {
      await this.db.clearAsync();
      meta = undefined;
    }
    let after = meta?.after ?? null;
    let indexed = 0;
    for (;;) {
      const { titles: batch, next } = titlesAfter(after, REBUILD_BATCH_TITLES);
      const last = next ?? after;
      await this.env.transaction(() => {
        this.addTitlesSync(batch);
        this.putMetaSync({ format: TITLE_INDEX_FORMAT, complete: batch.length < REBUILD_BATCH_TITLES, after: last });
      });
      indexed += batch.length;
      o.onBatch?.(indexed);
      if (batch.length < REBUILD_BATCH_TITLES || o.signal?.aborted) return;
      after = last;
    }
  }

  /**
   * One page of the titles having, for every query word, a word that begins with it
   * (after folding). Throws a BAD_REQUEST SeedbankError for a query without letters or
   * digits, with too many words, or with a cursor from another query.
   */
  search(query: string, o: TitleSearchOptions): TitleSearchPage {
    const words = queryWords(query);
    if (words.length === 0) throw badQuery('the search has no letters or digits to look for', 'type the beginning of a word of the file title, e.g. "eiffel"');
    if (words.length > MAX_QUERY_WORDS) throw badQuery(`the search has ${words.length} words; at most ${MAX_QUERY_WORDS} are used`, 'keep the few most telling words of the title');
    const maxScanned = o.maxScannedKeys ?? MAX_SCANNED_KEYS;
    const indexComplete = this.isComplete();
    const resume = o.after === undefined ? null : this.decodeCursor(o.after, words);
    const scanIndex = resume?.scanIndex ?? this.pickScanWord(words);
    const page: TitleSearchPage = { words, titles: [], nextCursor: null, capped: false, scanned: 0, indexComplete };
    if (scanIndex === null) return page; // some word begins no title at all
    const scanWord = words[scanIndex]!;
    const prefix = Buffer.from(scanWord, 'utf8');
    const others = words.filter((_, i) => i !== scanIndex);
    const start = resume ? Buffer.concat([resume.key, Buffer.from([SEPARATOR])]) : prefix;
    let last: Buffer | null = null;
    for (const key of this.db.getKeys({ start, end: Buffer.concat([prefix, END_BYTE]) }) as Iterable<Buffer>) {
      if (page.titles.length >= o.limit || page.scanned >= maxScanned) {
        page.capped = page.titles.length < o.limit;
        page.nextCursor = `${scanIndex}.${last!.toString('base64url')}`;
        return page;
      }
      page.scanned++;
      last = Buffer.from(key);
      const sep = key.indexOf(SEPARATOR);
      const word = key.toString('utf8', 0, sep);
      const title = this.ids.title(key.readUInt32BE(sep + 1));
      if (title === undefined) continue; // an id never handed out: only a damaged store has one
      // The word itself is the smallest word it begins, so a title reached through it needs no tokenising.
      if (word === scanWord && others.length === 0) {
        page.titles.push(title);
        continue;
      }
      // A cheap necessary test first: most keys of a common word fail the other words.
      if (others.length > 0) {
        const folded = foldText(titleText(title));
        if (!others.every((q) => folded.includes(q))) continue;
      }
      const titleWords = indexWords(title);
      // Emit a title only at its first word beginning with the prefix, so it appears once however many of its words match.
      if (titleWords.find((w) => w.startsWith(scanWord)) !== word) continue;
      if (others.every((q) => hasWordStartingWith(titleWords, q))) page.titles.push(title);
    }
    return page;
  }

  /** The index of the query word with the fewest keys (ties: the longer word), or null when one has none. */
  private pickScanWord(words: string[]): number | null {
    if (words.length === 1) return 0;
    let best = 0;
    let bestCount = Infinity;
    for (const [i, w] of words.entries()) {
      const prefix = Buffer.from(w, 'utf8');
      let count = 0;
      for (const _ of this.db.getKeys({ start: prefix, end: Buffer.concat([prefix, END_BYTE]), limit: PROBE_KEYS })) count++;
      if (count === 0) return null;
      if (count < bestCount || (count === bestCount && w.length > words[best]!.length)) {
        best = i;
        bestCount = count;
      }
    }
    return best;
  }

  private decodeCursor(cursor: string, words: string[]): { scanIndex: number; key: Buffer } {
    const m = /^(\d{1,2})\.([A-Za-z0-9_-]{1,2800})$/.exec(cursor);
    const scanIndex = m ? Number(m[1]) : -1;
    const key = m ? Buffer.from(m[2]!, 'base64url') : Buffer.alloc(0);
    const word = words[scanIndex];
    if (!m || word === undefined || !key.subarray(0, key.indexOf(SEPARATOR)).toString('utf8').startsWith(word)) {
      throw badQuery('the "after" cursor does not belong to this search', 'follow the next-page link of the same search, or search again without "after"');
    }
    return { scanIndex, key };
  }
}
