// The scale fixture: fills a MariaDB test wiki (startWiki({ database: 'mariadb' })) with
// 100,000+ files in about a minute, where importImages.php would take hours. It writes the
// wiki's own tables (text, content, revision, slots, page, image, categorylinks, category,
// site_stats) in bulk inside one transaction, in the schema of Debian's MediaWiki 1.39, and
// the files straight into the upload folder in the hashed layout. The category pages and
// templates are made by MediaWiki itself (importTextFiles.php) before the bulk rows, and one
// ordinary edit after them makes the newest recent change the wiki's newest revision (the
// snapshot point an API build records).
// scale-verify.ts checks the result through the API. Used by `npm run bench:scale`, not by
// the default test run.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { commonsPath } from '../../../shared/commons-path.ts';
import { hexToBase36Sha1 } from '../../../shared/dumps/base36-sha1.ts';
import { TEMPLATE_PAGES } from './fixture-data.ts';
import type { Wiki } from './mediawiki.ts';
import { SCALE_CATEGORIES, SCALE_IMAGE, SCALE_IMAGE_METADATA, SCALE_ROOT, SCALE_SUBCATEGORIES, scaleBaseImage, scaleFile, scaleFileBytes } from './scale-data.ts';

/** Rows per INSERT statement: big enough to be fast, far under the client's 16 MB packet limit. */
const ROWS_PER_INSERT = 1000;
/** Media files written at once. */
const WRITE_CONCURRENCY = 32;
/** The edit summary of every bulk revision and upload. */
const BULK_COMMENT = 'Seedbank scale fixture (bulk fill)';
const NS_FILE = 6;
const MAINTENANCE_TIMEOUT_MS = 600_000;
/** The page the closing edit writes (the project namespace: nothing links to it, so it queues no work). */
const SNAPSHOT_PAGE = 'Project:Scale fixture';

/** What fillWikiInBulk made. */
export interface ScaleFill {
  files: number;
  /** Bytes of media written. */
  bytes: number;
  /** The upload folder holding the a/ab/ folders (what --media-from takes). */
  uploadDir: string;
  /** Direct file members of each category (name without prefix). */
  members: Record<string, number>;
  /** The highest revision id of the bulk rows (the category pages come after). */
  lastBulkRevisionId: number;
  /** Category pages and templates (by MediaWiki), the bulk rows and media, the closing edit. */
  timings: { pagesMs: number; sqlAndMediaMs: number; snapshotEditMs: number; totalMs: number };
}

/** A string literal for MariaDB: backslash escapes for what would end or corrupt it. */
function sql(s: string): string {
  return `'${s.replace(/[\\'\0\n\r\x1a]/g, (c) => ({ '\\': '\\\\', "'": "\\'", '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z' })[c]!)}'`;
}

/** MediaWiki's base-36 SHA-1 of a text (rev_sha1, content_sha1). */
function textSha1(text: string): string {
  return hexToBase36Sha1(createHash('sha1').update(text, 'utf8').digest('hex'));
}

/** CommentStore's hash: crc32 of the text xor crc32 of the data, as a signed 32-bit number. */
function commentHash(text: string): number {
  return (crc32(text) ^ crc32('')) | 0;
}

/** MySQL's DATETIME for a MediaWiki timestamp (cl_timestamp). */
const sqlDateTime = (ts: string) => `${ts.slice(0, 4)}-${ts.slice(4, 6)}-${ts.slice(6, 8)} ${ts.slice(8, 10)}:${ts.slice(10, 12)}:${ts.slice(12, 14)}`;

/** Ids and lookups the bulk rows need from the installed wiki. */
interface Base {
  /** Every new row's id is base + 1 + index, in page, revision, text and content alike. */
  id: number;
  actor: number;
  model: number;
  role: number;
}

async function readBase(wiki: Wiki): Promise<Base> {
  const { server, dbName } = wiki.mariadb!;
  const out = await server.sql(dbName, [
    'SELECT GREATEST(',
    '  (SELECT COALESCE(MAX(page_id), 0) FROM page), (SELECT COALESCE(MAX(rev_id), 0) FROM revision),',
    '  (SELECT COALESCE(MAX(old_id), 0) FROM text), (SELECT COALESCE(MAX(content_id), 0) FROM content)),',
    `  (SELECT actor_id FROM actor WHERE actor_name = ${sql(wiki.adminUser)}),`,
    "  (SELECT model_id FROM content_models WHERE model_name = 'wikitext'),",
    "  (SELECT role_id FROM slot_roles WHERE role_name = 'main')",
  ].join('\n'));
  const [id, actor, model, role] = out.trim().split('\t').map(Number);
  if (![id, actor, model, role].every((v) => Number.isInteger(v) && v! >= 0) || !actor || !model || !role) {
    throw new Error(`the wiki's tables lack what the bulk fill needs (max id, ${wiki.adminUser}'s actor, the wikitext model, the main slot role): got "${out.trim()}"`);
  }
  return { id: id!, actor: actor!, model: model!, role: role! };
}

