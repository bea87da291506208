/**
 * The page table of a dump run as a listing needs it: the titles of file and category pages
 * only (every other namespace is skipped), kept as byte pools with their page ids in typed
 * arrays. A million file titles cost their bytes plus about 20 bytes each, not a Map entry
 * and a V8 string per page.
 */
import { readSqlDump } from '../../../shared/dumps/sql-dump-reader.ts';
import { ByteStrings, IdIndex, grown } from './byte-strings.ts';
import { columnIndex, NS_CATEGORY, NS_FILE } from './dump-tables.ts';

/** File and category pages of a run, by page id and by title. */
export class PageTable {
  /** File titles as dump keys (underscores: the image table's names), numbered by row. */
  readonly files = new ByteStrings();
  /** Row → page id, and whether the page is a redirect (a moved file's old name). */
  fileIds = new Int32Array(0);
  fileRedirect = new Uint8Array(0);
  /** Page id → file row. */
  readonly fileRowOf = new IdIndex();
  /** Category names (underscores), shared with the category graph so a name has one number. */
  readonly categories = new ByteStrings(true);
  /** Page id of a category page → its category number. */
  readonly categoryOfPage = new IdIndex();

  /** Adds a file page. */
  addFile(pageId: number, title: Uint8Array, redirect: boolean): void {
    const row = this.files.add(title);
    this.fileIds = grown(this.fileIds, row + 1);
    this.fileRedirect = grown(this.fileRedirect, row + 1);
    this.fileIds[row] = pageId;
    this.fileRedirect[row] = redirect ? 1 : 0;
    this.fileRowOf.set(pageId, row);
  }

  /** The file name (underscores) of a row. */
  fileName(row: number): string {
    return this.files.text(row);
  }

  /** Bytes the table holds, for the benchmark's account of what is live. */
  get bytesHeld(): number {
    return this.files.bytesHeld + this.fileIds.byteLength + this.fileRedirect.byteLength + this.fileRowOf.bytesHeld + this.categories.bytesHeld + this.categoryOfPage.bytesHeld;
  }
}

/** Reads the page table: ids and titles of files and categories (other namespaces are skipped). */
export async function readPageTable(file: string): Promise<PageTable> {
  const out = new PageTable();
  let at: Record<string, number> = {};
  await readSqlDump(file, {
    table: 'page',
    onColumns: (cols) => (at = columnIndex('page', cols, ['page_id', 'page_namespace', 'page_title', 'page_is_redirect'])),
    onRow(row) {
      const ns = row.number(at.page_namespace!);
      if (ns === NS_FILE) out.addFile(row.number(at.page_id!), row.bytes(at.page_title!), row.number(at.page_is_redirect!) !== 0);
      else if (ns === NS_CATEGORY) out.categoryOfPage.set(row.number(at.page_id!), out.categories.add(row.bytes(at.page_title!)));
    },
  });
  return out;
}
