/**
 * `seedbank-manifest/3`, the split manifest: a version of any size. The signed top manifest
 * (`manifest.json`) carries everything but the per-file records. Each volume names its file
 * list (`lists/<infohash>.ndjson`) and its description pages (`pages/<infohash>.xml.gz`) by
 * SHA-256, size and count; the change lists live in `changes.ndjson`. All of them travel in the
 * version's metadata torrent, so a seeder hosting three volumes of a million-file set fetches
 * the top manifest and three lists, and the signature over the top manifest covers every byte.
 *
 * A file list is canonical NDJSON: one canonical JSON object per line (a manifest file record
 * without `volume`, which the list's name gives), sorted by title (code units, as JS `<`), no
 * blank line, each line ending in "\n". Readers stream it and check order, shape and the
 * SHA-256, size and count the top manifest gives; nothing read from a list is trusted before
 * its end has been checked (see {@link readListFile}).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../canonical-json.ts';
import { SeedbankError } from '../errors.ts';
import { manifestFileSchema, manifestSchema, manifestVolumeSchema, type ManifestChanges, type ManifestFile } from './manifest.ts';
import { isApartPrefix } from './volume-rule.ts';

/** Format tag of a split manifest. */
export const SPLIT_MANIFEST_FORMAT = 'seedbank-manifest/3';
/** The change lists of a split version, beside manifest.json. */
export const CHANGES_FILE = 'changes.ndjson';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const count = z.number().int().nonnegative();

/** Where a volume's file list lives in the version folder and the metadata torrent. */
export function listFileName(infoHash: string): string {
  return `lists/${infoHash}.ndjson`;
}

/** Where a volume's description pages live in the version folder and the metadata torrent. */
export function pagesFileName(infoHash: string): string {
  return `pages/${infoHash}.xml.gz`;
}

/** A file named by the top manifest: its place, SHA-256, size in bytes and how many records it holds. */
export const partRefSchema = z.strictObject({ file: z.string().min(1), sha256: hex(32), size: count, count });
export type PartRef = z.output<typeof partRefSchema>;

/** One volume of a split manifest: the /2 volume plus its list and pages. */
export const splitVolumeSchema = manifestVolumeSchema.extend({ list: partRefSchema, pages: partRefSchema });
export type SplitVolume = z.output<typeof splitVolumeSchema>;

/** The top manifest's changes: how many of each kind, and the file holding them. */
export const changesSummarySchema = z.strictObject({
  added: count,
  removed: count,
  changed: count,
  renamed: count,
  pagesUpdated: count,
  list: partRefSchema,
});
export type ChangesSummary = z.output<typeof changesSummarySchema>;

/** The signed top manifest of a split version. */
export const splitManifestSchema = manifestSchema.omit({ format: true, files: true, volumes: true, changes: true, pages: true }).extend({
  format: z.literal(SPLIT_MANIFEST_FORMAT),
  volumes: z.array(splitVolumeSchema),
  changes: changesSummarySchema,
});
export type SplitManifest = z.output<typeof splitManifestSchema>;

/** A list record: a manifest file without `volume`. */
const listRecordSchema = manifestFileSchema.omit({ volume: true });

function invalid(message: string, hint = 'was it written by a newer Seedbank, or edited by hand?'): SeedbankError {
  return new SeedbankError('MANIFEST_INVALID', message, { hint });
}

/** The problems of a split manifest beyond its schema: names, counts and prefixes that must agree. */
function splitProblems(m: SplitManifest): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let files = 0;
  let bytes = 0;
  for (const v of m.volumes) {
    if (seen.has(v.infoHash)) out.push(`volume ${v.infoHash} is listed twice`);
    seen.add(v.infoHash);
    if (v.list.file !== listFileName(v.infoHash)) out.push(`volume ${v.infoHash}'s list is ${JSON.stringify(v.list.file)}, expected ${listFileName(v.infoHash)}`);
    if (v.pages.file !== pagesFileName(v.infoHash)) out.push(`volume ${v.infoHash}'s pages are ${JSON.stringify(v.pages.file)}, expected ${pagesFileName(v.infoHash)}`);
    if (v.list.count !== v.files) out.push(`volume ${v.infoHash} holds ${v.files} files but its list has ${v.list.count}`);
    if (v.portable !== !isApartPrefix(v.prefix)) out.push(`volume ${v.infoHash} (prefix "${v.prefix}") must have portable: ${!isApartPrefix(v.prefix)}`);
    files += v.files;
    bytes += v.size;
  }
  if (files !== m.totals.files) out.push(`the volumes hold ${files} files, totals say ${m.totals.files}`);
  if (bytes !== m.totals.bytes) out.push(`the volumes hold ${bytes} bytes, totals say ${m.totals.bytes}`);
  if (m.changes.list.file !== CHANGES_FILE) out.push(`changes are in ${JSON.stringify(m.changes.list.file)}, expected ${CHANGES_FILE}`);
  const c = m.changes;
  if (c.list.count !== c.added + c.removed + c.changed + c.renamed + c.pagesUpdated) out.push('the change list count is not the sum of its kinds');
  return out;
}

