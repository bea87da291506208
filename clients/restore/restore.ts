/**
 * `seedbank restore`: a set version from the swarm (and web seeds unless turned off) into a
 * folder, every file checked against the signed manifest, laid out by Commons path or by
 * title, with the description pages beside it and a report. Re-running resumes: verified
 * files are skipped, partial volumes continue where they stopped.
 *
 * The files are streamed from the manifest (a split version's lists, each checked against the
 * signed top manifest) and restored in batches of whole volumes, so a version of a million
 * files is never one array of a million records; `--only` and the drill's sample filter while
 * streaming.
 */
import { SeedbankError } from '../../shared/errors.ts';
import { randomInt } from 'node:crypto';
import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { COMMONS_ROOT } from '../../shared/commons-path.ts';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import type { VersionManifest } from '../../shared/formats/version-manifest.ts';
import type { Logger } from '../../shared/log.ts';
import { createProgress } from '../../shared/progress.ts';
import type { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { downloadVolumes, type VolumeDownloadResult } from './download-volumes.ts';
import { sha1OfFile, VerifiedFiles, type FileOutcome } from './file-check.ts';
import { RESTORE_REPORT_FILE, type RestoreReport } from './restore-report.ts';
import { SafeFileNames } from './safe-name.ts';
import { titleMatcher } from './title-glob.ts';
import { volumesForOnly } from './only-volumes.ts';
import { fetchParts, fetchVersionMetadata } from './version-metadata.ts';
import { withTrackersFirst } from '../../shared/torrent/top-level.ts';

/** Default wait with nothing arriving before a restore gives up on what is left. */
export const DEFAULT_STALL_TIMEOUT_MS = 120_000;
/** Bookkeeping folder inside the output folder. */
const STATE_DIR = '.seedbank-restore';
/** Folder of the title layout. */
const TITLE_DIR = 'files';
/** Files per restore batch at most (a batch ends at a volume's end): what a restore holds in memory at once. */
export const RESTORE_BATCH_FILES = 20_000;
/** Title examples named when `--only` matches nothing. */
const ONLY_EXAMPLES = 3;

/** How files are named in the output folder. */
export type RestoreLayout = 'commons' | 'title';

export interface RestoreOptions {
  catalogue: CatalogueApi;
  setId: string;
  /** null: the latest version. */
  version: number | null;
  outDir: string;
  layout: RestoreLayout;
  webSeeds: boolean;
  /** Glob on titles: only the volumes holding matching files are fetched, only those files checked. */
  only?: string;
  /** Restore only this many files, picked uniformly at random after `only` (drills); chosen while streaming. */
  sample?: number;
  /** Called with each batch of selected files before it is downloaded (drills look up their copies). */
  onSelected?: (files: ManifestFile[]) => Promise<void>;
  stallTimeoutMs?: number;
  maxDownloadBytesPerSecond?: number;
  userAgent: string;
  logger: Logger;
  signal?: AbortSignal;
}

async function placeByTitle(src: string, dest: string): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  await rm(dest, { force: true });
  // A hard link costs no space; across file systems, copy.
  await link(src, dest).catch(() => copyFile(src, dest));
}

/** Where each file of a version lands in the output folder, for a layout. */
export function restoredPaths(outDir: string, layout: RestoreLayout, files: Iterable<ManifestFile>): (f: ManifestFile) => string {
  let names: SafeFileNames | null = null;
  if (layout === 'title') {
    names = new SafeFileNames();
    for (const f of files) names.add(f);
  }
  return pathsWith(outDir, names);
}

/** {@link restoredPaths} for a manifest read from disk: the title layout's names take one streaming pass over the files. */
export async function restoredPathsOf(outDir: string, layout: RestoreLayout, manifest: VersionManifest): Promise<(f: ManifestFile) => string> {
  if (layout !== 'title') return pathsWith(outDir, null);
  // Names must be unique over the whole version, so this is the one table that grows with files (titles only).
  const names = new SafeFileNames();
  for await (const f of manifest.files()) names.add(f);
  return pathsWith(outDir, names);
}

function pathsWith(outDir: string, names: SafeFileNames | null): (f: ManifestFile) => string {
  return (f) => (names ? path.join(outDir, TITLE_DIR, names.get(f.title)!) : path.join(outDir, COMMONS_ROOT, ...f.path.split('/')));
}

