/**
 * Where a build keeps the description pages it listed until it writes them into the pages
 * archives: LMDB files in the build's work folder (the pages by arrival number, and a title index). Page XML is the largest
 * thing a listing finds (a few KB per file, gigabytes at a million files), so it goes to disk
 * the moment it arrives and the listing keeps only the few fields the manifest records.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { SeedbankError } from '../../../shared/errors.ts';

/** The pages of one build, by file title. */
export interface PageStore {
  /** Keeps a page element (verbatim `<page>…</page>` with its indent); a later put of the same title replaces it. */
  put(title: string, xml: string): void;
  /** The page element of a title; throws when the listing never saw it (a bug, not bad input). */
  get(title: string): string;
  /** True when a page of this title was kept. */
  has(title: string): boolean;
  /** Resolves once every put is readable. */
  flushed(): Promise<void>;
  /**
   * A promise to wait on when the puts not yet written hold more than a few tens of megabytes
   * (a reader faster than the disk would otherwise queue the whole dump in memory), else null.
   */
  backlog(): Promise<void> | null;
  /**
   * Waits for every put, then closes and reopens the file. LMDB reads through a memory map,
   * and each page read stays resident (counted in the build's RSS) until the map is closed:
   * a writer that reads every page calls this between volumes, so the build holds one
   * volume's pages, not the whole store's gigabytes.
   */
  release(): Promise<void>;
  /** Closes the store and removes its files. */
  close(): Promise<void>;
}

/** How much page text may wait for LMDB's write thread before the reader is held back. */
const BACKLOG_CHARS = 32 * 2 ** 20;

/**
 * Opens a fresh page store in `dir` (a leftover of a killed build there is removed first).
 * Pages are keyed by arrival number, so LMDB appends them (a dump gives pages in page id
 * order, not title order: keyed by title, every insert landed in a random leaf, leaves stayed
 * half full, the file was 2.6 times larger and all of it was touched, so resident); a small
 * second table finds a title's number.
 */
export async function openPageStore(dir: string): Promise<PageStore> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // Scratch data: no fsync (a crash restarts the build anyway).
  // Two files: the index's random inserts in the pages' file made the kernel map the appended
  // pages around them too (fault-around), so most of the file became resident again.
  const scratch = { noSubdir: false, noSync: true, noMetaSync: true };
  const openPages = (): RootDatabase<string, number> => open({ path: path.join(dir, 'pages'), ...scratch, encoding: 'string', keyEncoding: 'uint32', compression: true });
  const openNumbers = (): RootDatabase<number, string> => open({ path: path.join(dir, 'titles'), ...scratch, encoding: 'ordered-binary' });
  let pages = openPages();
  let numbers = openNumbers();
  // Writes are batched by lmdb; the first failure (a full disk) is kept and thrown at the next flush.
  let pending: Promise<unknown> = Promise.resolve();
  let failure: unknown = null;
  let queuedChars = 0;
  let next = 0;
  const numberOf = (title: string) => {
    const n = numbers.get(title);
    if (n === undefined) throw new SeedbankError('INTERNAL', `no description page was kept for ${title}`);
    return n;
  };
  const flushed = async (): Promise<void> => {
    await pending;
    await pages.flushed;
    await numbers.flushed;
    if (failure) throw new SeedbankError('STORAGE_UNWRITABLE', `the build's page store in ${dir} could not be written: ${(failure as Error).message}`, { cause: failure, hint: 'free some disk space in the data folder and build again' });
  };
  return {
    put(title, xml) {
      // A title put again gets a new number; the index's last write wins and the old page is never read.
      const n = next++;
      // The callbacks keep the length, not the string: a page cut from an export is a view of the
      // whole export, which a closure holding it would keep alive until LMDB has written it.
      const chars = xml.length;
      queuedChars += chars;
      void numbers.put(title, n);
      pending = pages.put(n, xml).then(
        () => void (queuedChars -= chars),
        (err: unknown) => {
          queuedChars -= chars;
          failure ??= err;
        },
      );
    },
    backlog: () => (queuedChars > BACKLOG_CHARS ? pending.then(() => undefined) : null),
    get(title) {
      const xml = pages.get(numberOf(title));
      if (xml === undefined) throw new SeedbankError('INTERNAL', `no description page was kept for ${title}`);
      return xml;
    },
    has: (title) => numbers.doesExist(title),
    flushed,
    async release() {
      await flushed();
      await pages.close();
      await numbers.close();
      pages = openPages();
      numbers = openNumbers();
    },
    async close() {
      await pages.close();
      await numbers.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A page store in memory (tests and small tools). */
export function memoryPageStore(): PageStore {
  const pages = new Map<string, string>();
  return {
    put: (title, xml) => void pages.set(title, xml),
    get(title) {
      const xml = pages.get(title);
      if (xml === undefined) throw new SeedbankError('INTERNAL', `no description page was kept for ${title}`);
      return xml;
    },
    has: (title) => pages.has(title),
    flushed: async () => undefined,
    release: async () => undefined,
    backlog: () => null,
    close: async () => pages.clear(),
  };
}