/** Parses and validates a split top manifest from an untrusted source. */
export function parseSplitManifest(text: string, source = 'manifest'): SplitManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(`${source} is not JSON: ${(err as Error).message}`);
  }
  const result = splitManifestSchema.safeParse(value);
  const problems = result.success ? splitProblems(result.data) : result.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
  if (!result.success || problems.length > 0) throw invalid(`${source} is not a valid ${SPLIT_MANIFEST_FORMAT} manifest: ${problems.slice(0, 5).join('; ')}`);
  return result.data;
}

/** The top manifest's bytes as written to disk: canonical JSON plus a final newline. */
export function serializeSplitManifest(m: SplitManifest): string {
  return `${canonicalJson(m)}\n`;
}

/** The SHA-256 that parents, signatures and the catalogue refer to. */
export function splitManifestSha256(m: SplitManifest): string {
  return sha256Hex(serializeSplitManifest(m));
}

/** The order of every list: titles by UTF-16 code units. */
export function compareTitles(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One list line: the file's record without `volume`, canonical, newline-terminated. */
export function serializeListLine(f: ManifestFile): string {
  const { volume: _volume, ...record } = f;
  return `${canonicalJson(record)}\n`;
}

/** Writes a part file in large chunks while hashing it; bounded memory however long. */
class PartWriter {
  private readonly hash: Hash = createHash('sha256');
  private chunks: string[] = [];
  private buffered = 0;
  private size = 0;
  private records = 0;

  private constructor(private readonly fh: FileHandle, private readonly name: string) {}

  static async open(dir: string, name: string): Promise<PartWriter> {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    return new PartWriter(await open(file, 'w'), name);
  }

  async line(text: string): Promise<void> {
    this.chunks.push(text);
    this.buffered += text.length;
    this.records += 1;
    if (this.buffered >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.chunks.length === 0) return;
    const bytes = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.buffered = 0;
    this.hash.update(bytes);
    this.size += bytes.length;
    await this.fh.write(bytes);
  }

  async close(): Promise<PartRef> {
    await this.flush();
    await this.fh.close();
    return { file: this.name, sha256: this.hash.digest('hex'), size: this.size, count: this.records };
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

/**
 * Streams one volume's file list to `<dir>/lists/<infohash>.ndjson`. Files must come in title
 * order and belong to the volume; a slip is a bug in the caller and throws.
 */
export class ListWriter {
  private last: string | null = null;

  private constructor(private readonly part: PartWriter, readonly infoHash: string) {}

  /** Opens the list of volume `infoHash` in version folder `dir`. */
  static async open(dir: string, infoHash: string): Promise<ListWriter> {
    return new ListWriter(await PartWriter.open(dir, listFileName(infoHash)), infoHash);
  }

  /** Appends a file; titles strictly ascending. */
  async add(f: ManifestFile): Promise<void> {
    if (f.volume !== this.infoHash) throw new SeedbankError('INTERNAL', `file ${f.title} belongs to volume ${f.volume}, not ${this.infoHash}`);
    if (this.last !== null && compareTitles(this.last, f.title) >= 0) throw new SeedbankError('INTERNAL', `list of ${this.infoHash}: ${JSON.stringify(f.title)} after ${JSON.stringify(this.last)}`);
    this.last = f.title;
    await this.part.line(serializeListLine(f));
  }

  /** Closes the file and returns what the top manifest records of it. */
  close(): Promise<PartRef> {
    return this.part.close();
  }

  /** Closes without a result (the caller removes the scratch folder). */
  abort(): Promise<void> {
    return this.part.abort();
  }
}

/** Writes a volume's whole list from records in any order (small volumes, tests). */
export async function writeList(dir: string, infoHash: string, files: Iterable<ManifestFile>): Promise<PartRef> {
  const w = await ListWriter.open(dir, infoHash);
  for (const f of [...files].sort((a, b) => compareTitles(a.title, b.title))) await w.add(f);
  return w.close();
}

/** The kinds of `changes.ndjson`, in the order its lines come. */
const CHANGE_KINDS = ['added', 'removed', 'changed', 'renamed', 'pagesUpdated'] as const;

/** Writes `changes.ndjson` and returns the top manifest's summary of it. */
export async function writeChanges(dir: string, changes: ManifestChanges): Promise<ChangesSummary> {
  const w = await PartWriter.open(dir, CHANGES_FILE);
  for (const kind of CHANGE_KINDS) {
    for (const entry of changes[kind]) await w.line(`${canonicalJson(typeof entry === 'string' ? { kind, title: entry } : { kind, ...entry })}\n`);
  }
  const list = await w.close();
  return { added: changes.added.length, removed: changes.removed.length, changed: changes.changed.length, renamed: changes.renamed.length, pagesUpdated: changes.pagesUpdated.length, list };
}

const changeLineSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.enum(['added', 'removed', 'changed', 'pagesUpdated']), title: z.string().min(1) }),
  z.strictObject({ kind: z.literal('renamed'), from: z.string().min(1), to: z.string().min(1) }),
]);