/** What streaming the selection saw. */
interface SelectionTally {
  matched: number;
  examples: string[];
}

/**
 * The selected files in batches of whole volumes (each batch's lists fully read, so checked,
 * before it is handed out), or one batch of `sample` files chosen by reservoir sampling.
 */
async function* selectedBatches(files: AsyncIterable<ManifestFile>, match: (title: string) => boolean, sample: number | undefined, tally: SelectionTally): AsyncGenerator<ManifestFile[]> {
  let batch: ManifestFile[] = [];
  for await (const f of files) {
    if (tally.examples.length < ONLY_EXAMPLES) tally.examples.push(f.title);
    if (!match(f.title)) continue;
    tally.matched++;
    if (sample !== undefined) {
      if (batch.length < sample) batch.push(f);
      else {
        const j = randomInt(tally.matched);
        if (j < sample) batch[j] = f;
      }
      continue;
    }
    if (batch.length >= RESTORE_BATCH_FILES && batch.at(-1)!.volume !== f.volume) {
      yield batch;
      batch = [];
    }
    batch.push(f);
  }
  if (batch.length > 0) yield batch;
}

/** The files of some volumes of a version, volume by volume. */
async function* filesOfVolumes(manifest: VersionManifest, infoHashes: readonly string[]): AsyncGenerator<ManifestFile> {
  for (const ih of infoHashes) yield* manifest.filesOf(ih);
}

/** Running totals of a restore over its batches. */
interface RestoreTally {
  files: number;
  bytes: number;
  ok: number;
  alreadyVerified: number;
  bytesFoundOnDisk: number;
  bytesReceived: number;
  stopped: VolumeDownloadResult['stopped'];
  volumes: VolumeDownloadResult['volumes'];
  problems: RestoreReport['problems'];
}

