/**
 * Volume torrents: BitTorrent v1 multi-file torrents named `commons`, files in Commons' hashed
 * layout (a/ab/Name.jpg) in exactly the caller's order, web-seeded from the wiki's upload base
 * (BEP 19). The info dict holds only files, name, piece length and pieces, so the info hash
 * depends on nothing but the files, their order and the piece length: any machine that builds
 * the same volume gets the same bytes. No pad files (they break webtorrent web seeds).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { SeedbankError, type ErrorCode } from '../errors.ts';
import { COMMONS_ROOT } from '../commons-path.ts';
import { Bencoded, bencodeToBuffer } from './bencode-writer.ts';
import { prewarmHashWorkers } from './hash-pool.ts';
import { hashPieces, isValidPieceLength, MIN_PIECE_LENGTH, plannedWorkers, type HashProgress, type PieceReuse } from './piece-hasher.ts';
import { assertNoPathConflicts, volumePathSegments } from './volume-paths.ts';

export { parseVolumeTorrent, type ParsedVolumeFile, type ParsedVolumeTorrent } from './parse-volume-torrent.ts';
export { magnetUri, type MagnetOptions } from './magnet.ts';

/** The `created by` written unless the caller names another creator. */
export const DEFAULT_CREATED_BY = 'seedbank';
/** Files stat'ed at once before hashing: enough to hide latency, few enough for any fd limit. */
const STAT_CONCURRENCY = 64;
const SHA1_HEX = /^[0-9a-fA-F]{40}$/;

export interface VolumeFile {
  /** 'a/ab/Name.jpg': POSIX, relative to the `commons` folder. */
  path: string;
  length: number;
  /** Where the bytes are on this machine. */
  absPath: string;
  /** The file's SHA-1 (BEP 47 `sha1`), when known. */
  sha1Hex?: string;
}

export interface VolumeTorrentOptions {
  /** In the order they must appear in the torrent; never sorted or filtered. */
  files: VolumeFile[];
  pieceLength: number;
  /** Web seed bases (BEP 19), e.g. 'https://upload.wikimedia.org/wikipedia/'; must end in '/'. */
  urlList: string[];
  /** Tracker URLs, outside the info dict: the first is `announce`, each is its own tier. */
  announce?: string[];
  comment?: string;
  /** Default 'seedbank'. */
  createdBy?: string;
  /** Unix seconds or a Date; omitted by default so the .torrent bytes are reproducible. */
  creationDate?: number | Date;
  /** Pieces of a previous version of this volume, reused over the common prefix of files. */
  reuse?: PieceReuse;
  onProgress?: HashProgress;
  signal?: AbortSignal;
  /** Hash worker threads; default os.availableParallelism(). */
  workers?: number;
}

export interface VolumeTorrent {
  /** The bencoded .torrent. */
  torrent: Buffer;
  /** Hex v1 info hash (SHA-1 of the bencoded info dict). */
  infoHash: string;
  pieces: Buffer;
  piecesHashed: number;
  piecesReused: number;
  totalBytes: number;
}

function badInput(code: ErrorCode, message: string, hint: string, context: Record<string, unknown> = {}): SeedbankError {
  return new SeedbankError(code, message, { hint, context });
}

/** Checks everything that does not need the disk; returns each file's path segments. */
function validateOptions(o: VolumeTorrentOptions): string[][] {
  if (!isValidPieceLength(o.pieceLength)) {
    throw badInput('TORRENT_BAD_PIECE_LENGTH', `piece length ${o.pieceLength} is not a power of two of at least ${MIN_PIECE_LENGTH} bytes`, 'use e.g. 1 MiB (1048576) or 4 MiB (4194304)');
  }
  if (o.files.length === 0) throw badInput('TORRENT_EMPTY', 'a volume needs at least one file', 'select some files for the volume');
  const segments = o.files.map((f) => volumePathSegments(f.path));
  assertNoPathConflicts(o.files.map((f) => f.path), 'TORRENT_BAD_PATH');
  let total = 0;
  for (const f of o.files) {
    if (!Number.isSafeInteger(f.length) || f.length < 0) {
      throw badInput('TORRENT_BAD_LENGTH', `file ${f.path} has invalid length ${f.length}`, 'lengths are byte counts', { path: f.path });
    }
    if (f.sha1Hex !== undefined && !SHA1_HEX.test(f.sha1Hex)) {
      throw badInput('TORRENT_BAD_SHA1', `file ${f.path} has an invalid sha1 ${JSON.stringify(f.sha1Hex)}`, 'expected 40 hexadecimal digits', { path: f.path });
    }
    total += f.length;
  }
  if (total === 0) throw badInput('TORRENT_EMPTY', 'all files of the volume are empty', 'BitTorrent cannot share zero bytes; add non-empty files');
  for (const url of o.urlList) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported below
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || !url.endsWith('/')) {
      throw badInput('TORRENT_BAD_URL', `web seed ${JSON.stringify(url)} is not an http(s) URL ending in "/"`, "clients append 'commons/a/ab/Name.jpg' to it, e.g. https://upload.wikimedia.org/wikipedia/");
    }
  }
  for (const t of o.announce ?? []) {
    if (typeof t !== 'string' || t.length === 0) throw badInput('TORRENT_BAD_URL', `tracker ${JSON.stringify(t)} is empty`, 'pass tracker announce URLs');
  }
  return segments;
}

