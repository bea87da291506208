/**
 * Downloads original media files to disk with verification and resume: each file is
 * written to `<dest>.part`, hashed while streaming, fsync'd and renamed into place only
 * when its size and SHA-1 match what the wiki advertised.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError, isSeedbankError } from '../errors.ts';
import { commitTempFile, fsyncFile } from '../fs/index.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { PoliteClient, PoliteResponse } from './polite-client.ts';

/** Fresh downloads after a bad SHA-1 or size before giving up on a file. */
const MAX_RESTARTS_FROM_ZERO = 1;
/** Resumes in a row without receiving a byte before giving up on a file. */
const MAX_RESUMES_WITHOUT_PROGRESS = 5;
const PART_SUFFIX = '.part';
/** Write-error codes that mean "no space left": the run can resume once space is freed. */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

export interface DownloadItem {
  /** Already-encoded URL from the API's imageinfo `url`; used verbatim. */
  url: string;
  /** Absolute destination path. */
  dest: string;
  /** Expected size in bytes. */
  size: number;
  /** Expected SHA-1, lower-case hex. */
  sha1Hex: string;
  /** Caller's identifier (e.g. the file title), passed back untouched. */
  key?: string;
}

export interface DownloadOutcome {
  item: DownloadItem;
  status: 'downloaded' | 'already-present' | 'skipped';
  /** Bytes received over the network for this item in this run (0 when already present). */
  bytes: number;
  /** Why an item was skipped. */
  reason?: string;
}

export interface DownloadProgress {
  item: DownloadItem;
  /** Bytes of `item` on disk so far, resumed bytes included. */
  itemBytes: number;
  /**
   * Bytes accounted for across all items. A finished item counts its full size whatever the
   * outcome, so this reaches `totalBytes` at the end; it can go down when a file restarts.
   */
  bytes: number;
  /** Sum of all items' sizes. */
  totalBytes: number;
  /** Items finished (any outcome). */
  done: number;
  total: number;
}

export interface DownloadOptions {
  onProgress?(event: DownloadProgress): void;
  signal?: AbortSignal;
  logger?: Logger;
  /** Files in flight at once; the client still caps connections per host. Default: the client's maxConnections. */
  concurrency?: number;
}

/** Why a single attempt did not produce a verified file. */
type AttemptResult =
  | { kind: 'ok'; bytes: number }
  | { kind: 'skip'; bytes: number; reason: string }
  | { kind: 'restart'; bytes: number; reason: string }
  | { kind: 'resume'; bytes: number; reason: string };

/** Downloads every item (files already present are verified, not fetched) and reports one outcome per item, in order. */
export async function downloadFiles(
  items: DownloadItem[],
  client: PoliteClient,
  opts: DownloadOptions = {},
): Promise<DownloadOutcome[]> {
  const logger = opts.logger ?? silentLogger;
  // A fatal error in one worker (disk full) stops the others; an outside abort does too.
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onOuterAbort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const signal = controller.signal;

  const totalBytes = items.reduce((sum, item) => sum + item.size, 0);
  const accounted = new Array<number>(items.length).fill(0);
  let accountedSum = 0;
  let done = 0;
  const progress = (index: number, itemBytes: number, finished = false): void => {
    const item = items[index] as DownloadItem;
    const counted = finished ? item.size : Math.min(itemBytes, item.size);
    accountedSum += counted - (accounted[index] ?? 0);
    accounted[index] = counted;
    if (finished) done++;
    opts.onProgress?.({ item, itemBytes, bytes: accountedSum, totalBytes, done, total: items.length });
  };

  const outcomes = new Array<DownloadOutcome>(items.length);
  let next = 0;
  let fatal: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal.aborted) {
      const index = next++;
      const item = items[index] as DownloadItem;
      try {
        const outcome = await downloadOne(item, client, signal, logger, (bytes) => progress(index, bytes));
        outcomes[index] = outcome;
        progress(index, outcome.status === 'skipped' ? 0 : item.size, true);
      } catch (err) {
        if (fatal === undefined) fatal = err;
        controller.abort(err);
      }
    }
  };
  const concurrency = Math.max(1, opts.concurrency ?? client.maxConnections);
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  if (opts.signal?.aborted) throw opts.signal.reason;
  if (fatal !== undefined) throw fatal;
  return outcomes;
}

