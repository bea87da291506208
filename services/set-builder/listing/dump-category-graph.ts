/**
 * The category graph of a dump run as typed arrays: every link of categorylinks (old `cl_to`,
 * or newer `cl_target_id` through the `linktarget` table) is three integers while the dump is
 * read, then two compressed-sparse-row indexes: the members of each category (for the walk)
 * and the categories of each file page (for its record). Category names are numbers in one
 * byte pool shared with the page table.
 */
import { readSqlDump } from '../../../shared/dumps/sql-dump-reader.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { ByteStrings, IdIndex, IntList } from './byte-strings.ts';
import { columnIndex, NS_CATEGORY, spaced } from './dump-tables.ts';

const KIND_FILE = 0;
const KIND_SUBCAT = 1;
/** Distinct category combinations whose arrays are shared between files (past it, each file gets its own). */
const COMBINATIONS_SHARED = 100_000;
const NO_CATEGORIES: readonly string[] = Object.freeze([]);

/** Groups `n` items by key (0 ≤ key < keys), keeping their order within a key: CSR starts and the item order. */
function groupBy(keyOf: Int32Array, keys: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(keys + 1);
  for (let i = 0; i < keyOf.length; i++) start[keyOf[i]! + 1]!++;
  for (let k = 0; k < keys; k++) start[k + 1]! += start[k]!;
  const next = start.slice(0, keys);
  const order = new Int32Array(keyOf.length);
  for (let i = 0; i < keyOf.length; i++) order[next[keyOf[i]!]!++] = i;
  return { start, order };
}

/** Members of each category and categories of each file page. */
export class CategoryGraph {
  /** Members of category c: memberIds[memberStart[c], memberStart[c + 1]), page ids; memberKind says file or subcategory. */
  private memberStart: Int32Array | null;
  private memberIds: Int32Array | null;
  private memberKind: Uint8Array | null;
  /** Categories of the file page whose row fileRowOf gives: cats[catStart[r], catStart[r + 1]). */
  private readonly fileRowOf: IdIndex;
  private readonly catStart: Int32Array;
  private readonly cats: Int32Array;
  /** Spaced names made once per category, shared by every file that lists it. */
  private readonly spacedNames: Array<string | undefined> = [];
  /** Sorted category lists already made, by their category numbers. */
  private readonly combinations = new Map<string, readonly string[]>();

  /** Rows of categorylinks kept (links from file and category pages). */
  readonly linkCount: number;

  constructor(
    /** Category names (underscores), by number. */
    readonly names: ByteStrings,
    /** Which column named the category: `cl_to`, or `cl_target_id` through linktarget. */
    readonly schema: 'cl_to' | 'cl_target_id',
    links: { from: Int32Array; cat: Int32Array; kind: Uint8Array },
  ) {
    this.linkCount = links.from.length;
    const byCat = groupBy(links.cat, names.size);
    this.memberStart = byCat.start;
    this.memberIds = new Int32Array(byCat.order.length);
    this.memberKind = new Uint8Array(byCat.order.length);
    byCat.order.forEach((link, i) => {
      this.memberIds![i] = links.from[link]!;
      this.memberKind![i] = links.kind[link]!;
    });
    // Rows for the file pages that have categories, in the order first seen.
    this.fileRowOf = new IdIndex();
    const fileLinks = new IntList();
    const rowOfLink = new IntList();
    for (let i = 0; i < links.from.length; i++) {
      if (links.kind[i] !== KIND_FILE) continue;
      let row = this.fileRowOf.get(links.from[i]!);
      if (row < 0) this.fileRowOf.set(links.from[i]!, (row = this.fileRowOf.size));
      fileLinks.push(i);
      rowOfLink.push(row);
    }
    const fl = fileLinks.toArray();
    const byFile = groupBy(rowOfLink.toArray(), this.fileRowOf.size);
    this.catStart = byFile.start;
    this.cats = new Int32Array(fl.length);
    byFile.order.forEach((k, i) => (this.cats[i] = links.cat[fl[k]!]!));
  }

  /** The number of a category (name with spaces or underscores), or -1. */
  categoryNumber(name: string): number {
    return this.names.findText(name.replace(/ /g, '_'));
  }

  /** The name (spaces) of category c, one string per category. */
  categoryName(c: number): string {
    return (this.spacedNames[c] ??= spaced(this.names.text(c)));
  }

  /** Calls back for each member of category c, files and subcategories, in dump order. */
  forEachMember(c: number, onFile: (pageId: number) => void, onSubcat: (pageId: number) => void): void {
    if (this.memberStart === null) throw new SeedbankError('INTERNAL', 'the category members were dropped before the walk');
    for (let i = this.memberStart[c]!; i < this.memberStart[c + 1]!; i++) (this.memberKind![i] === KIND_SUBCAT ? onSubcat : onFile)(this.memberIds![i]!);
  }