/** The INSERT statements of files [from, to) (`comment`: the SQL naming the comment row's id), and the media to write. */
function batchSql(from: number, to: number, base: Base, comment: string, imageBytes: (i: number) => Buffer): { statements: string; media: Array<{ rel: string; bytes: Buffer }> } {
  const rows = { text: [] as string[], content: [] as string[], revision: [] as string[], revComment: [] as string[], slots: [] as string[], page: [] as string[], image: [] as string[], categorylinks: [] as string[] };
  const media: Array<{ rel: string; bytes: Buffer }> = [];
  for (let i = from; i < to; i++) {
    const f = scaleFile(i);
    const id = base.id + 1 + i;
    const len = Buffer.byteLength(f.text, 'utf8');
    const tsha1 = textSha1(f.text);
    const bytes = imageBytes(i);
    const fileSha1 = hexToBase36Sha1(createHash('sha1').update(bytes).digest('hex'));
    // page_random: any spread in [0, 1); the golden ratio's fractions are spread and reproducible.
    const random = ((i + 1) * 0.6180339887498949) % 1;
    rows.text.push(`(${id},${sql(f.text)},'utf-8')`);
    rows.content.push(`(${id},${len},'${tsha1}',${base.model},'tt:${id}')`);
    rows.revision.push(`(${id},${id},${comment},${base.actor},'${f.timestamp}',0,0,${len},0,'${tsha1}')`);
    rows.revComment.push(`(${id},${comment})`);
    rows.slots.push(`(${id},${base.role},${id},${id})`);
    rows.page.push(`(${id},${NS_FILE},${sql(f.name)},0,1,${random.toFixed(12)},'${f.timestamp}','${f.timestamp}',${id},${len},'wikitext',NULL)`);
    rows.image.push(`(${sql(f.name)},${bytes.length},${SCALE_IMAGE.width},${SCALE_IMAGE.height},${sql(SCALE_IMAGE_METADATA)},8,'BITMAP','image','jpeg',${comment},${base.actor},'${f.timestamp}','${fileSha1}')`);
    // The 'uppercase' collation's sort key: the title text upper-cased (cl_sortkey is 230 bytes at most).
    const sortkey = Buffer.from(f.title.slice('File:'.length).toUpperCase(), 'utf8').subarray(0, 230).toString('utf8');
    for (const c of f.categories) rows.categorylinks.push(`(${id},${sql(c.replace(/ /g, '_'))},${sql(sortkey)},'','${sqlDateTime(f.timestamp)}','uppercase','file')`);
    media.push({ rel: commonsPath(f.name), bytes });
  }
  const insert = (table: string, columns: string, values: string[]) => `INSERT INTO ${table} (${columns}) VALUES\n${values.join(',\n')};\n`;
  const statements = [
    insert('text', 'old_id,old_text,old_flags', rows.text),
    insert('content', 'content_id,content_size,content_sha1,content_model,content_address', rows.content),
    insert('revision', 'rev_id,rev_page,rev_comment_id,rev_actor,rev_timestamp,rev_minor_edit,rev_deleted,rev_len,rev_parent_id,rev_sha1', rows.revision),
    // MediaWiki 1.39 still reads a revision's comment through this table (the migration to rev_comment_id ended in 1.40).
    insert('revision_comment_temp', 'revcomment_rev,revcomment_comment_id', rows.revComment),
    insert('slots', 'slot_revision_id,slot_role_id,slot_content_id,slot_origin', rows.slots),
    insert('page', 'page_id,page_namespace,page_title,page_is_redirect,page_is_new,page_random,page_touched,page_links_updated,page_latest,page_len,page_content_model,page_lang', rows.page),
    insert('image', 'img_name,img_size,img_width,img_height,img_metadata,img_bits,img_media_type,img_major_mime,img_minor_mime,img_description_id,img_actor,img_timestamp,img_sha1', rows.image),
    insert('categorylinks', 'cl_from,cl_to,cl_sortkey,cl_sortkey_prefix,cl_timestamp,cl_collation,cl_type', rows.categorylinks),
  ].join('');
  return { statements, media };
}

/** Writes files with a few writes in flight at once. */
async function writeMedia(uploadDir: string, media: Array<{ rel: string; bytes: Buffer }>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < media.length) {
      const m = media[next++]!;
      await fs.writeFile(path.join(uploadDir, m.rel), m.bytes);
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
}

/** Direct file members of each category among the first `files` fixture files. */
export function scaleMembers(files: number): Record<string, number> {
  const members: Record<string, number> = Object.fromEntries(SCALE_CATEGORIES.map((c) => [c, 0]));
  for (let i = 0; i < files; i++) for (const c of scaleFile(i).categories) members[c]!++;
  return members;
}

