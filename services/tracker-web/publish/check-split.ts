/**
 * The checks of a split (seedbank-manifest/3) upload beyond what every version gets (key,
 * signature, pointer, sequence: check-version.ts). Its parts stay on disk in staging and are
 * streamed, never loaded whole: a million-file version is hundreds of megabytes of lists and
 * pages. In order, each with its own error: every part uploaded (PUBLISH_INCOMPLETE); the
 * metadata torrent holds exactly manifest.json, manifest.sig and the parts, with or without
 * BEP 47 pads aligning them (TORRENT_MISMATCH);
 * each part has the SHA-256 and size the signed top manifest gives (PART_MISMATCH), checked in
 * the same pass that checks the metadata torrent's pieces; each list is canonical, in title
 * order, and names only paths of its own volume (PART_MISMATCH); each volume torrent holds
 * exactly its list's paths and sizes (TORRENT_MISMATCH); the change list is well formed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { commonsPath } from '../../../shared/commons-path.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { ManifestChanges } from '../../../shared/formats/manifest.ts';
import { readListFile, splitPartNames, type ChangesSummary, type PartRef, type SplitManifest, type SplitVolume } from '../../../shared/formats/split-manifest.ts';
import { APART_MARK, nameBits } from '../../../shared/formats/volume-rule.ts';
import { SHA1_BYTES, type ParsedVolumeTorrent } from '../../../shared/torrent/index.ts';
import { padNameLength, PieceDigests } from '../../../shared/torrent/metadata-layout.ts';
import { CHANGES_EXCERPT_TITLES } from '../store/catalogue-store.ts';
import { checkNoExtraTorrents, checkVolumeTorrent, mismatch, parse, type PlacedFile } from './check-torrents.ts';

/** Read size when streaming parts. */
const READ_CHUNK_BYTES = 1 << 20; // 1 MiB
const METADATA_HINT = 'upload the metadata.torrent the builder wrote next to these files';

/** What the split checks need of an upload. */
export interface SplitUpload {
  manifestText: string;
  signatureText: string;
  metadataTorrent: Uint8Array;
  volumeTorrents: ReadonlyMap<string, Uint8Array>;
  /** The staging folder: parts are at their relative names in it. */
  dir: string;
}

/** What a checked split upload hands the store. */
export interface CheckedSplit {
  volumes: ParsedVolumeTorrent[];
  metadataInfoHash: string;
  changesExcerpt: ManifestChanges;
}

function partMismatch(message: string): SeedbankError {
  return new SeedbankError('PART_MISMATCH', message);
}

/** Every part the top manifest names must be staged; names every missing one at once. */
async function checkPartsPresent(m: SplitManifest, dir: string): Promise<void> {
  const missing: string[] = [];
  for (const name of splitPartNames(m)) {
    const s = await stat(path.join(dir, ...name.split('/'))).catch(() => null);
    if (!s?.isFile()) missing.push(name);
  }
  if (missing.length > 0) {
    const shown = missing.length > 5 ? `${missing.slice(0, 5).join(', ')} and ${missing.length - 5} more` : missing.join(', ');
    throw new SeedbankError('PUBLISH_INCOMPLETE', `${m.set.id} v${m.version} cannot be committed: ${shown} not uploaded`);
  }
}

/** Hashes a stream into consecutive pieces (zeros included) and compares them with the torrent's digests at the end. */
class PieceCheck extends PieceDigests {
  /** The first piece that did not match (or is missing), or null. */
  bad: number | null = null;

  constructor(pieceLength: number, private readonly expected: Buffer) {
    super(pieceLength);
  }

  /** Ends the last (short) piece; true when every piece matched and none is missing or extra. */
  check(): boolean {
    const got = this.end();
    if (got.equals(this.expected)) return true;
    let piece = 0;
    while ((piece + 1) * SHA1_BYTES <= Math.min(got.length, this.expected.length) && got.subarray(piece * SHA1_BYTES, (piece + 1) * SHA1_BYTES).equals(this.expected.subarray(piece * SHA1_BYTES, (piece + 1) * SHA1_BYTES))) piece++;
    this.bad = piece;
    return false;
  }
}

/**
 * Checks the metadata torrent (`<set>-v<N>`: exactly manifest.json, manifest.sig and the
 * parts, in any order) and, in one streamed pass over the parts, each part's SHA-256 and size
 * and every piece of the torrent. Returns the torrent's info hash.
 */
