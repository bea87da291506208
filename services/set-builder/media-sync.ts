import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { downloadFiles, type DownloadItem, type DownloadOutcome } from '../../shared/http/download-file.ts';
import type { PoliteClient } from '../../shared/http/polite-client.ts';
import type { Logger } from '../../shared/log.ts';
import type { Progress } from '../../shared/progress.ts';
import type { FileList } from './listing/file-table.ts';
import type { ListedFile } from './listing/listed-file.ts';
import type { ParentFiles } from './parent-files.ts';
import type { SetStore } from './store.ts';

/** What the media step did, for the summary and the benchmark. */
export interface SyncReport {
  downloaded: number;
  downloadedBytes: number;
  reused: number;
  linked: number;
  archived: number;
  /** Taken from the --media-from mirror (SHA-1 checked), and bytes so taken. */
  fromMirror: number;
  fromMirrorBytes: number;
  /** Mirror files whose SHA-1 or size was not the wiki's: downloaded instead. */
  mirrorMismatches: number;
  skipped: Array<{ title: string; reason: string }>;
}

/**
 * Brings the media tree in line with a selection: files already in place (same path,
 * same SHA-1 as the parent version, same size on disk) are kept without reading them;
 * bytes that exist elsewhere in the tree (a rename, a duplicate) are hard-linked; a
 * re-uploaded file's old bytes move to the archive first, so older versions stay whole;
 * with `mediaFrom`, a file found in that local mirror of the upload tree (the `a/ab/` folders
 * of wikipedia/commons) with the wiki's size and SHA-1 is hard-linked (or copied) from there;
 * everything else is downloaded politely and checked against the wiki's SHA-1.
 */
export async function syncMedia(
  store: SetStore,
  files: FileList,
  parentFiles: ParentFiles | null,
  client: PoliteClient,
  options: { logger: Logger; progress?: Progress; signal?: AbortSignal; mediaFrom?: string },
): Promise<SyncReport> {
  const report: SyncReport = { downloaded: 0, downloadedBytes: 0, reused: 0, linked: 0, archived: 0, fromMirror: 0, fromMirrorBytes: 0, mirrorMismatches: 0, skipped: [] };

  const toFetch: DownloadItem[] = [];
  // Positions, not records: with a mirror every file of a first build waits here, and a record is made again when its turn comes.
  const fromMirrorFirst: number[] = [];
  let position = -1;
  for (const file of files) {
    position++;
    const dest = store.mediaPath(file.path);
    const onDisk = await sizeOf(dest);
    const old = parentFiles?.at(file.path);
    if (old && old.sha1 === file.sha1 && onDisk === file.size) {
      report.reused++;
      continue;
    }
    if (old && old.sha1 !== file.sha1 && onDisk === old.size) {
      // A re-upload: keep the superseded bytes where MediaWiki would, then fetch the new ones.
      const archived = store.archivePath(old.path, old.uploadTimestamp);
      await mkdir(path.dirname(archived), { recursive: true });
      await rename(dest, archived);
      parentFiles!.archived(old.sha1);
      report.archived++;
    }
    const source = parentFiles?.sourceOf(file.sha1);
    if (onDisk !== file.size && source && source !== file.path && (await sizeOf(store.mediaPath(source))) === file.size) {
      await linkOrCopy(store.mediaPath(source), dest);
      report.linked++;
      continue;
    }
    if (options.mediaFrom && onDisk !== file.size) {
      fromMirrorFirst.push(position);
      continue;
    }
    toFetch.push(fetchItem(store, file));
  }
  if (options.mediaFrom) {
    // Each take reads and hashes a whole file: a few at once keep the disk and the hash busy.
    // Each taker reads through one buffer of its own, and folders made once are not made again.
    const folders = new Set<string>();
    const buffers = Array.from({ length: MIRROR_TAKES_AT_ONCE }, () => Buffer.allocUnsafe(MIRROR_READ_BYTES));
    const outcomes = await mapBounded(fromMirrorFirst, MIRROR_TAKES_AT_ONCE, (i, taker) => {
      const file = files.at(i)!;
      return fromMirror(options.mediaFrom!, file, store.mediaPath(file.path), { logger: options.logger, buffer: buffers[taker]!, folders });
    });
    for (const [k, i] of fromMirrorFirst.entries()) {
      if (outcomes[k] === 'taken') {
        report.fromMirror++;
        report.fromMirrorBytes += files.at(i)!.size;
        continue;
      }
      const file = files.at(i)!;
      if (outcomes[k] === 'mismatch') report.mirrorMismatches++;
      toFetch.push(fetchItem(store, file));
    }
    options.logger.info({ mirror: options.mediaFrom, taken: report.fromMirror, bytes: report.fromMirrorBytes, mismatches: report.mirrorMismatches, toDownload: toFetch.length }, 'media taken from the local mirror');
  }

  const total = toFetch.reduce((s, i) => s + i.size, 0);
  options.progress?.setTotal(toFetch.length, total);
  let lastBytes = 0;
  let lastDone = 0;
  const outcomes: DownloadOutcome[] = await downloadFiles(toFetch, client, {
    logger: options.logger,
    signal: options.signal,
    onProgress: (e) => {
      options.progress?.tick(e.done - lastDone, e.bytes - lastBytes);
      lastBytes = e.bytes;
      lastDone = e.done;
    },
  });
  for (const o of outcomes) {
    if (o.status === 'skipped') report.skipped.push({ title: o.item.key ?? o.item.url, reason: o.reason ?? 'skipped' });
    else if (o.status === 'downloaded') {
      report.downloaded++;
      report.downloadedBytes += o.bytes;
    } else report.reused++;
  }
  return report;
}