/** Fetches, verifies and installs one file. */
async function downloadOne(
  item: DownloadItem,
  client: PoliteClient,
  signal: AbortSignal,
  logger: Logger,
  onBytes: (itemBytes: number) => void,
): Promise<DownloadOutcome> {
  const part = item.dest + PART_SUFFIX;
  const expected = item.sha1Hex.toLowerCase();
  await fs.mkdir(path.dirname(item.dest), { recursive: true });

  const present = await fileSize(item.dest);
  if (present === item.size) {
    const actual = await sha1OfFile(item.dest);
    if (actual === expected) {
      await fs.rm(part, { force: true });
      return { item, status: 'already-present', bytes: 0 };
    }
    logger.warn({ dest: item.dest, expected, actual }, 'existing file has the wrong SHA-1; downloading again');
  } else if (present !== undefined) {
    logger.warn({ dest: item.dest, expected: item.size, actual: present }, 'existing file has the wrong size; downloading again');
  }

  let restarts = 0;
  let resumes = 0;
  let received = 0;
  for (;;) {
    signal.throwIfAborted();
    const result = await attempt(item, part, client, signal, onBytes);
    received += result.bytes;
    if (result.kind === 'ok') {
      await commitTempFile(part, item.dest);
      return { item, status: 'downloaded', bytes: received };
    }
    if (result.kind === 'skip') return skip(item, part, received, result.reason, logger);
    if (result.kind === 'restart') {
      await fs.rm(part, { force: true });
      onBytes(0);
      if (restarts >= MAX_RESTARTS_FROM_ZERO) return skip(item, part, received, result.reason, logger);
      restarts++;
      logger.warn({ url: item.url, reason: result.reason }, 'download failed verification; retrying from zero');
      continue;
    }
    // Only fruitless resumes count: a big file over a flaky link may need many that each progress.
    if (result.bytes > 0) resumes = 0;
    if (resumes >= MAX_RESUMES_WITHOUT_PROGRESS) {
      return skip(item, part, received, `connection kept failing after ${resumes} resumes: ${result.reason}`, logger);
    }
    logger.warn({ url: item.url, reason: result.reason, resume: resumes + 1 }, 'download interrupted; resuming');
    await client.backoff(resumes, signal);
    resumes++;
  }
}

/** One request for the rest of the file, appended to the .part and verified if complete. */
async function attempt(
  item: DownloadItem,
  part: string,
  client: PoliteClient,
  signal: AbortSignal,
  onBytes: (itemBytes: number) => void,
): Promise<AttemptResult> {
  const offset = (await fileSize(part)) ?? 0;
  if (offset > item.size) return { kind: 'restart', bytes: 0, reason: sizeReason(item.size, offset) };
  const hash = createHash('sha1');
  // Resuming: the digest must cover the bytes already on disk.
  if (offset > 0) await hashFileInto(part, hash);
  if (offset === item.size) {
    // Complete from an earlier run, which may have stopped before its fsync.
    const result = verify(item, hash, 0);
    if (result.kind === 'ok') await fsyncFile(part);
    return result;
  }

  let res: PoliteResponse;
  try {
    res = await client.request(item.url, { signal, headers: offset > 0 ? { range: `bytes=${offset}-` } : {} });
  } catch (err) {
    // A server asking us to stay away for long applies to every file: stop the run.
    if (signal.aborted || !isSeedbankError(err) || err.code === 'HTTP_RETRY_AFTER_TOO_LONG') throw err;
    // Retries exhausted or a network failure: this file is lost for this run, the set is not.
    return { kind: 'skip', bytes: 0, reason: err.message };
  }

  const status = res.status;
  if (status === 404 || status === 410) {
    res.discard();
    return { kind: 'skip', bytes: 0, reason: `not on the server any more (HTTP ${status})` };
  }
  if (status === 416) {
    // Our .part does not fit the server's file: it changed, or the part is corrupt.
    res.discard();
    return { kind: 'restart', bytes: 0, reason: `server refused range bytes=${offset}- (HTTP 416)` };
  }
  if (status === 206) {
    const range = parseContentRange(res.header('content-range'));
    if (range && range.total !== undefined && range.total !== item.size) {
      res.discard();
      return { kind: 'restart', bytes: 0, reason: sizeReason(item.size, range.total) };
    }
    if (!range || range.start !== offset) {
      res.discard();
      return { kind: 'restart', bytes: 0, reason: `server sent an unexpected range ${res.header('content-range') ?? '(none)'}` };
    }
  } else if (status === 200) {
    // The server ignored the Range header (or there was none): start over.
    if (offset > 0) return writeBody(item, part, res, createHash('sha1'), 0, signal, onBytes);
  } else {
    res.discard();
    return { kind: 'skip', bytes: 0, reason: `HTTP ${status} from ${item.url}` };
  }
  return writeBody(item, part, res, hash, offset, signal, onBytes);
}

