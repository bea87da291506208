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
import { isErrorCode, SeedbankError } from '../../shared/errors.ts';
import { manifestSha256, parseManifest } from '../../shared/formats/manifest.ts';
import { silentLogger, type Logger } from '../../shared/log.ts';

/** Uploads in flight at once: enough to hide latency, few enough to be polite. */
const UPLOAD_CONCURRENCY = 4;
const VERSION_DIR = /^v(\d+)$/;
/** The optional preview mosaic the builder makes; older versions may lack it. */
const PREVIEW_FILE = 'preview.jpg';
const FIXED_FILES = ['manifest.json', 'manifest.sig', 'pages.xml.gz', 'metadata.torrent', 'pointer.json'];

export interface PublishOptions {
  /** The catalogue's base URL, e.g. https://catalogue.example.org */
  catalogueUrl: string;
  /** Publishing token (from `seedbank catalogue token create`). */
  token?: string;
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

interface ErrorBody {
  error?: { code?: string; message?: string; hint?: string };
}

/** Calls the catalogue; turns its JSON errors (and network failures) into SeedbankErrors. */
async function call(url: string, init: RequestInit, what: string): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new SeedbankError('CATALOGUE_UNREACHABLE', `cannot reach the catalogue at ${new URL(url).origin} (${what}): ${(err as Error).cause ?? (err as Error).message}`, {
      hint: 'check --catalogue (or --publish) and that the catalogue is running',
      cause: err,
    });
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  if (res.status >= 400 && res.status !== 404) {
    const e = (body as ErrorBody)?.error;
    throw new SeedbankError(isErrorCode(e?.code) ? e.code : 'CATALOGUE_ERROR', `the catalogue refused ${what}: ${e?.message ?? `HTTP ${res.status} ${String(text).slice(0, 200)}`}`, {
      hint: e?.hint,
      context: { upstreamStatus: res.status },
    });
  }
  return { status: res.status, body };
}

function joinUrl(base: string, p: string): string {
  return `${base.replace(/\/+$/, '')}${p}`;
}

/** Publishes one version folder (`DATA/sets/<id>/vN`). */
export async function publishVersion(versionDir: string, opts: PublishOptions): Promise<PublishOutcome> {
  const logger = opts.logger ?? silentLogger;
  const manifestText = await readFile(path.join(versionDir, 'manifest.json'), 'utf8').catch((err: unknown) => {
    throw new SeedbankError('VERSION_FOLDER_INVALID', `${versionDir} holds no manifest.json: ${(err as Error).message}`, { hint: 'pass DATA/sets/<id>/vN or DATA/sets/<id>' });
  });
  const manifest = parseManifest(manifestText, path.join(versionDir, 'manifest.json'));
  const setId = manifest.set.id;
  const version = manifest.version;
  const sha256 = manifestSha256(manifest);
  const auth = opts.token ? { authorization: `Bearer ${opts.token}` } : undefined;
  const outcome: PublishOutcome = { setId, version, status: 'unchanged', uploadedFiles: 0, uploadedBytes: 0 };

  const existing = await call(joinUrl(opts.catalogueUrl, `/api/sets/${setId}/versions/${version}`), {}, `the lookup of ${setId} v${version}`);
  if (existing.status === 200 && (existing.body as { version?: { manifestSha256?: string } }).version?.manifestSha256 === sha256) {
    logger.info({ set: setId, version }, 'already in the catalogue');
    return outcome;
  }

  const base = joinUrl(opts.catalogueUrl, `/api/publish/${setId}/${version}`);
  const staged = await call(base, { headers: auth }, `the upload status of ${setId} v${version}`);
  const have = new Map(((staged.body as { staged?: Array<{ name: string; sha256: string }> }).staged ?? []).map((f) => [f.name, f.sha256]));
  const preview = await stat(path.join(versionDir, PREVIEW_FILE)).then(() => [PREVIEW_FILE], () => []);
  const names = [...FIXED_FILES, ...preview, ...manifest.volumes.map((v) => v.torrent)];
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const bytes = await readFile(path.join(versionDir, ...name.split('/')));
      if (have.get(name) === createHash('sha256').update(bytes).digest('hex')) continue;
      await call(`${base}/${name}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: bytes }, `the upload of ${name}`);
      outcome.uploadedFiles++;
      outcome.uploadedBytes += bytes.length;
    }
  };
  await Promise.all(Array.from({ length: UPLOAD_CONCURRENCY }, worker));
  const commit = await call(`${base}/commit`, { method: 'POST', headers: auth }, `${setId} v${version}`);
  if (commit.status === 404) throw new SeedbankError('CATALOGUE_NO_PUBLISH_API', `${opts.catalogueUrl} has no publish API`, { hint: 'is this the URL of a Seedbank catalogue?' });
  outcome.status = (commit.body as { status?: string }).status === 'unchanged' ? 'unchanged' : 'published';
  logger.info({ set: setId, version, status: outcome.status, files: outcome.uploadedFiles }, `${setId} v${version} ${outcome.status}`);
  return outcome;
}

/** Publishes every version of a set folder (`DATA/sets/<id>`) the catalogue lacks, oldest first. */
export async function publishSet(setDir: string, opts: PublishOptions): Promise<PublishOutcome[]> {
  const versions = (await readdir(setDir))
    .flatMap((n) => (VERSION_DIR.test(n) ? [Number(VERSION_DIR.exec(n)![1])] : []))
    .sort((a, b) => a - b);
  if (versions.length === 0) throw new SeedbankError('VERSION_FOLDER_INVALID', `${setDir} holds no version folder (v1, v2, ...)`, { hint: 'build the set first' });
  const setId = path.basename(path.resolve(setDir));
  const info = await call(joinUrl(opts.catalogueUrl, `/api/sets/${setId}`), {}, `the lookup of ${setId}`);
  const latest = info.status === 200 ? ((info.body as { set?: { latestVersion?: number } }).set?.latestVersion ?? 0) : 0;
  const missing = versions.filter((v) => v > latest);
  // Nothing missing: confirm the local latest is the catalogue's (a no-op, or a clear 409).
  const todo = missing.length > 0 ? missing : [versions[versions.length - 1]!];
  const out: PublishOutcome[] = [];
  for (const v of todo) out.push(await publishVersion(path.join(setDir, `v${v}`), opts));
  return out;
}

/** Publishes a version folder, or every missing version of a set folder. */
export async function publishPath(target: string, opts: PublishOptions): Promise<PublishOutcome[]> {
  const isVersion = await stat(path.join(target, 'manifest.json')).then(() => true, () => false);
  return isVersion ? [await publishVersion(target, opts)] : publishSet(target, opts);
}
