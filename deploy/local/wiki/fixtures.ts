// Fills a test wiki (see mediawiki.ts) with Commons-like content through MediaWiki's own
// maintenance scripts, and applies a set of changes to it; both return what they did so
// tests can compare a build against it.
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  BULK_CATEGORY,
  CATEGORY_SPECS,
  CHANGES,
  NAMED_FILES,
  NEW_FILES,
  ROOT_CATEGORY,
  TEMPLATE_PAGES,
  bigFileSpec,
  bulkFileSpec,
  categoryPageText,
  filePageText,
  type Coordinates,
  type FileSpec,
} from './fixture-data.ts';
import { makeBigImage, makeImage } from './images.ts';
import type { Wiki } from './mediawiki.ts';
import { categoryMembers, imageInfos } from './wiki-api.ts';

export type { Coordinates } from './fixture-data.ts';
export { BULK_CATEGORY, CHANGES, ROOT_CATEGORY } from './fixture-data.ts';

export interface FixtureFile {
  /** "File:Île de la Cité.jpg" (spaces, not underscores). */
  title: string;
  /** "Île de la Cité.jpg" */
  name: string;
  kind: 'named' | 'big' | 'bulk' | 'new';
  /** The local source file that was imported (inside wiki.dir; gone after wiki.stop()). */
  path: string;
  sha1: string;
  size: number;
  mime: string;
  /** Category titles, "Category:Paris". */
  categories: string[];
  coordinates: Coordinates | null;
  /** The file description page's wikitext, as stored. */
  text: string;
}

export interface FixtureCategory {
  /** "Category:Paris" */
  title: string;
  /** Parent category titles. */
  parents: string[];
  text: string;
}

export interface FixtureSet {
  files: FixtureFile[];
  categories: FixtureCategory[];
  /** "Category:Paris": the root of the tree (which contains a cycle back to itself). */
  rootCategory: string;
  /** The category with bulkCount (> 120) files, for API continuation. */
  bulkCategory: string;
  /** Folder holding the generated source files. */
  sourceDir: string;
}

export interface FillOptions {
  /** Multi-megabyte PNGs in Category:Paris (default 2). */
  bigFiles?: number;
  /** Small files in Category:Street furniture in Paris (default 130). */
  bulkCount?: number;
}

export interface ChangeSet {
  added: FixtureFile[];
  reuploaded: { title: string; oldSha1: string; newSha1: string; oldSize: number; newSize: number; path: string };
  deleted: { title: string; sha1: string };
  /** A file page move (with a redirect left behind, as on Commons); the file moves too. */
  renamed: { from: string; to: string; sha1: string };
  recategorized: { title: string; added: string; categories: string[] };
  /** The whole expected state after the changes. */
  after: FixtureSet;
}

/** Timings of the last fillWiki() in this process, for reporting. */
export let lastFillTimings: { imagesMs: number; importMs: number; jobsMs: number; verifyMs: number; totalMs: number } | undefined;

const cat = (name: string) => `Category:${name}`;

export function fileByTitle(set: FixtureSet, title: string): FixtureFile {
  const file = set.files.find((f) => f.title === title);
  if (!file) throw new Error(`no fixture file ${title}`);
  return file;
}

/** Direct members of a category: file titles and subcategory titles. */
export function directMembers(set: FixtureSet, categoryTitle: string): { files: string[]; subcategories: string[] } {
  return {
    files: set.files.filter((f) => f.categories.includes(categoryTitle)).map((f) => f.title),
    subcategories: set.categories.filter((c) => c.parents.includes(categoryTitle)).map((c) => c.title),
  };
}

/** Files in a category and its subcategories down to maxDepth (0 = only direct members); cycle-safe. */
export function filesUnder(set: FixtureSet, categoryTitle: string, maxDepth = Infinity): FixtureFile[] {
  const seen = new Set([categoryTitle]);
  let frontier = [categoryTitle];
  const titles = new Set<string>();
  for (let depth = 0; frontier.length > 0 && depth <= maxDepth; depth++) {
    const next: string[] = [];
    for (const c of frontier) {
      const members = directMembers(set, c);
      for (const t of members.files) titles.add(t);
      for (const sub of members.subcategories) {
        if (seen.has(sub)) continue;
        seen.add(sub);
        next.push(sub);
      }
    }
    frontier = next;
  }
  return set.files.filter((f) => titles.has(f.title));
}