/** Streams the body into the .part (append at `offset`), then fsyncs and verifies. */
async function writeBody(
  item: DownloadItem,
  part: string,
  res: PoliteResponse,
  hash: Hash,
  offset: number,
  signal: AbortSignal,
  onBytes: (itemBytes: number) => void,
): Promise<AttemptResult> {
  const length = res.header('content-length');
  if (length !== undefined && offset + Number(length) !== item.size) {
    // The file changed since it was listed; do not spend bandwidth finding out the hard way.
    res.discard();
    return { kind: 'restart', bytes: 0, reason: sizeReason(item.size, offset + Number(length)) };
  }
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(part, offset > 0 ? 'a' : 'w');
  } catch (err) {
    res.discard();
    throw diskError(err, item, part);
  }
  let received = 0;
  let onDisk = offset;
  try {
    try {
      for await (const chunk of res.body) {
        if (onDisk + chunk.length > item.size) {
          res.discard();
          return { kind: 'restart', bytes: received, reason: sizeReason(item.size, onDisk + chunk.length) };
        }
        hash.update(chunk);
        await writeAll(handle, chunk, item, part);
        received += chunk.length;
        onDisk += chunk.length;
        onBytes(onDisk);
      }
    } catch (err) {
      if (signal.aborted || isSeedbankError(err, 'DISK_FULL')) throw err;
      // The connection broke mid-body: what we have is kept and resumed.
      return { kind: 'resume', bytes: received, reason: err instanceof Error ? err.message : String(err) };
    }
    if (onDisk !== item.size) {
      // A clean end that is short of the advertised size: resume rather than judge yet.
      return { kind: 'resume', bytes: received, reason: `connection ended at ${onDisk} of ${item.size} bytes` };
    }
    await handle.sync();
  } finally {
    res.discard();
    await handle.close();
  }
  return verify(item, hash, received);
}

/** Compares the digest with the advertised SHA-1. */
function verify(item: DownloadItem, hash: Hash, bytes: number): AttemptResult {
  const expected = item.sha1Hex.toLowerCase();
  const actual = hash.digest('hex');
  return actual === expected
    ? { kind: 'ok', bytes }
    : { kind: 'restart', bytes, reason: `sha1 mismatch: expected ${expected} got ${actual}` };
}

async function skip(item: DownloadItem, part: string, bytes: number, reason: string, logger: Logger): Promise<DownloadOutcome> {
  // A stray .part would end up inside the set directory; nothing useful is left in it.
  await fs.rm(part, { force: true });
  logger.warn({ url: item.url, dest: item.dest, reason }, 'skipping file');
  return { item, status: 'skipped', bytes, reason };
}

async function writeAll(handle: fs.FileHandle, chunk: Buffer, item: DownloadItem, part: string): Promise<void> {
  let written = 0;
  try {
    while (written < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, written, chunk.length - written);
      written += bytesWritten;
    }
  } catch (err) {
    throw diskError(err, item, part);
  }
}

/** Turns "no space left" into a DISK_FULL SeedbankError; other errors pass through. */
function diskError(err: unknown, item: DownloadItem, part: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !DISK_FULL_CODES.has(code)) return err;
  return new SeedbankError('DISK_FULL', `No space left on the device while writing ${part}.`, {
    hint: 'Free some disk space (or choose another output directory) and run again; partial downloads are kept and resumed.',
    context: { dest: item.dest, url: item.url, code },
    cause: err,
  });
}

function sizeReason(expected: number, actual: number): string {
  return `size mismatch: expected ${expected} bytes got ${actual}`;
}

/** `bytes START-END/TOTAL` → numbers; TOTAL may be `*`. */
function parseContentRange(value: string | undefined): { start: number; end: number; total?: number } | undefined {
  const match = value === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === '*' ? undefined : Number(match[3]) };
}

async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function hashFileInto(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

async function sha1OfFile(file: string): Promise<string> {
  const hash = createHash('sha1');
  await hashFileInto(file, hash);
  return hash.digest('hex');
}

