/**
 * Parsing of volume torrents that may come from anyone (peers, mirrors, catalogues): strict
 * canonical bencode, a well-formed multi-file info dict, and file paths that can neither
 * escape the torrent's folder nor overwrite each other. The info hash is the SHA-1 of the
 * exact info bytes received.
 */
import { createHash } from 'node:crypto';
import { SeedbankError } from '../errors.ts';
import { decodeTorrent, type BDict, type BValue } from './bencode-strict.ts';
import { isValidPieceLength, pieceCount, SHA1_BYTES } from './piece-hasher.ts';
import { assertNoPathConflicts, segmentProblem, untrustedPath } from './volume-paths.ts';

/** The folder of BEP 47 pad files (metadata-layout.ts). */
const PAD_FOLDER = '.pad';

export interface ParsedVolumeFile {
  /** 'a/ab/Name.jpg', relative to the torrent's folder. */
  path: string;
  length: number;
  /** Start of the file in the concatenation of all files. */
  offset: number;
  /** BEP 47 per-file SHA-1, when the torrent has one. */
  sha1Hex?: string;
  /** A BEP 47 pad file (`attr` holds "p"): zeros under `.pad/`, aligning the next file (metadata torrents only). */
  pad?: true;
}

export interface ParsedVolumeTorrent {
  infoHash: string;
  /** Where the bencoded info dictionary sits in the .torrent (for BEP 9 metadata exchange). */
  infoSpan: readonly [number, number];
  name: string;
  pieceLength: number;
  totalBytes: number;
  files: ParsedVolumeFile[];
  /** Concatenated 20-byte piece digests. */
  pieces: Buffer;
  urlList: string[];
  /** Trackers: `announce-list` flattened tier by tier, else `announce`; without duplicates. */
  announce: string[];
  comment?: string;
  createdBy?: string;
  /** Unix seconds. */
  creationDate?: number;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function invalid(message: string): SeedbankError {
  return new SeedbankError('TORRENT_INVALID', `not a valid volume torrent: ${message}`, {
    hint: 'the .torrent file is damaged or was not made by seedbank',
  });
}

function isDict(v: BValue | undefined): v is BDict {
  return v instanceof Map;
}

function bytesField(d: BDict, key: string, what: string): Uint8Array {
  const v = d.get(key);
  if (!(v instanceof Uint8Array)) throw invalid(`${what} is missing or not a byte string`);
  return v;
}

function intField(d: BDict, key: string, what: string): number {
  const v = d.get(key);
  if (typeof v !== 'number') throw invalid(`${what} is missing or not an integer`);
  return v;
}

function text(v: Uint8Array, what: string): string {
  try {
    return UTF8.decode(v);
  } catch {
    throw invalid(`${what} is not valid UTF-8`);
  }
}

function optionalText(d: BDict, key: string): string | undefined {
  const v = d.get(key);
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) throw invalid(`"${key}" is not a byte string`);
  return text(v, `"${key}"`);
}

function parseFile(entry: BValue, index: number, offset: number): ParsedVolumeFile {
  if (!isDict(entry)) throw invalid(`file ${index} is not a dictionary`);
  const length = intField(entry, 'length', `length of file ${index}`);
  if (length < 0) throw invalid(`file ${index} has a negative length`);
  const rawPath = entry.get('path');
  if (!Array.isArray(rawPath)) throw invalid(`path of file ${index} is missing or not a list`);
  const segments = rawPath.map((s) => {
    if (!(s instanceof Uint8Array)) throw invalid(`path of file ${index} has a segment that is not a byte string`);
    return s;
  });
  const file: ParsedVolumeFile = { path: untrustedPath(segments), length, offset };
  const attr = entry.get('attr');
  if (attr !== undefined && !(attr instanceof Uint8Array)) throw invalid(`attr of file ${index} is not a byte string`);
  if (attr?.includes(0x70 /* p */)) {
    // Pads of one length share one path (.pad/N): they are zeros, so two never disagree.
    if (!file.path.startsWith(`${PAD_FOLDER}/`)) throw invalid(`pad file ${index} is at ${JSON.stringify(file.path)}, not under ${PAD_FOLDER}/`);
    file.pad = true;
  } else if (file.path === PAD_FOLDER || file.path.startsWith(`${PAD_FOLDER}/`)) {
    throw invalid(`file ${index} (${JSON.stringify(file.path)}) is under ${PAD_FOLDER}/ but is not a pad file`);
  }
  const sha1 = entry.get('sha1');
  if (sha1 !== undefined) {
    if (!(sha1 instanceof Uint8Array) || sha1.length !== SHA1_BYTES) throw invalid(`sha1 of file ${index} is not 20 bytes`);
    file.sha1Hex = Buffer.from(sha1).toString('hex');
  }
  return file;
}