/** Generates images + description files for `specs` into `dir`. */
async function writeFiles(dir: string, specs: Array<{ spec: FileSpec; kind: FixtureFile['kind']; seed: number; big?: number }>) {
  await fs.mkdir(dir, { recursive: true });
  const files: FixtureFile[] = [];
  // Small batches: sharp works on its own threads; this bounds memory for the big ones.
  for (let i = 0; i < specs.length; i += 16) {
    files.push(...(await Promise.all(specs.slice(i, i + 16).map(async ({ spec, kind, seed, big }) => {
      const file = path.join(dir, spec.name);
      const made = big !== undefined
        ? await makeBigImage(file, seed, big)
        : await makeImage(file, seed, { format: spec.format, width: spec.width, height: spec.height });
      const text = filePageText(spec);
      await fs.writeFile(`${file}.txt`, text);
      return {
        title: `File:${spec.name}`, name: spec.name, kind, path: file, sha1: made.sha1, size: made.size,
        mime: made.mime, categories: spec.categories.map(cat), coordinates: spec.coordinates, text,
      } satisfies FixtureFile;
    }))));
  }
  return files;
}

async function importFiles(wiki: Wiki, dir: string, extra: string[] = []): Promise<void> {
  const { stdout } = await wiki.php('importImages.php', ['--comment-ext=txt', `--user=${wiki.adminUser}`, ...extra, dir]);
  if (/failed/i.test(stdout)) throw new Error(`importImages.php reported failures:\n${stdout.slice(-3000)}`);
}

/** Creates or replaces wiki pages in one process (importTextFiles.php: title = file name). */
async function importPages(wiki: Wiki, dir: string, pages: Record<string, string>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [title, text] of Object.entries(pages)) {
    const file = path.join(dir, `${title}.txt`);
    await fs.writeFile(file, text);
    files.push(file);
  }
  await wiki.php('importTextFiles.php', ['--rc', '--overwrite', `--user=${wiki.adminUser}`, ...files]);
}

async function runJobs(wiki: Wiki): Promise<void> {
  await wiki.php('runJobs.php', []);
}

