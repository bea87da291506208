/**
 * The read side of the JSON API (no token needed):
 *   GET /api/sets?limit=&after=            a page of the sets (id order) with their latest versions (set-list.ts)
 *   GET /api/sets/:id                      one set and all its versions
 *   GET /api/sets/:id/versions/:version    one version with its volumes and the previous version's volumes it supersedes
 *   GET /api/sets/:id/pointer              the signed pointer to the latest version (pointer.json)
 *   GET /api/volumes/:infohash             one volume with its live swarm counts and the later volumes that superseded it
 *   GET /api/swarms/:infohash?since=&until=  live counts and sampled history of a tracked torrent
 *   GET /api/files?sha1=… | ?title=…       every set version holding a file
 */
import { Router } from 'express';
import { fileQuerySchema, swarmQuerySchema, type FileListBody, type SetDetailBody, type SwarmDetailBody, type VersionDetailBody, type VolumeDetailBody } from '../../../shared/api/read-schemas.ts';
import { routes } from '../../../shared/api/routes.ts';
import type { SetPointer } from '../../../shared/formats/pointer.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { supersessionIndex } from '../feeds/supersession.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import type { SwarmCounts } from '../tracker/catalogue-tracker.ts';
import { infoHashSchema, parseParam, setIdSchema, versionSchema } from './params.ts';
import { parseSetListQuery, setListPage } from './set-list.ts';

/** Most history samples one request returns (a week of minutes). */
const MAX_HISTORY_SAMPLES = 7 * 24 * 60;

export interface ReadRouteOptions {
  store: CatalogueStore;
  /** Live swarm counts from the tracker. */
  counts: (infoHash: string) => SwarmCounts;
}

function unknownSet(setId: string): SeedbankError {
  return new SeedbankError('SET_NOT_FOUND', `no set "${setId}" in this catalogue`);
}

/** Normalises a title the way MediaWiki does for lookups: "File:" prefix, spaces for underscores. */
export function normaliseFileTitle(title: string): string {
  const t = title.trim().replace(/_/g, ' ');
  return /^File:/i.test(t) ? `File:${t.slice(5)}` : `File:${t}`;
}

/** Builds the router of the read API. */
export function readRouter({ store, counts }: ReadRouteOptions): Router {
  const router = Router();

  router.get(routes.sets.pattern, (req, res) => {
    const { body, link } = setListPage(store, parseSetListQuery(req.query));
    if (link) res.set('Link', link);
    res.json(body);
  });

  router.get(routes.set.pattern, (req, res) => {
    const setId = parseParam(setIdSchema, req.params.id, 'set');
    const set = store.getSet(setId);
    if (!set) throw unknownSet(setId);
    const body: SetDetailBody = { set, versions: store.getVersions(setId) };
    res.json(body);
  });

  router.get(routes.pointer.pattern, (req, res) => {
    const setId = parseParam(setIdSchema, req.params.id, 'set');
    const latest = store.getVersion(setId, store.latestVersion(setId));
    if (!latest) throw unknownSet(setId);
    const body: SetPointer = latest.pointer;
    res.set('Cache-Control', 'no-cache').json(body);
  });

  router.get(routes.version.pattern, (req, res) => {
    const setId = parseParam(setIdSchema, req.params.id, 'set');
    const version = parseParam(versionSchema, req.params.version, 'version');
    const record = store.getVersion(setId, version);
    if (!record) throw new SeedbankError('VERSION_NOT_FOUND', `${setId} v${version} is not in this catalogue`);
    const s = supersessionIndex(store).of(setId, version);
    const body: VersionDetailBody = { version: record, volumes: store.volumesOf(setId, version), supersedes: { previousVersion: s?.previousVersion ?? null, volumes: s?.volumes ?? [] } };
    res.json(body);
  });

  router.get(routes.volume.pattern, (req, res) => {
    const infoHash = parseParam(infoHashSchema, req.params.ih, 'info hash');
    const volume = store.getVolume(infoHash);
    if (!volume) throw new SeedbankError('VOLUME_NOT_FOUND', `no volume ${infoHash} in this catalogue`);
    const body: VolumeDetailBody = { volume, swarm: counts(infoHash), supersededBy: supersessionIndex(store).supersededBy(infoHash, volume.versions) };
    res.json(body);
  });

  router.get(routes.swarm.pattern, (req, res) => {
    const infoHash = parseParam(infoHashSchema, req.params.ih, 'info hash');
    if (!store.isTracked(infoHash)) throw new SeedbankError('NOT_TRACKED', `torrent ${infoHash} is not in this catalogue`);
    const { since, until } = parseParam(swarmQuerySchema, { since: req.query.since, until: req.query.until }, 'since/until (Unix milliseconds)');
    const body: SwarmDetailBody = { live: counts(infoHash), history: store.history.swarmHistory(infoHash, { since, until, limit: MAX_HISTORY_SAMPLES }) };
    res.json(body);
  });

  router.get(routes.files.pattern, (req, res) => {
    const q = parseParam(fileQuerySchema, req.query, 'query (give sha1= or title=)');
    const body: FileListBody = { files: 'sha1' in q ? store.filesBySha1(q.sha1) : store.filesByTitle(normaliseFileTitle(q.title)) };
    res.json(body);
  });

  return router;
}