function urlList(root: BDict): string[] {
  const v = root.get('url-list');
  if (v === undefined) return [];
  // BEP 19 allows a single string as well as a list.
  const items = Array.isArray(v) ? v : [v];
  return items.map((u) => {
    if (!(u instanceof Uint8Array)) throw invalid('url-list holds something other than strings');
    return text(u, 'url-list');
  });
}

function trackers(root: BDict): string[] {
  const out: string[] = [];
  const tiers = root.get('announce-list');
  if (tiers !== undefined) {
    if (!Array.isArray(tiers)) throw invalid('announce-list is not a list');
    for (const tier of tiers) {
      if (!Array.isArray(tier)) throw invalid('announce-list holds a tier that is not a list');
      for (const t of tier) {
        if (!(t instanceof Uint8Array)) throw invalid('announce-list holds a tracker that is not a string');
        out.push(text(t, 'announce-list'));
      }
    }
  }
  const single = optionalText(root, 'announce');
  if (out.length === 0 && single !== undefined && single.length > 0) out.push(single);
  return [...new Set(out)];
}

/**
 * Parses and checks an untrusted volume torrent: TORRENT_INVALID for structural problems,
 * TORRENT_HOSTILE_PATH for any path that could escape its folder or clobber another file.
 */
export function parseVolumeTorrent(buf: Uint8Array): ParsedVolumeTorrent {
  // Files are checked and kept as they are read; the generic tree never holds the list.
  const files: ParsedVolumeFile[] = [];
  let totalBytes = 0;
  let sawFiles = false;
  const { root, spans } = decodeTorrent(buf, {
    onFile: (entry, i) => {
      sawFiles = true;
      const f = parseFile(entry, i, totalBytes);
      totalBytes += f.length;
      if (!Number.isSafeInteger(totalBytes)) throw invalid('files add up to more bytes than can be counted');
      files.push(f);
    },
  });
  const info = root.get('info');
  const span = spans.get('info');
  if (!isDict(info) || span === undefined) throw invalid('the info dictionary is missing');

  const nameBytes = bytesField(info, 'name', 'name');
  const name = text(nameBytes, 'name');
  const nameProblem = segmentProblem(name);
  if (nameProblem) {
    throw new SeedbankError('TORRENT_HOSTILE_PATH', `torrent name contains ${nameProblem}`, {
      hint: 'refusing a torrent whose file paths could escape or clobber its folder',
      context: { name },
    });
  }
  const pieceLength = intField(info, 'piece length', 'piece length');
  if (!isValidPieceLength(pieceLength)) throw invalid(`piece length ${pieceLength} is not a power of two of at least 16 KiB`);
  if (info.has('length')) throw invalid('single-file torrents are not volumes');
  const rawFiles = info.get('files');
  if (!Array.isArray(rawFiles) || rawFiles.length > 0 || !sawFiles) throw invalid('the file list is missing or empty');

  if (totalBytes === 0) throw invalid('all files are empty');
  assertNoPathConflicts(files.filter((f) => !f.pad).map((f) => f.path), 'TORRENT_HOSTILE_PATH');

  const pieces = bytesField(info, 'pieces', 'pieces');
  const expected = pieceCount(totalBytes, pieceLength) * SHA1_BYTES;
  if (pieces.length !== expected) throw invalid(`pieces are ${pieces.length} bytes, expected ${expected} for ${totalBytes} bytes of files`);

  const creationDate = root.get('creation date');
  if (creationDate !== undefined && typeof creationDate !== 'number') throw invalid('creation date is not an integer');
  return {
    infoHash: createHash('sha1').update(buf.subarray(span[0], span[1])).digest('hex'),
    infoSpan: [span[0], span[1]],
    name,
    pieceLength,
    totalBytes,
    files,
    pieces: Buffer.from(pieces),
    urlList: urlList(root),
    announce: trackers(root),
    comment: optionalText(root, 'comment'),
    createdBy: optionalText(root, 'created by'),
    creationDate,
  };
}