/** Checks through the HTTP API that the wiki holds exactly `set`; throws a descriptive error if not. */
export async function verifyWiki(wiki: Wiki, set: FixtureSet, opts: { text?: boolean } = {}): Promise<void> {
  const problems: string[] = [];
  for (const category of set.categories) {
    const expected = Object.values(directMembers(set, category.title)).flat().sort();
    const actual = (await categoryMembers(wiki.apiUrl, category.title)).sort();
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      const missing = expected.filter((t) => !actual.includes(t));
      const extra = actual.filter((t) => !expected.includes(t));
      problems.push(`${category.title}: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
    }
  }
  const infos = await imageInfos(wiki.apiUrl, set.files.map((f) => f.title), { text: opts.text ?? true });
  for (const file of set.files) {
    const info = infos.get(file.title);
    if (!info || info.missing) problems.push(`${file.title}: no imageinfo`);
    else if (info.sha1 !== file.sha1 || info.size !== file.size) {
      problems.push(`${file.title}: sha1/size ${info.sha1}/${info.size}, expected ${file.sha1}/${file.size}`);
    } else if ((opts.text ?? true) && info.text !== file.text) {
      problems.push(`${file.title}: page text differs:\n${JSON.stringify(info.text)}\nexpected\n${JSON.stringify(file.text)}`);
    }
  }
  if (problems.length > 0) throw new Error(`The wiki does not hold the expected fixtures:\n${problems.join('\n')}`);
}

/** Fills a fresh wiki (once per wiki: a second call would find the files already there). */
export async function fillWiki(wiki: Wiki, options: FillOptions = {}): Promise<FixtureSet> {
  const t0 = performance.now();
  const bigFiles = options.bigFiles ?? 2;
  const bulkCount = options.bulkCount ?? 130;
  const sourceDir = path.join(wiki.dir, 'fixtures');
  const importDir = path.join(sourceDir, 'import');

  const specs = [
    ...NAMED_FILES.map((spec, i) => ({ spec, kind: 'named' as const, seed: 1000 + i })),
    ...Array.from({ length: bigFiles }, (_, i) => ({ spec: bigFileSpec(i), kind: 'big' as const, seed: 2000 + i, big: i })),
    ...Array.from({ length: bulkCount }, (_, i) => ({ spec: bulkFileSpec(i), kind: 'bulk' as const, seed: 3000 + i })),
  ];
  const files = await writeFiles(importDir, specs);
  const categories: FixtureCategory[] = CATEGORY_SPECS.map((c) => ({
    title: cat(c.name), parents: c.parents.map(cat), text: categoryPageText(c),
  }));
  const tImport = performance.now();

  // Templates and categories first, so file pages link to existing pages when parsed.
  const pages: Record<string, string> = { ...TEMPLATE_PAGES };
  for (const c of categories) pages[c.title] = c.text;
  await importPages(wiki, path.join(sourceDir, 'pages'), pages);
  await importFiles(wiki, importDir);
  const tJobs = performance.now();
  await runJobs(wiki);
  const tVerify = performance.now();

  const set: FixtureSet = { files, categories, rootCategory: ROOT_CATEGORY, bulkCategory: BULK_CATEGORY, sourceDir };
  await verifyWiki(wiki, set);
  const end = performance.now();
  lastFillTimings = {
    imagesMs: tImport - t0, importMs: tJobs - tImport, jobsMs: tVerify - tJobs, verifyMs: end - tVerify, totalMs: end - t0,
  };
  return set;
}

/**
 * Applies CHANGES (see fixture-data.ts) to a filled wiki, once: two new uploads in
 * Category:Paris, a re-upload, a deletion, a rename and a category change; then runs the jobs
 * and checks the result through the API. `fixtures` is not modified; `after` is the new state.
 */
export async function changeWiki(wiki: Wiki, fixtures: FixtureSet): Promise<ChangeSet> {
  const dir = path.join(fixtures.sourceDir, `change-${Date.now()}`);
  const files = fixtures.files.map((f) => ({ ...f, categories: [...f.categories] }));
  const find = (title: string) => {
    const file = files.find((f) => f.title === title);
    if (!file) throw new Error(`changeWiki: fixture ${title} is not in the set (already changed?)`);
    return file;
  };

  // 1. Two new uploads in Category:Paris.
  const added = await writeFiles(path.join(dir, 'new'),
    NEW_FILES.map((spec, i) => ({ spec, kind: 'new' as const, seed: 4000 + i })));
  await importFiles(wiki, path.join(dir, 'new'));

  // 2. A re-upload with new bytes (page text stays; the old version goes to the archive).
  const old = find(CHANGES.reupload);
  const oldSpec = NAMED_FILES.find((s) => `File:${s.name}` === old.title);
  if (!oldSpec) throw new Error(`changeWiki: ${old.title} is not a named fixture`);
  const [fresh] = await writeFiles(path.join(dir, 'overwrite'),
    [{ spec: { ...oldSpec, width: 120, height: 80 }, kind: old.kind, seed: 5000 }]);
  if (!fresh) throw new Error('changeWiki: could not make the re-upload');
  await fs.rm(`${fresh.path}.txt`);
  await importFiles(wiki, path.join(dir, 'overwrite'), ['--overwrite', '--comment=Re-upload with new bytes']);
  const reuploaded = { title: old.title, oldSha1: old.sha1, newSha1: fresh.sha1, oldSize: old.size, newSize: fresh.size, path: fresh.path };
  Object.assign(old, { sha1: fresh.sha1, size: fresh.size, path: fresh.path });

  // 3. A deletion (page and file).
  const gone = find(CHANGES.delete);
  const deleteList = path.join(dir, 'delete.txt');
  await fs.writeFile(deleteList, `${gone.title}\n`);
  const deleted = await wiki.php('deleteBatch.php', ['-u', wiki.adminUser, '-r', 'Seedbank test: deletion', deleteList]);
  if (/FAILED/.test(deleted.stdout)) throw new Error(`deleteBatch.php failed:\n${deleted.stdout}`);
  files.splice(files.indexOf(gone), 1);

  // 4. A rename: moving the file page moves the file.
  const moved = find(CHANGES.rename.from);
  const moveList = path.join(dir, 'move.txt');
  await fs.writeFile(moveList, `${CHANGES.rename.from}|${CHANGES.rename.to}\n`);
  await wiki.php('moveBatch.php', ['--u', wiki.adminUser, '--r', 'Seedbank test: rename', moveList]);
  moved.title = CHANGES.rename.to;
  moved.name = CHANGES.rename.to.slice('File:'.length);

  // 5. A category change: an existing file is added to Category:Birds.
  const recat = find(CHANGES.recategorize.title);
  recat.text = `${recat.text}\n[[${CHANGES.recategorize.add}]]`;
  recat.categories.push(CHANGES.recategorize.add);
  await wiki.php('edit.php', ['-u', wiki.adminUser, '-s', 'Seedbank test: add category', recat.title], { input: recat.text });

  await runJobs(wiki);
  files.push(...added);
  const after: FixtureSet = { ...fixtures, files, categories: fixtures.categories.map((c) => ({ ...c })) };
  await verifyWiki(wiki, after);
  return {
    added,
    reuploaded,
    deleted: { title: gone.title, sha1: gone.sha1 },
    renamed: { from: CHANGES.rename.from, to: CHANGES.rename.to, sha1: moved.sha1 },
    recategorized: { title: recat.title, added: CHANGES.recategorize.add, categories: [...recat.categories] },
    after,
  };
}