async function checkMetadataAndParts(m: SplitManifest, u: SplitUpload): Promise<string> {
  const t = parse('metadata.torrent', u.metadataTorrent);
  const setId = m.set.id;
  if (t.name !== `${setId}-v${m.version}`) throw mismatch(`metadata.torrent is named "${t.name}", expected "${setId}-v${m.version}"`, METADATA_HINT);
  const refs = new Map<string, PartRef>([[m.changes.list.file, m.changes.list], ...m.volumes.flatMap((v) => [[v.list.file, v.list], [v.pages.file, v.pages]] as Array<[string, PartRef]>)]);
  const inMemory = new Map<string, Buffer>([['manifest.json', Buffer.from(u.manifestText, 'utf8')], ['manifest.sig', Buffer.from(u.signatureText, 'utf8')]]);
  // BEP 47 pads (builders since pads: every part starts a piece) are zeros, checked as such below; torrents without them stay valid.
  for (const f of t.files.filter((x) => x.pad)) {
    if (padNameLength(f.path) !== f.length || f.length >= t.pieceLength || (f.offset + f.length) % t.pieceLength !== 0) {
      throw mismatch(`metadata.torrent has a pad file ${JSON.stringify(f.path)} of ${f.length} bytes at ${f.offset}: a pad must be .pad/<its length>, shorter than a piece, and end on a piece boundary`, METADATA_HINT);
    }
  }
  const parts = t.files.filter((f) => !f.pad);
  const names = parts.map((f) => f.path);
  const unexpected = names.filter((n) => !refs.has(n) && !inMemory.has(n));
  const absent = [...inMemory.keys(), ...refs.keys()].filter((n) => !names.includes(n));
  if (unexpected.length > 0 || absent.length > 0 || new Set(names).size !== names.length) {
    const what = [unexpected.length ? `holds ${unexpected.slice(0, 5).join(', ')}, which the manifest does not name` : '', absent.length ? `lacks ${absent.slice(0, 5).join(', ')}` : ''].filter(Boolean).join(' and ');
    throw mismatch(`metadata.torrent ${what || 'lists a file twice'}: it must hold exactly manifest.json, manifest.sig and the parts the manifest names`, METADATA_HINT);
  }
  for (const f of parts) {
    const want = inMemory.get(f.path)?.length ?? refs.get(f.path)!.size;
    if (f.length !== want) throw mismatch(`metadata.torrent says ${f.path} is ${f.length} bytes, ${inMemory.has(f.path) ? 'the upload is' : 'the manifest says'} ${want}`, METADATA_HINT);
  }
  const pieces = new PieceCheck(t.pieceLength, t.pieces);
  let partProblem: string | null = null;
  for (const f of t.files) {
    if (f.pad) {
      pieces.zeros(f.length);
      continue;
    }
    const bytes = inMemory.get(f.path);
    if (bytes) {
      pieces.update(bytes);
      continue;
    }
    const ref = refs.get(f.path)!;
    const sha256 = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(path.join(u.dir, ...f.path.split('/')), { highWaterMark: READ_CHUNK_BYTES })) {
      sha256.update(chunk as Buffer);
      size += (chunk as Buffer).length;
      pieces.update(chunk as Buffer);
    }
    if (partProblem) continue;
    if (size !== ref.size) partProblem = `${ref.file} is ${size} bytes, the manifest says ${ref.size}`;
    else if (sha256.digest('hex') !== ref.sha256) partProblem = `${ref.file} does not have the SHA-256 the manifest gives`;
  }
  if (partProblem) throw partMismatch(partProblem);
  if (!pieces.check()) {
    // Every part matched its SHA-256 above, so a bad piece that holds a pad was most likely hashed over a pad that was not zeros.
    const bad = pieces.bad!;
    const pad = t.files.find((f) => f.pad && f.length > 0 && Math.floor(f.offset / t.pieceLength) <= bad && Math.floor((f.offset + f.length - 1) / t.pieceLength) >= bad);
    const why = pad ? `; it holds the pad ${pad.path}, hashed here as zeros: a BEP 47 pad must be all zero bytes` : '';
    throw mismatch(`metadata.torrent piece ${bad} does not match the uploaded manifest, signature and parts${why}`, METADATA_HINT);
  }
  return t.infoHash;
}

/** The MD5 bits a volume's files must start with (after the `u` of a volume of unportable names). */
function prefixBits(prefix: string): string {
  return prefix.startsWith(APART_MARK) ? prefix.slice(APART_MARK.length) : prefix;
}

