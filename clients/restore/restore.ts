/**
 * `seedbank restore`: a set version from the swarm (and web seeds unless turned off) into a
 * folder, every file checked against the signed manifest, laid out by Commons path or by
 * title, with the description pages beside it and a report. Re-running resumes: verified
 * files are skipped, partial volumes continue where they stopped.
 */
import { SeedbankError } from '../../shared/errors.ts';
import { copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { COMMONS_ROOT } from '../../shared/commons-path.ts';
import { manifestSha256, type ManifestFile } from '../../shared/formats/manifest.ts';
import type { Logger } from '../../shared/log.ts';
import { createProgress } from '../../shared/progress.ts';
import type { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { downloadVolumes, type VolumeDownloadResult } from './download-volumes.ts';
import { sha1OfFile, VerifiedFiles, type FileOutcome } from './file-check.ts';
import { RESTORE_REPORT_FILE, type RestoreReport } from './restore-report.ts';
import { safeFileNames } from './safe-name.ts';
import { titleMatcher } from './title-glob.ts';
import { fetchVersionMetadata } from './version-metadata.ts';
import { withTrackersFirst } from '../../shared/torrent/top-level.ts';

/** Default wait with nothing arriving before a restore gives up on what is left. */
export const DEFAULT_STALL_TIMEOUT_MS = 120_000;
/** Bookkeeping folder inside the output folder. */
const STATE_DIR = '.seedbank-restore';
/** Folder of the title layout. */
const TITLE_DIR = 'files';

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
  /** Narrows the files further after `only` (drills pick a random sample). */
  pick?: (files: ManifestFile[]) => ManifestFile[];
  /** Called with the selected files before anything is downloaded (drills look up their copies). */
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
export function restoredPaths(outDir: string, layout: RestoreLayout, files: ManifestFile[]): (f: ManifestFile) => string {
  const names = layout === 'title' ? safeFileNames(files) : null;
  return (f) => (names ? path.join(outDir, TITLE_DIR, names.get(f.title)!) : path.join(outDir, COMMONS_ROOT, ...f.path.split('/')));
}

/** Restores a set version; the report says per file what happened (it never throws for missing files). */
export async function restoreSet(o: RestoreOptions): Promise<RestoreReport> {
  const startedAt = new Date();
  const outDir = path.resolve(o.outDir);
  const meta = await fetchVersionMetadata(o.catalogue, o.setId, o.version);
  const { manifest } = meta;
  const match = o.only ? titleMatcher(o.only) : () => true;
  const matching = manifest.files.filter((f) => match(f.title));
  if (o.only && matching.length === 0) {
    throw new SeedbankError('RESTORE_NOTHING_MATCHES', `--only "${o.only}" matches none of the ${manifest.files.length} files of ${o.setId} v${manifest.version}`, {
      context: { only: o.only, files: manifest.files.length, examples: manifest.files.slice(0, 3).map((f) => f.title) },
    });
  }
  const selected = (o.pick ?? ((f) => f))(matching);
  await o.onSelected?.(selected);
  const stateDir = path.join(outDir, STATE_DIR);
  const storage = o.layout === 'commons' ? outDir : path.join(stateDir, 'download');
  const target = restoredPaths(outDir, o.layout, manifest.files);
  await mkdir(outDir, { recursive: true });
  await Promise.all([
    writeFile(path.join(outDir, 'manifest.json'), meta.manifestText),
    writeFile(path.join(outDir, 'manifest.sig'), meta.signatureText),
    writeFile(path.join(outDir, 'pages.xml.gz'), meta.pagesGz),
  ]);

  const verified = await VerifiedFiles.open(path.join(stateDir, 'verified.json'));
  const pending: ManifestFile[] = [];
  let alreadyVerified = 0;
  for (const f of selected) {
    if (await verified.isVerified(target(f), f.sha1, f.size)) alreadyVerified++;
    else pending.push(f);
  }
  const volumes = [...new Set(pending.map((f) => f.volume))];
  o.logger.info({ setId: o.setId, version: manifest.version, files: selected.length, alreadyVerified, volumes: volumes.length, webSeeds: o.webSeeds }, 'restoring');

  let download: VolumeDownloadResult | null = null;
  if (pending.length > 0) {
    const torrents = new Map<string, Uint8Array>();
    for (const ih of volumes) torrents.set(ih, withTrackersFirst(await o.catalogue.torrent(ih), [o.catalogue.announceUrl]));
    const progress = createProgress(`restore ${o.setId} v${manifest.version}`, o.logger);
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

  const problems: RestoreReport['problems'] = [];
  let ok = alreadyVerified;
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
      ok++;
      await verified.add(target(f), f.sha1);
    } else {
      problems.push({ title: f.title, path: f.path, sha1: f.sha1, outcome, ...(outcome === 'wrong' ? { gotSha1: got } : {}), volume: f.volume });
    }
  }
  await verified.save();

  const finishedAt = new Date();
  const report: RestoreReport = {
    format: 'seedbank-restore-report/1',
    ok: problems.length === 0 && download?.stopped !== 'aborted',
    setId: o.setId,
    setTitle: manifest.set.title,
    version: manifest.version,
    manifestSha256: manifestSha256(manifest),
    signedBy: manifest.set.publicKey,
    catalogue: o.catalogue.baseUrl,
    layout: o.layout,
    webSeeds: o.webSeeds,
    only: o.only ?? null,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    files: selected.length,
    bytes: selected.reduce((s, f) => s + f.size, 0),
    filesOk: ok,
    alreadyVerified,
    missing: problems.filter((p) => p.outcome === 'missing').length,
    wrong: problems.filter((p) => p.outcome === 'wrong').length,
    bytesFoundOnDisk: download?.bytesFoundOnDisk ?? 0,
    bytesReceived: download?.bytesReceived ?? 0,
    stopped: download?.stopped ?? null,
    volumes: download?.volumes ?? [],
    pages: { file: 'pages.xml.gz', count: manifest.pages.count },
    problems,
  };
  await writeFile(path.join(outDir, RESTORE_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