/** Stats every file (bounded concurrency): each must be a regular file of the declared length. */
async function checkFilesOnDisk(files: readonly VolumeFile[], signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      signal?.throwIfAborted();
      const f = files[next++]!;
      let st;
      try {
        st = await stat(f.absPath);
      } catch (err) {
        throw new SeedbankError('TORRENT_FILE_MISSING', `cannot read ${f.absPath} for ${f.path}: ${(err as Error).message}`, {
          hint: 'download the file again or drop it from the volume',
          context: { path: f.path, absPath: f.absPath },
          cause: err,
        });
      }
      if (!st.isFile()) {
        throw new SeedbankError('TORRENT_FILE_MISSING', `${f.absPath} for ${f.path} is not a regular file`, { context: { path: f.path, absPath: f.absPath } });
      }
      if (st.size !== f.length) {
        throw new SeedbankError('TORRENT_LENGTH_MISMATCH', `${f.path} is ${st.size} bytes on disk, but ${f.length} bytes were declared`, {
          hint: 'the download is incomplete or the file changed; fetch it again',
          context: { path: f.path, absPath: f.absPath, declared: f.length, onDisk: st.size },
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, files.length) }, worker));
}

function creationSeconds(d: number | Date): number {
  const seconds = d instanceof Date ? Math.floor(d.getTime() / 1000) : d;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw badInput('TORRENT_BAD_DATE', `creation date ${String(d)} is not a positive Unix time`, 'omit it for reproducible .torrent files');
  }
  return seconds;
}

/**
 * Hashes the files and builds the bencoded volume torrent; the info dict (and so the info
 * hash) depends only on the files' paths, lengths, optional SHA-1s, order and the piece length.
 */
export async function createVolumeTorrent(o: VolumeTorrentOptions): Promise<VolumeTorrent> {
  const segments = validateOptions(o);
  const creationDate = o.creationDate === undefined ? undefined : creationSeconds(o.creationDate);
  // Worker threads take a while to start: let them boot while the files are stat'ed.
  const declaredBytes = o.files.reduce((sum, f) => sum + f.length, 0);
  prewarmHashWorkers(plannedWorkers(declaredBytes, o.pieceLength, o.workers));
  await checkFilesOnDisk(o.files, o.signal);
  const hashed = await hashPieces({
    files: o.files,
    pieceLength: o.pieceLength,
    reuse: o.reuse,
    onProgress: o.onProgress,
    signal: o.signal,
    workers: o.workers,
  });

  // Path segments as strings, written as UTF-8 bytes, so names survive exactly whatever the
  // decoder later does. The info dictionary is encoded once, for its hash and inside the torrent.
  const info = bencodeToBuffer({
    files: o.files.map((f, i) => ({
      length: f.length,
      path: segments[i]!,
      sha1: f.sha1Hex === undefined ? undefined : Buffer.from(f.sha1Hex, 'hex'),
    })),
    name: COMMONS_ROOT,
    'piece length': o.pieceLength,
    pieces: hashed.pieces,
  });
  const infoHash = createHash('sha1').update(info).digest('hex');
  const trackers = o.announce ?? [];
  const torrent = bencodeToBuffer({
    announce: trackers[0],
    'announce-list': trackers.length > 0 ? trackers.map((t) => [t]) : undefined,
    comment: o.comment,
    'created by': o.createdBy ?? DEFAULT_CREATED_BY,
    'creation date': creationDate,
    info: new Bencoded(info),
    'url-list': o.urlList.length > 0 ? o.urlList : undefined,
  });
  return {
    torrent,
    infoHash,
    pieces: hashed.pieces,
    piecesHashed: hashed.piecesHashed,
    piecesReused: hashed.piecesReused,
    totalBytes: hashed.totalBytes,
  };
}