/** Files read and hashed from the --media-from mirror at once. */
const MIRROR_TAKES_AT_ONCE = 8;
/**
 * Bytes each mirror taker reads at a time, into a buffer it keeps for the whole phase. A read
 * stream piped into a hash per file (as before) made a 64 KiB buffer and a few dozen stream
 * objects per file; at 100,000 files that garbage outlived the young generation and the heap
 * grew to three times the live records before a full GC (the API build's peak, 700 MB).
 */
const MIRROR_READ_BYTES = 256 * 1024;

function fetchItem(store: SetStore, file: ListedFile): DownloadItem {
  return { url: file.url, dest: store.mediaPath(file.path), size: file.size, sha1Hex: file.sha1, key: file.title };
}

/** `fn` over `items` with at most `limit` calls running (each told which of the `limit` runs it is); the results in the items' order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, runner: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (runner: number): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, runner);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, (_, runner) => worker(runner)));
  return results;
}

/**
 * Takes one file from a local mirror in the upload layout when its size and SHA-1 are the
 * wiki's: a mirror is only as good as its last sync, so every byte is checked like a download.
 */
async function fromMirror(
  mirror: string,
  file: ListedFile,
  dest: string,
  take: { logger: Logger; buffer: Buffer; folders: Set<string> },
): Promise<'taken' | 'absent' | 'mismatch'> {
  const source = path.join(mirror, ...file.path.split('/'));
  if ((await sizeOf(source)) !== file.size) return 'absent';
  let sha1: string;
  try {
    sha1 = await sha1Of(source, take.buffer);
  } catch (err) {
    take.logger.warn({ err, source }, 'could not read a file of the media mirror; downloading it');
    return 'absent';
  }
  if (sha1 !== file.sha1) {
    take.logger.warn({ source, title: file.title, expected: file.sha1, found: sha1 }, 'the media mirror holds other bytes for this file (stale or damaged); downloading it');
    return 'mismatch';
  }
  await linkOrCopy(source, dest, take.folders);
  return 'taken';
}

/** The SHA-1 (hex) of a file, read through `buffer` (no stream, no buffer per read). */
async function sha1Of(file: string, buffer: Buffer): Promise<string> {
  const hash = createHash('sha1');
  const handle = await open(file, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch {
    return null;
  }
}

/** Hard-links (or copies) `from` to `to`; `folders` remembers the folders already made, so 100,000 files do not make their 4,096 folders 100,000 times. */
async function linkOrCopy(from: string, to: string, folders?: Set<string>): Promise<void> {
  const folder = path.dirname(to);
  if (!folders?.has(folder)) {
    await mkdir(folder, { recursive: true });
    folders?.add(folder);
  }
  const tmp = `${to}.link-${process.pid}`;
  try {
    await link(from, tmp);
  } catch {
    await copyFile(from, tmp);
  }
  await rename(tmp, to);
}
