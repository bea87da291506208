/**
 * Publishing built versions to a catalogue over its HTTP API: each file is PUT into the
 * catalogue's staging area (only files it does not already hold, so an interrupted publish
 * resumes), then a commit makes the catalogue check and store the version. Publishing a set
 * folder sends every version the catalogue lacks, oldest first; publishing what the catalogue
 * already has is a no-op.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { isAbsent } from '../../shared/api/client.ts';
import { PUBLISH_FIXED_FILES, PUBLISH_PREVIEW_FILE } from '../../shared/api/publish-schemas.ts';
import { isErrorCode, SeedbankError } from '../../shared/errors.ts';
import { splitPartNames } from '../../shared/formats/split-manifest.ts';
import { versionManifestOf } from '../../shared/formats/version-manifest.ts';
import { userAgent } from '../../shared/http/user-agent.ts';
import { silentLogger, type Logger } from '../../shared/log.ts';

/** Uploads in flight at once: enough to hide latency, few enough to be polite. */
const UPLOAD_CONCURRENCY = 4;
const VERSION_DIR = /^v(\d+)$/;

export interface PublishOptions {
  /** The catalogue's base URL, e.g. https://catalogue.example.org */
  catalogueUrl: string;
  /** Publishing token (from `seedbank catalogue token create`). */
  token?: string;
  /** Contact for the User-Agent (an email address or URL). */
  contact?: string;
  logger?: Logger;
}

/** What publishing one version did. */
export interface PublishOutcome {
  setId: string;
  version: number;
  status: 'published' | 'unchanged';
  uploadedFiles: number;
  uploadedBytes: number;
}

function catalogueOf(opts: PublishOptions): CatalogueApi {
  return new CatalogueApi(opts.catalogueUrl, userAgent({ contact: opts.contact, part: 'publish' }));
}

/** Publishes one version folder (`DATA/sets/<id>/vN`). */
export async function publishVersion(versionDir: string, opts: PublishOptions): Promise<PublishOutcome> {
  return publishVersionWith(catalogueOf(opts), versionDir, opts);
}

async function publishVersionWith(api: CatalogueApi, versionDir: string, opts: PublishOptions): Promise<PublishOutcome> {
  const logger = opts.logger ?? silentLogger;
  const manifestText = await readFile(path.join(versionDir, 'manifest.json'), 'utf8').catch((err: unknown) => {
    throw new SeedbankError('VERSION_FOLDER_INVALID', `${versionDir} holds no manifest.json: ${(err as Error).message}`, { hint: 'pass DATA/sets/<id>/vN or DATA/sets/<id>' });
  });
  const manifest = versionManifestOf(manifestText, versionDir, path.join(versionDir, 'manifest.json'));
  const setId = manifest.head.set.id;
  const version = manifest.head.version;
  const sha256 = manifest.sha256;
  const outcome: PublishOutcome = { setId, version, status: 'unchanged', uploadedFiles: 0, uploadedBytes: 0 };

  const existing = await api.findVersion(setId, version);
  if (existing?.version.manifestSha256 === sha256) {
    logger.info({ set: setId, version }, 'already in the catalogue');
    return outcome;
  }

  const staged = await api.publishStatus(setId, version, opts.token).catch((err: unknown) => {
    if (isAbsent(err)) throw new SeedbankError('CATALOGUE_NO_PUBLISH_API', `${opts.catalogueUrl} has no publish API`, { hint: 'is this the URL of a Seedbank catalogue?', cause: err });
    throw err;
  });
  const have = new Map(staged.staged.map((f) => [f.name, f.sha256]));
  const preview = await stat(path.join(versionDir, PUBLISH_PREVIEW_FILE)).then(() => [PUBLISH_PREVIEW_FILE], () => []);
  // A split version has no pages.xml.gz: its pages, lists and change lists are parts of their own.
  const fixed = manifest.split ? PUBLISH_FIXED_FILES.filter((n) => n !== 'pages.xml.gz') : [...PUBLISH_FIXED_FILES];
  const parts = manifest.split ? splitPartNames(manifest.split) : [];
  const names = [...fixed, ...parts, ...preview, ...manifest.head.volumes.map((v) => v.torrent)];
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const bytes = await readFile(path.join(versionDir, ...name.split('/')));
      if (have.get(name) === createHash('sha256').update(bytes).digest('hex')) continue;
      await api.upload(setId, version, name, bytes, opts.token);
      outcome.uploadedFiles++;
      outcome.uploadedBytes += bytes.length;
    }
  };
  await Promise.all(Array.from({ length: UPLOAD_CONCURRENCY }, worker));
  const commit = await api.commit(setId, version, opts.token);
  outcome.status = commit.status;
  logger.info({ set: setId, version, status: outcome.status, uploadedParts: outcome.uploadedFiles }, `${setId} v${version} ${outcome.status}`);
  return outcome;
}

/** Publishes every version of a set folder (`DATA/sets/<id>`) the catalogue lacks, oldest first. */
export async function publishSet(setDir: string, opts: PublishOptions): Promise<PublishOutcome[]> {
  const versions = (await readdir(setDir))
    .flatMap((n) => (VERSION_DIR.test(n) ? [Number(VERSION_DIR.exec(n)![1])] : []))
    .sort((a, b) => a - b);
  if (versions.length === 0) throw new SeedbankError('VERSION_FOLDER_INVALID', `${setDir} holds no version folder (v1, v2, ...)`, { hint: 'build the set first' });
  const setId = path.basename(path.resolve(setDir));
  const api = catalogueOf(opts);
  const latest = (await api.findSet(setId))?.set.latestVersion ?? 0;
  const missing = versions.filter((v) => v > latest);
  // Nothing missing: confirm the local latest is the catalogue's (a no-op, or a clear 409).
  const todo = missing.length > 0 ? missing : [versions[versions.length - 1]!];
  const out: PublishOutcome[] = [];
  for (const v of todo) out.push(await publishVersionWith(api, path.join(setDir, `v${v}`), opts));
  return out;
}

/** Publishes a version folder, or every missing version of a set folder. */
export async function publishPath(target: string, opts: PublishOptions): Promise<PublishOutcome[]> {
  const isVersion = await stat(path.join(target, 'manifest.json')).then(() => true, () => false);
  return isVersion ? [await publishVersion(target, opts)] : publishSet(target, opts);
}
