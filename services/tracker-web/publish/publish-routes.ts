/**
 * The publish API (every route needs a token):
 *   GET    /api/publish/:set/:version                  staged files with their SHA-256 (for resuming)
 *   PUT    /api/publish/:set/:version/:file            raw bytes of manifest.json, manifest.sig,
 *   PUT    /api/publish/:set/:version/volumes/:ih.torrent   pages.xml.gz, metadata.torrent, pointer.json, volumes,
 *   PUT    /api/publish/:set/:version/lists/:ih.ndjson      and a split (/3) version's parts (lists, pages,
 *   PUT    /api/publish/:set/:version/pages/:ih.xml.gz      changes.ndjson); any other name is a 400
 *   POST   /api/publish/:set/:version/commit           check everything and publish (201), or 200 when identical
 *   DELETE /api/publish/:set/:version                  drop the staged upload
 */
import { Router, type Request, type Response } from 'express';
import { PUBLISH_COMMON_FILES, PUBLISH_FILE_NAMES_TEXT, publishFileNameSchema, type CommitAnswerBody, type PublishStatusBody, type StagedFileBody } from '../../../shared/api/publish-schemas.ts';
import { routes } from '../../../shared/api/routes.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { parseParam, setIdSchema, versionSchema } from '../web/params.ts';
import { checkVersion, type VersionUpload } from './check-version.ts';
import { commitSplitVersion } from './split-commit.ts';
import type { Staging } from './staging.ts';

/** What the publish routes need. */
export interface PublishRouteDeps {
  store: CatalogueStore;
  staging: Staging;
  logger: Logger;
  /** Called after a new version is stored (the DHT publisher re-puts the pointer). */
  onPublished?: (setId: string, version: number) => void;
}

const FIXED_FILES = PUBLISH_COMMON_FILES;
const VOLUME_FILE = /^volumes\/([0-9a-f]{40})\.torrent$/;

function target(req: Request): { setId: string; version: number } {
  return { setId: parseParam(setIdSchema, req.params.set, 'set'), version: parseParam(versionSchema, req.params.version, 'version') };
}

function declaredLength(req: Request): number | undefined {
  const header = req.get('content-length');
  return header === undefined ? undefined : Number(header);
}

/** Reads a whole staged upload, naming every missing file at once. */
async function readUpload(staging: Staging, setId: string, version: number): Promise<VersionUpload> {
  const fixed = await Promise.all(FIXED_FILES.map((n) => staging.read(setId, version, n)));
  const missing = FIXED_FILES.filter((_, i) => fixed[i] === null);
  if (missing.length > 0) {
    throw new SeedbankError('PUBLISH_INCOMPLETE', `${setId} v${version} cannot be committed: ${missing.join(', ')} not uploaded`, {
      hint: `PUT each file to ${routes.publishFile.path(setId, version, '<file>')} first`,
    });
  }
  const volumeTorrents = new Map<string, Uint8Array>();
  for (const name of await staging.names(setId, version)) {
    const m = VOLUME_FILE.exec(name);
    const bytes = m ? await staging.read(setId, version, name) : null;
    if (m && bytes) volumeTorrents.set(m[1]!, bytes);
  }
  const [manifest, sig, metadata, pointer] = fixed as Buffer[];
  return {
    manifestText: manifest!.toString('utf8'),
    signatureText: sig!.toString('utf8'),
    // Required of a whole manifest (checked there); a split version has none.
    pagesGz: await staging.read(setId, version, 'pages.xml.gz'),
    dir: staging.dir(setId, version),
    metadataTorrent: metadata!,
    pointerText: pointer!.toString('utf8'),
    volumeTorrents,
  };
}

/** The preview is cosmetic and unsigned: accept only what starts and ends like a JPEG. */
function isJpeg(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n > 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
}

/** Builds the router of the publish API; mount it behind the token check. */
export function publishRouter(deps: PublishRouteDeps): Router {
  const { store, staging, logger } = deps;
  const router = Router();

  router.get(routes.publishStatus.pattern, async (req, res) => {
    const { setId, version } = target(req);
    const body: PublishStatusBody = { set: setId, version, published: store.getVersion(setId, version)?.manifestSha256 ?? null, staged: await staging.list(setId, version) };
    res.json(body);
  });

  const receive = (name: (req: Request) => string) => async (req: Request, res: Response) => {
    const { setId, version } = target(req);
    // Refused before a byte is read; the staging area checks the name again before writing.
    const fileName = parseParam(publishFileNameSchema, name(req), 'file', 'UPLOAD_NAME_INVALID');
    const file: StagedFileBody = await staging.receive(setId, version, fileName, req, declaredLength(req));
    res.status(201).json(file);
  };
  router.put(routes.publishVolume.pattern, receive((req) => `volumes/${String(req.params.file)}`));
  router.put(routes.publishFile.pattern, receive((req) => String(req.params.file)));
  router.put(routes.publishPart.pattern, receive((req) => `${String(req.params.folder)}/${String(req.params.file)}`));
  // Deeper paths (`lists/../../x`, `a/b/c`) name no file of a version: a 400 that says so, not a 404.
  router.put('/api/publish/:set/:version/*rest', (req) => {
    const rest = ([] as string[]).concat(req.params.rest ?? []).join('/');
    throw new SeedbankError('UPLOAD_NAME_INVALID', `"${rest}" is not a file of a set version`, { hint: `expected ${PUBLISH_FILE_NAMES_TEXT}` });
  });

  router.post(routes.publishCommit.pattern, async (req, res) => {
    const { setId, version } = target(req);
    const upload = await readUpload(staging, setId, version);
    const checked = await checkVersion(store, setId, version, upload);
    if (checked.kind === 'unchanged') {
      await staging.discard(setId, version);
      const body: CommitAnswerBody = { status: 'unchanged', set: setId, version, manifestSha256: checked.record.manifestSha256, metadataInfoHash: checked.record.metadataInfoHash };
      res.status(200).json(body);
      return;
    }
    if (checked.kind === 'new-split') await commitSplitVersion(store, staging, checked.version, checked.parts, logger);
    else store.putVersion(checked.version);
    const preview = await staging.read(setId, version, 'preview.jpg');
    if (preview && isJpeg(preview)) await store.versionFiles.putPreview(setId, version, preview);
    else if (preview) logger.warn({ set: setId, version }, 'preview.jpg is not a JPEG; ignored');
    await staging.discard(setId, version);
    const r = checked.version.record;
    logger.info({ set: setId, version, volumes: r.volumes.length, files: r.totals.files, by: res.locals.tokenLabel }, `published ${setId} v${version}`);
    deps.onPublished?.(setId, version);
    const body: CommitAnswerBody = { status: 'published', set: setId, version, manifestSha256: r.manifestSha256, metadataInfoHash: r.metadataInfoHash, volumes: r.volumes.length };
    res.status(201).json(body);
  });

  router.delete(routes.publishDiscard.pattern, async (req, res) => {
    const { setId, version } = target(req);
    await staging.discard(setId, version);
    res.status(204).end();
  });

  return router;
}
