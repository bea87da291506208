/**
 * The catalogue as a web seed and torrent source:
 *   GET /meta/<set>-v<N>/<manifest.json|manifest.sig|pages.xml.gz>   BEP 19 web seed of each metadata torrent
 *   GET /meta/<set>-v<N>/<changes.ndjson|lists/<ih>.ndjson|pages/<ih>.xml.gz>   a split version's parts (from disk)
 *   GET /meta/<set>-v<N>/.pad/<length>                                zeros: BEP 47 pad files, for web seeds that fetch them
 *   GET /torrents/<infohash>.torrent                                  any published torrent
 *   GET /sets/<id>/v<N>/metadata.torrent (or /sets/<id>/latest/...)   a version's metadata torrent
 * Metadata torrents are served with `url-list: ["<base>/meta/"]`, so any client can fetch a
 * version's metadata from the catalogue before a single seeder has it.
 */
import { Router, type Request, type Response } from 'express';
import { routes } from '../../../shared/api/routes.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { METADATA_FILE_NAMES, type CatalogueStore, type MetadataFileName } from '../store/catalogue-store.ts';
import { infoHashSchema, parseParam, setIdSchema, versionSchema } from './params.ts';
import { withTrackersFirst, withUrlList } from '../../../shared/torrent/top-level.ts';
import { padNameLength } from '../../../shared/torrent/metadata-layout.ts';

/** Published bytes never change, so caches may keep them for a year. */
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
const CONTENT_TYPES: Record<MetadataFileName, string> = {
  'manifest.json': 'application/json',
  'manifest.sig': 'application/json',
  // A gzip file served as itself: no Content-Encoding, or clients would unpack it and the pieces would not match.
  'pages.xml.gz': 'application/gzip',
};
const TORRENT_TYPE = 'application/x-bittorrent';
/** Types of a split version's parts, by the end of their names (a gzip file served as itself, as above). */
const PART_TYPES: Array<[RegExp, string]> = [[/\.ndjson$/, 'application/x-ndjson'], [/\.xml\.gz$/, 'application/gzip']];
const META_FOLDER = /^([a-z0-9][a-z0-9-]{0,62})-v([1-9][0-9]{0,8})$/;
/**
 * Longest pad served: a pad is shorter than a piece (the builder's are under 256 KiB); web
 * seeds that do not know BEP 47 (webtorrent's) ask for pads like any file.
 */
const PAD_MAX_BYTES = 16 * 1024 * 1024;
let zeroBytes = Buffer.alloc(0);

/** `n` zero bytes, from one buffer grown as needed (pads are asked for often, never changed). */
function zeros(n: number): Buffer {
  if (zeroBytes.length < n) zeroBytes = Buffer.alloc(n);
  return zeroBytes.subarray(0, n);
}

function notFound(what: string): SeedbankError {
  return new SeedbankError('NOT_FOUND', `${what} is not in this catalogue`);
}

