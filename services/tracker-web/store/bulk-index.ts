/**
 * A bulk load of the per-file index and the word search: `putVersion(v, now, bulk)` writes
 * everything but the per-file rows, the search keys and the title-id keys, which gather here (the set file lists
 * and title names need no sorting: they are appended in key order as they come); `store.finishBulkIndex(bulk)` then writes them in key
 * order. For building a large catalogue at once (the catalogue bench, a migration); the
 * publish path writes its rows straight away.
 */
import { BulkTitleKeys } from './bulk-title-keys.ts';
import { SortedBulkLoad } from './sorted-bulk-load.ts';
import type { IndexSink } from './version-index.ts';

/** Arena per table before a sorted run goes to disk. */
const ARENA_BYTES = 128 * 2 ** 20;

/** The three per-file tables' pending rows. */
export class BulkIndex {
  readonly files: SortedBulkLoad;
  readonly titles: SortedBulkLoad;
  readonly categories: SortedBulkLoad;
  /** The word search's keys (search/title-index.ts): thirteen or so per title, the largest table by rows. */
  readonly words: SortedBulkLoad;
  /** The title-id keys (title-ids.ts): one random B-tree insert per new title on the publish path. */
  readonly titleKeys: BulkTitleKeys;

  /** `arenaBytes`: memory per table before a sorted run is written out. */
  constructor(arenaBytes = ARENA_BYTES) {
    this.files = new SortedBulkLoad(arenaBytes);
    this.titles = new SortedBulkLoad(arenaBytes);
    this.categories = new SortedBulkLoad(arenaBytes);
    this.words = new SortedBulkLoad(arenaBytes);
    this.titleKeys = new BulkTitleKeys(arenaBytes);
  }

  /** What putVersion writes into. */
  readonly sink: IndexSink = {
    file: (k, v) => this.files.add(k, v),
    title: (k, v) => this.titles.add(k, v),
    category: (k, v) => this.categories.add(k, v),
  };
}