/** Streams one volume's list (checked against the signed manifest) and checks its torrent against it. */
async function checkVolume(v: SplitVolume, u: SplitUpload): Promise<ParsedVolumeTorrent> {
  const listed = new Map<string, PlacedFile>();
  const bits = prefixBits(v.prefix);
  try {
    for await (const f of readListFile(u.dir, v)) {
      const name = f.path.slice(f.path.lastIndexOf('/') + 1);
      if (name === '' || name === '.' || name === '..' || commonsPath(name) !== f.path) {
        throw partMismatch(`${v.list.file}: ${JSON.stringify(f.title)} has path ${JSON.stringify(f.path)}, which is not a Commons upload path (a/ab/Name)`);
      }
      if (!nameBits(name).startsWith(bits)) {
        throw partMismatch(`${v.list.file}: ${JSON.stringify(f.path)} lies outside volume ${v.infoHash} (prefix "${v.prefix}")`);
      }
      if (listed.has(f.path)) throw partMismatch(`${v.list.file}: ${JSON.stringify(f.path)} is listed twice`);
      listed.set(f.path, { size: f.size, sha1: f.sha1 });
    }
  } catch (err) {
    // The format module speaks as a reader of untrusted metadata (502); here the publisher sent it (400).
    if (err instanceof SeedbankError && err.code === 'MANIFEST_UNTRUSTED') throw partMismatch(err.message);
    throw err;
  }
  return checkVolumeTorrent(v, u.volumeTorrents.get(v.infoHash), listed);
}

const changeLineSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.enum(['added', 'removed', 'changed', 'pagesUpdated']), title: z.string().min(1) }),
  z.strictObject({ kind: z.literal('renamed'), from: z.string().min(1), to: z.string().min(1) }),
]);
const CHANGE_KINDS = ['added', 'removed', 'changed', 'renamed', 'pagesUpdated'] as const;

/**
 * Streams `changes.ndjson` (its bytes were checked with the other parts), checking each line
 * and the counts the manifest gives; keeps the first titles of each kind for the set page.
 */
async function changesExcerpt(dir: string, summary: ChangesSummary): Promise<ManifestChanges> {
  const out: ManifestChanges = { added: [], removed: [], changed: [], renamed: [], pagesUpdated: [] };
  const counts = { added: 0, removed: 0, changed: 0, renamed: 0, pagesUpdated: 0 };
  let rest = '';
  let line = 0;
  const take = (text: string) => {
    line++;
    let e;
    try {
      e = changeLineSchema.parse(JSON.parse(text));
    } catch (err) {
      throw partMismatch(`${summary.list.file} line ${line} is not a change: ${(err as Error).message.slice(0, 200)}`);
    }
    counts[e.kind]++;
    if (e.kind === 'renamed') {
      if (out.renamed.length < CHANGES_EXCERPT_TITLES) out.renamed.push({ from: e.from, to: e.to });
    } else if (out[e.kind].length < CHANGES_EXCERPT_TITLES) out[e.kind].push(e.title);
  };
  // A decoder keeps a character cut by a chunk boundary whole.
  const utf8 = new StringDecoder('utf8');
  for await (const chunk of createReadStream(path.join(dir, summary.list.file), { highWaterMark: READ_CHUNK_BYTES })) {
    const lines = (rest + utf8.write(chunk as Buffer)).split('\n');
    rest = lines.pop()!;
    for (const l of lines) take(l);
  }
  if (rest + utf8.end() !== '') throw partMismatch(`${summary.list.file} does not end with a newline`);
  for (const kind of CHANGE_KINDS) {
    if (counts[kind] !== summary[kind]) throw partMismatch(`${summary.list.file} holds ${counts[kind]} ${kind}, the manifest says ${summary[kind]}`);
  }
  return out;
}

/** Runs the split-specific checks of an upload whose top manifest was parsed and found canonical. */
export async function checkSplitUpload(m: SplitManifest, u: SplitUpload): Promise<CheckedSplit> {
  await checkPartsPresent(m, u.dir);
  checkNoExtraTorrents(m.volumes, u.volumeTorrents);
  const metadataInfoHash = await checkMetadataAndParts(m, u);
  const volumes: ParsedVolumeTorrent[] = [];
  for (const v of m.volumes) volumes.push(await checkVolume(v, u));
  return { volumes, metadataInfoHash, changesExcerpt: await changesExcerpt(u.dir, m.changes) };
}