/** Restores a set version; the report says per file what happened (it never throws for missing files). */
export async function restoreSet(o: RestoreOptions): Promise<RestoreReport> {
  const startedAt = new Date();
  const outDir = path.resolve(o.outDir);
  const meta = await fetchVersionMetadata(o.catalogue, o.setId, o.version, outDir);
  const { manifest } = meta;
  const { head } = manifest;
  const split = manifest.split;
  // Only the volumes that can hold a match are read: `--only` naming titles outright names them by
  // their prefixes; a wildcard, or the title layout (its names are unique over the whole version), needs every list.
  const candidates = o.only && o.layout === 'commons' ? volumesForOnly(o.only, head.volumes) : null;
  if (split) {
    const lists = split.volumes.filter((v) => !candidates || candidates.includes(v.infoHash)).map((v) => v.list);
    const { fetchedBytes } = await fetchParts(o.catalogue, o.setId, head.version, outDir, lists);
    o.logger.info({ setId: o.setId, version: head.version, lists: lists.length, of: split.volumes.length, fetchedBytes }, 'lists of the volumes to read');
  }
  const match = o.only ? titleMatcher(o.only) : () => true;
  const stateDir = path.join(outDir, STATE_DIR);
  const storage = o.layout === 'commons' ? outDir : path.join(stateDir, 'download');
  const target = await restoredPathsOf(outDir, o.layout, manifest);
  const verified = await VerifiedFiles.open(path.join(stateDir, 'verified.json'));
  const t: RestoreTally = { files: 0, bytes: 0, ok: 0, alreadyVerified: 0, bytesFoundOnDisk: 0, bytesReceived: 0, stopped: null, volumes: [], problems: [] };
  const selection: SelectionTally = { matched: 0, examples: [] };
  const pagesOf = new Map((split?.volumes ?? []).map((v) => [v.infoHash, v.pages]));
  const files = candidates ? filesOfVolumes(manifest, candidates) : manifest.files();
  for await (const selected of selectedBatches(files, match, o.sample, selection)) {
    await o.onSelected?.(selected);
    if (split) await fetchParts(o.catalogue, o.setId, head.version, outDir, [...new Set(selected.map((f) => f.volume))].map((ih) => pagesOf.get(ih)!));
    await restoreBatch(o, selected, { storage, target, verified, version: head.version }, t);
    if (t.stopped === 'aborted') break;
  }
  if (o.only && selection.matched === 0) {
    throw new SeedbankError('RESTORE_NOTHING_MATCHES', `--only "${o.only}" matches none of the ${head.totals.files} files of ${o.setId} v${head.version}`, {
      context: { only: o.only, files: head.totals.files, examples: selection.examples },
    });
  }

  const finishedAt = new Date();
  const report: RestoreReport = {
    format: 'seedbank-restore-report/1',
    ok: t.problems.length === 0 && t.stopped !== 'aborted',
    setId: o.setId,
    setTitle: head.set.title,
    version: head.version,
    manifestSha256: manifest.sha256,
    signedBy: head.set.publicKey,
    catalogue: o.catalogue.baseUrl,
    layout: o.layout,
    webSeeds: o.webSeeds,
    only: o.only ?? null,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    files: t.files,
    bytes: t.bytes,
    filesOk: t.ok,
    alreadyVerified: t.alreadyVerified,
    missing: t.problems.filter((p) => p.outcome === 'missing').length,
    wrong: t.problems.filter((p) => p.outcome === 'wrong').length,
    bytesFoundOnDisk: t.bytesFoundOnDisk,
    bytesReceived: t.bytesReceived,
    stopped: t.stopped,
    volumes: t.volumes,
    pages: manifest.whole
      ? { file: 'pages.xml.gz', count: manifest.whole.pages.count }
      : { file: 'pages/', count: split!.volumes.reduce((s, v) => s + v.pages.count, 0) },
    problems: t.problems,
  };
  await writeFile(path.join(outDir, RESTORE_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** Downloads and checks one batch of selected files, adding to the totals. */
async function restoreBatch(
  o: RestoreOptions,
  selected: ManifestFile[],
  at: { storage: string; target: (f: ManifestFile) => string; verified: VerifiedFiles; version: number },
  t: RestoreTally,
): Promise<void> {
  const { storage, target, verified } = at;
  const pending: ManifestFile[] = [];
  let alreadyVerified = 0;
  for (const f of selected) {
    t.files++;
    t.bytes += f.size;
    if (await verified.isVerified(target(f), f.sha1, f.size)) alreadyVerified++;
    else pending.push(f);
  }
  t.alreadyVerified += alreadyVerified;
  t.ok += alreadyVerified;
  const volumes = [...new Set(pending.map((f) => f.volume))];
  o.logger.info({ setId: o.setId, version: at.version, files: selected.length, alreadyVerified, volumes: volumes.length, webSeeds: o.webSeeds }, 'restoring');

  let download: VolumeDownloadResult | null = null;
  if (pending.length > 0) {
    const torrents = new Map<string, Uint8Array>();
    for (const ih of volumes) torrents.set(ih, withTrackersFirst(await o.catalogue.torrent(ih), [o.catalogue.announceUrl]));
    const progress = createProgress(`restore ${o.setId} v${at.version}`, o.logger);
    progress.setTotal(pending.length, pending.reduce((s, f) => s + f.size, 0));
    try {
      download = await downloadVolumes({
        storage,
        torrents,
        files: pending,
        webSeeds: o.webSeeds,
        stallTimeoutMs: o.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
        maxDownloadBytesPerSecond: o.maxDownloadBytesPerSecond,
        userAgent: o.userAgent,
        logger: o.logger,
        progress,
        signal: o.signal,
      });
    } finally {
      progress.stop();
    }
  }

  for (const f of pending) {
    const src = path.join(storage, COMMONS_ROOT, ...f.path.split('/'));
    let outcome: FileOutcome = 'missing';
    let got: string | null = null;
    if (download?.completePaths.has(f.path)) {
      got = await sha1OfFile(src);
      outcome = got === f.sha1 ? 'ok' : got === null ? 'missing' : 'wrong';
      if (outcome === 'ok' && o.layout === 'title') await placeByTitle(src, target(f));
    }
    if (outcome === 'ok') {
      t.ok++;
      await verified.add(target(f), f.sha1);
    } else {
      t.problems.push({ title: f.title, path: f.path, sha1: f.sha1, outcome, ...(outcome === 'wrong' ? { gotSha1: got } : {}), volume: f.volume });
    }
  }
  await verified.save();
  if (download) {
    t.bytesFoundOnDisk += download.bytesFoundOnDisk;
    t.bytesReceived += download.bytesReceived;
    t.volumes.push(...download.volumes);
    t.stopped ??= download.stopped;
  }
}