  /** Members of a category by name (spaces), or undefined when it has none: for tests and small tools. */
  members(name: string): { files: number[]; subcats: number[] } | undefined {
    const c = this.categoryNumber(name);
    if (c < 0 || this.memberStart === null || this.memberStart[c] === this.memberStart[c + 1]) return undefined;
    const m = { files: [] as number[], subcats: [] as number[] };
    this.forEachMember(c, (id) => m.files.push(id), (id) => m.subcats.push(id));
    return m;
  }

  /** The categories (spaces) of a file page, in dump order, or undefined when it has none. */
  categoriesOf(pageId: number): string[] | undefined {
    const r = this.fileRowOf.get(pageId);
    if (r < 0) return undefined;
    const out: string[] = [];
    for (let i = this.catStart[r]!; i < this.catStart[r + 1]!; i++) out.push(this.categoryName(this.cats[i]!));
    return out;
  }

  /**
   * The distinct categories (spaces) of a file page, sorted, as the manifest lists them. Files
   * with the same categories share one frozen array (most files of a set share a handful of
   * combinations), up to a bound on the combinations remembered.
   */
  sortedCategoriesOf(pageId: number): readonly string[] {
    const r = this.fileRowOf.get(pageId);
    if (r < 0) return NO_CATEGORIES;
    const numbers = [...new Set(this.cats.subarray(this.catStart[r]!, this.catStart[r + 1]!))];
    const key = numbers.sort((a, b) => a - b).join(',');
    const shared = this.combinations.get(key);
    if (shared !== undefined) return shared;
    const names = Object.freeze(numbers.map((c) => this.categoryName(c)).sort());
    if (this.combinations.size < COMBINATIONS_SHARED) this.combinations.set(key, names);
    return names;
  }

  /** Frees the members index once the walk is done: only each file's own categories are still needed. */
  dropMembers(): void {
    this.memberStart = this.memberIds = this.memberKind = null;
  }

  /** Bytes the graph holds, for the benchmark's account of what is live. */
  get bytesHeld(): number {
    return (this.memberIds?.byteLength ?? 0) * 2 + this.fileRowOf.bytesHeld + this.catStart.byteLength + this.cats.byteLength;
  }
}

/** Link target id → category number, for the linktarget rows of the category namespace. */
async function readCategoryTargets(file: string, names: ByteStrings): Promise<IdIndex> {
  const out = new IdIndex();
  let at: Record<string, number> = {};
  await readSqlDump(file, {
    table: 'linktarget',
    onColumns: (cols) => (at = columnIndex('linktarget', cols, ['lt_id', 'lt_namespace', 'lt_title'])),
    onRow(row) {
      if (row.number(at.lt_namespace!) === NS_CATEGORY) out.set(row.number(at.lt_id!), names.add(row.bytes(at.lt_title!)));
    },
  });
  return out;
}

/**
 * Reads categorylinks. A dump with `cl_to` names the category itself; a newer one has
 * `cl_target_id`, resolved through the run's linktarget dump, and is refused without it.
 * `names` is the page table's category pool, so page and link agree on each category's number.
 */
export async function readCategoryGraph(file: string, linktargetFile: string | undefined, names = new ByteStrings(true)): Promise<CategoryGraph> {
  let columns: string[] = [];
  // The columns decide whether the linktarget dump is needed, before any row.
  await readSqlDump(file, { table: 'categorylinks', onColumns: (c) => (columns = c), onRow() {}, headerOnly: true });
  const byName = columns.includes('cl_to');
  let targets: IdIndex | null = null;
  if (!byName) {
    columnIndex('categorylinks', columns, ['cl_from', 'cl_target_id', 'cl_type']);
    if (linktargetFile === undefined) {
      throw new SeedbankError('DUMP_RUN_NOT_FOUND', `${file} names categories by cl_target_id, and the run has no linktarget dump to resolve them`, {
        hint: 'download <wiki>-<date>-linktarget.sql.gz of the same run into the folder',
      });
    }
    targets = await readCategoryTargets(linktargetFile, names);
  }
  const from = new IntList();
  const cat = new IntList();
  const kind = new IntList();
  await readSqlDump(file, {
    table: 'categorylinks',
    columns: ['cl_from', byName ? 'cl_to' : 'cl_target_id', 'cl_type'],
    onRow(row) {
      const type = row.bytes(2);
      // 'page' links (articles in a category) are not walked: only 'file' and 'subcat'.
      const k = type.length === 4 && type[0] === 0x66 ? KIND_FILE : type.length === 6 && type[0] === 0x73 ? KIND_SUBCAT : -1;
      if (k < 0) return;
      const c = targets === null ? names.add(row.bytes(1)) : targets.get(row.number(1));
      if (c < 0) return; // a link to a target outside the category namespace
      from.push(row.number(0));
      cat.push(c);
      kind.push(k);
    },
  });
  return new CategoryGraph(names, byName ? 'cl_to' : 'cl_target_id', { from: from.toArray(), cat: cat.toArray(), kind: Uint8Array.from(kind.toArray()) });
}