function mismatch(message: string): SeedbankError {
  return new SeedbankError('MANIFEST_UNTRUSTED', message, { hint: 'the file does not match the signed manifest: fetch it again from another source' });
}

/** Checks bytes against a part reference; returns the problem or null. */
export function partProblem(bytes: Uint8Array, ref: PartRef): string | null {
  if (bytes.length !== ref.size) return `${ref.file} is ${bytes.length} bytes, the manifest says ${ref.size}`;
  if (sha256Hex(bytes) !== ref.sha256) return `${ref.file} does not have the SHA-256 the manifest gives`;
  return null;
}

/** Reads and checks `changes.ndjson` of a split version (its size is bounded by what changed). */
export async function readChanges(dir: string, summary: ChangesSummary): Promise<ManifestChanges> {
  const bytes = await readFile(path.join(dir, summary.list.file));
  const problem = partProblem(bytes, summary.list);
  if (problem) throw mismatch(problem);
  const out: ManifestChanges = { added: [], removed: [], changed: [], renamed: [], pagesUpdated: [] };
  const text = bytes.toString('utf8');
  for (const line of text.split('\n').slice(0, -1)) {
    const e = changeLineSchema.parse(JSON.parse(line));
    if (e.kind === 'renamed') out.renamed.push({ from: e.from, to: e.to });
    else out[e.kind].push(e.title);
  }
  for (const kind of CHANGE_KINDS) if (out[kind].length !== summary[kind]) throw mismatch(`${CHANGES_FILE} holds ${out[kind].length} ${kind}, the manifest says ${summary[kind]}`);
  return out;
}

/** Hashes a part file on disk by streaming it; returns the problem or null. */
export async function checkPartFile(dir: string, ref: PartRef): Promise<string | null> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path.join(dir, ref.file), { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (err) {
    return `${ref.file} cannot be read: ${(err as Error).message}`;
  }
  if (size !== ref.size) return `${ref.file} is ${size} bytes, the manifest says ${ref.size}`;
  if (hash.digest('hex') !== ref.sha256) return `${ref.file} does not have the SHA-256 the manifest gives`;
  return null;
}

/**
 * Streams the files of one volume's list, checking each line's shape, canonical form and
 * order, and at the end the count, size and SHA-256 the top manifest gives. A caller that
 * must not act on unchecked records either collects what it reads and commits only after the
 * loop ends without throwing, or calls {@link checkPartFile} first.
 */
export async function* readListFile(dir: string, volume: SplitVolume): AsyncGenerator<ManifestFile> {
  const ref = volume.list;
  const hash = createHash('sha256');
  let size = 0;
  let records = 0;
  let last: string | null = null;
  let rest = '';
  const where = () => `${ref.file} line ${records + 1}`;
  // A decoder keeps a character cut by a chunk boundary whole (toString per chunk would mangle it).
  const utf8 = new StringDecoder('utf8');
  for await (const chunk of createReadStream(path.join(dir, ref.file), { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > ref.size) throw mismatch(`${ref.file} is longer than the ${ref.size} bytes the manifest says`);
    const text = rest + utf8.write(chunk as Buffer);
    const lines = text.split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      let record;
      try {
        record = listRecordSchema.parse(JSON.parse(line));
      } catch (err) {
        throw mismatch(`${where()} is not a file record: ${(err as Error).message.slice(0, 200)}`);
      }
      if (`${canonicalJson(record)}` !== line) throw mismatch(`${where()} is not canonical JSON`);
      if (last !== null && compareTitles(last, record.title) >= 0) throw mismatch(`${where()}: ${JSON.stringify(record.title)} is out of title order`);
      last = record.title;
      records += 1;
      yield { ...record, volume: volume.infoHash };
    }
  }
  if (rest + utf8.end() !== '') throw mismatch(`${ref.file} does not end with a newline`);
  if (records !== ref.count) throw mismatch(`${ref.file} holds ${records} files, the manifest says ${ref.count}`);
  if (size !== ref.size) throw mismatch(`${ref.file} is ${size} bytes, the manifest says ${ref.size}`);
  if (hash.digest('hex') !== ref.sha256) throw mismatch(`${ref.file} does not have the SHA-256 the manifest gives`);
}

/** Every file a split version holds: each volume's list in the top manifest's order. */
export async function* readAllLists(dir: string, m: SplitManifest): AsyncGenerator<ManifestFile> {
  for (const v of m.volumes) yield* readListFile(dir, v);
}

/** The names of the files a split version's metadata torrent carries beside manifest.json and manifest.sig. */
export function splitPartNames(m: SplitManifest): string[] {
  return [CHANGES_FILE, ...m.volumes.flatMap((v) => [v.list.file, v.pages.file])];
}