/**
 * Fills a fresh MariaDB test wiki with `files` scale fixture files (see scale-data.ts) in the
 * category tree Paris → three subcategories. Once per wiki: the rows take fixed ids.
 */
export async function fillWikiInBulk(wiki: Wiki, options: { files: number; log?: (line: string) => void }): Promise<ScaleFill> {
  if (!wiki.mariadb) throw new Error('fillWikiInBulk needs a wiki started with { database: "mariadb" }: it writes MariaDB tables directly');
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const { server, dbName } = wiki.mariadb;
  const n = options.files;

  // Templates and category pages first, by MediaWiki itself (the subcategories' [[Category:Paris]]
  // links too): made after the bulk rows, their jobs would touch every member page.
  const pages: Record<string, string> = { ...TEMPLATE_PAGES, [`Category:${SCALE_ROOT}`]: 'The capital of France (scale fixture).' };
  for (const c of SCALE_SUBCATEGORIES) pages[`Category:${c}`] = `${c} (scale fixture).\n[[Category:${SCALE_ROOT}]]`;
  const dir = path.join(wiki.dir, 'scale-pages');
  await fs.mkdir(dir, { recursive: true });
  const pageFiles: string[] = [];
  for (const [title, text] of Object.entries(pages)) {
    pageFiles.push(path.join(dir, `${title}.txt`));
    await fs.writeFile(pageFiles.at(-1)!, text);
  }
  await wiki.php('importTextFiles.php', ['--rc', '--overwrite', `--user=${wiki.adminUser}`, ...pageFiles], { timeoutMs: MAINTENANCE_TIMEOUT_MS });
  await wiki.php('runJobs.php', [], { timeoutMs: MAINTENANCE_TIMEOUT_MS });
  const tBulk = performance.now();

  const base = await readBase(wiki);
  const baseImage = await scaleBaseImage();
  // Every hashed folder up front, so the writes need no mkdir.
  const hex = '0123456789abcdef';
  await Promise.all([...hex].flatMap((a) => [...hex].map((b) => fs.mkdir(path.join(wiki.uploadDir, a, `${a}${b}`), { recursive: true }))));
  let bytes = 0;
  const members = scaleMembers(n);
  const commentSql = `INSERT INTO comment (comment_hash, comment_text, comment_data) VALUES (${commentHash(BULK_COMMENT)}, ${sql(BULK_COMMENT)}, NULL);\nSET @comment = LAST_INSERT_ID();\n`;
  async function* statements(): AsyncGenerator<string> {
    // One transaction; the fixture's own checks (unique keys) are known to hold, so MariaDB need not re-check them row by row.
    yield `SET NAMES utf8mb4;\nSET unique_checks = 0;\nSET foreign_key_checks = 0;\nSTART TRANSACTION;\n${commentSql}`;
    for (let from = 0; from < n; from += ROWS_PER_INSERT) {
      const to = Math.min(n, from + ROWS_PER_INSERT);
      // The comment's id is known only inside the session: the rows name it @comment.
      const batch = batchSql(from, to, base, '@comment', (i) => scaleFileBytes(baseImage, i));
      yield batch.statements;
      await writeMedia(wiki.uploadDir, batch.media);
      for (const m of batch.media) bytes += m.bytes.length;
      if (to % 10_000 === 0 || to === n) log(`scale fill: ${to.toLocaleString('en')} / ${n.toLocaleString('en')} files`);
    }
    const counts = SCALE_CATEGORIES.map((c) => `(${sql(c.replace(/ /g, '_'))},${members[c]},0,${members[c]})`).join(',');
    yield `INSERT INTO category (cat_title, cat_pages, cat_subcats, cat_files) VALUES ${counts}\n  ON DUPLICATE KEY UPDATE cat_pages = cat_pages + VALUES(cat_pages), cat_files = cat_files + VALUES(cat_files);\n`;
    yield `UPDATE site_stats SET ss_total_edits = ss_total_edits + ${n}, ss_total_pages = ss_total_pages + ${n}, ss_images = ss_images + ${n};\nCOMMIT;\n`;
  }
  await server.sqlFrom(dbName, statements());
  const tMark = performance.now();

  // One ordinary edit after the bulk rows (which have no recent changes): the newest recent
  // change is then the wiki's newest revision, the snapshot point an API build records.
  await wiki.php('edit.php', ['-u', wiki.adminUser, '-s', `Scale fixture: ${n} files filled in bulk`, SNAPSHOT_PAGE], {
    input: `The scale fixture holds ${n} files in [[:Category:${SCALE_ROOT}]] and its subcategories.`,
    timeoutMs: MAINTENANCE_TIMEOUT_MS,
  });
  const end = performance.now();
  return {
    files: n,
    bytes,
    uploadDir: wiki.uploadDir,
    members,
    lastBulkRevisionId: base.id + n,
    timings: { pagesMs: tBulk - t0, sqlAndMediaMs: tMark - tBulk, snapshotEditMs: end - tMark, totalMs: end - t0 },
  };
}
