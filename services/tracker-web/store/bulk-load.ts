/**
 * Publishing many versions at once into an empty or quiet catalogue (the catalogue bench's
 * synthetic store, a migration): each version goes through `putVersion` as a publish would,
 * but many versions share one write transaction (one commit and sync instead of one per
 * version), and the per-file rows, search keys and title-id keys, which a publish inserts
 * at random places in large B-trees, gather in sorted bulk loads written in key order at the
 * end (bulk-index.ts). The tables end up holding exactly the rows the publishes one by one
 * would have written (test/unit/catalogue-bulk-load.test.ts compares them byte for byte).
 * Nothing else may write to the store during the load: until `finish`, its per-file index is
 * incomplete.
 */
import { SeedbankError } from '../../../shared/errors.ts';
import { BulkIndex } from './bulk-index.ts';
import type { CatalogueStore, NewVersion } from './catalogue-store.ts';

/** Rows the load wrote per table when it finished. */
export type BulkLoadRows = ReturnType<CatalogueStore['finishBulkIndex']>;

/** See the module comment. */
export class CatalogueBulkLoad {
  private readonly index: BulkIndex;
  private finished = false;

  /** `arenaBytes`: memory per sorted table before a run is written to a temporary file. */
  constructor(
    private readonly store: CatalogueStore,
    arenaBytes?: number,
  ) {
    this.index = new BulkIndex(arenaBytes);
  }

  /** Publishes these versions in order, in one write transaction; `now` is each one's publish time. */
  putBatch(versions: Iterable<{ version: NewVersion; now: number }>): number {
    if (this.finished) throw new SeedbankError('INTERNAL', 'bulk load: a batch came after finish', { hint: 'start a new CatalogueBulkLoad' });
    let n = 0;
    this.store.bulkTransactionSync(() => {
      for (const { version, now } of versions) {
        this.store.putVersion(version, now, this.index);
        n++;
      }
    });
    return n;
  }

  /** Writes the gathered rows in key order; the store is complete once this returns. */
  finish(): BulkLoadRows {
    this.finished = true;
    return this.store.finishBulkIndex(this.index);
  }
}