/** The catalogue's public base URL: configured, or the one the request came to. */
export function baseUrlOf(req: Request, publicUrl: string | undefined): string {
  return (publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`).replace(/\/+$/, '');
}

/** Sends bytes honouring a single `Range: bytes=a-b` (web seeds fetch pieces that way). */
export function sendBytes(req: Request, res: Response, bytes: Buffer, type: string): void {
  res.set('Accept-Ranges', 'bytes');
  res.type(type);
  const ranges = req.get('range') ? req.range(bytes.length, { combine: true }) : undefined;
  if (ranges === -1) {
    res.status(416).set('Content-Range', `bytes */${bytes.length}`).end();
    return;
  }
  if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) {
    const { start, end } = ranges[0]!;
    res.status(206).set('Content-Range', `bytes ${start}-${end}/${bytes.length}`);
    res.end(bytes.subarray(start, end + 1));
    return;
  }
  res.end(bytes);
}

export interface SeedRouteOptions {
  store: CatalogueStore;
  /** Public base URL for the url-list (behind a reverse proxy); default: the request's host. */
  publicUrl?: string;
}

/** Builds the router of the metadata web seed and torrent downloads. */
export function seedRouter({ store, publicUrl }: SeedRouteOptions): Router {
  const router = Router();

  const metadataTorrent = (req: Request, res: Response, setId: string, version: number, cache = IMMUTABLE_CACHE) => {
    const bytes = store.versionFiles.metadataTorrent(setId, version);
    if (!bytes) throw notFound(`${setId} v${version}`);
    res.set('Cache-Control', cache);
    res.attachment(`${setId}-v${version}.torrent`);
    const base = baseUrlOf(req, publicUrl);
    sendBytes(req, res, withTrackersFirst(withUrlList(bytes, [`${base}${routes.metadataFolder.path()}`]), [`${base}${routes.announce.path()}`]), TORRENT_TYPE);
  };

  const metadataFile = async (req: Request, res: Response, name: string) => {
    const folder = String(req.params.folder);
    const m = META_FOLDER.exec(folder);
    if (!m) throw notFound(`/meta/${folder}/${name}`);
    const [setId, version] = [m[1]!, Number(m[2])];
    if ((METADATA_FILE_NAMES as readonly string[]).includes(name)) {
      const bytes = store.versionFiles.metadataFile(setId, version, name as MetadataFileName);
      if (!bytes) throw notFound(`${name} of ${setId} v${version}`);
      res.set('Cache-Control', IMMUTABLE_CACHE);
      sendBytes(req, res, bytes, CONTENT_TYPES[name as MetadataFileName]);
      return;
    }
    const pad = padNameLength(name);
    if (pad !== null) {
      if (pad > PAD_MAX_BYTES || !store.versionFiles.metadataTorrent(setId, version)) throw notFound(`/meta/${folder}/${name}`);
      res.set('Cache-Control', IMMUTABLE_CACHE);
      sendBytes(req, res, zeros(pad), 'application/octet-stream');
      return;
    }
    const file = store.metadataPartPath(setId, version, name);
    if (!file) throw notFound(`/meta/${folder}/${name}`);
    res.type(PART_TYPES.find(([end]) => end.test(name))?.[1] ?? 'application/octet-stream');
    // sendFile answers Range requests (web seeds fetch pieces that way) straight from disk; the
    // path is the store's own (a data folder may well sit under a dot-folder such as ~/.local).
    await new Promise<void>((resolve, reject) => {
      res.sendFile(file, { dotfiles: 'allow', cacheControl: false, lastModified: false, etag: false, headers: { 'Cache-Control': IMMUTABLE_CACHE } }, (err) => (err && !res.headersSent ? reject(err) : resolve()));
    });
  };
  router.get(routes.metadataFile.pattern, (req, res) => metadataFile(req, res, String(req.params.file)));
  router.get(routes.metadataPart.pattern, (req, res) => metadataFile(req, res, `${String(req.params.dir)}/${String(req.params.file)}`));

  router.get(routes.torrent.pattern, (req, res) => {
    const name = String(req.params.file);
    const infoHash = parseParam(infoHashSchema, name.replace(/\.torrent$/, ''), 'info hash');
    const owner = store.versionFiles.metadataTorrentOwner(infoHash);
    if (owner) return metadataTorrent(req, res, owner.setId, owner.version);
    const bytes = store.volumeTorrent(infoHash);
    if (!bytes) throw notFound(`torrent ${infoHash}`);
    res.set('Cache-Control', IMMUTABLE_CACHE);
    res.attachment(`${infoHash}.torrent`);
    sendBytes(req, res, withTrackersFirst(bytes, [`${baseUrlOf(req, publicUrl)}${routes.announce.path()}`]), TORRENT_TYPE);
  });

  router.get(routes.metadataTorrent.pattern, (req, res) => {
    const setId = parseParam(setIdSchema, req.params.id, 'set');
    const version = req.params.version === 'latest' ? store.latestVersion(setId) : parseParam(versionSchema, req.params.version, 'version');
    if (version === 0) throw notFound(`set ${setId}`);
    // "latest" moves; the versioned URL does not.
    metadataTorrent(req, res, setId, version, req.params.version === 'latest' ? 'no-cache' : IMMUTABLE_CACHE);
  });

  return router;
}
