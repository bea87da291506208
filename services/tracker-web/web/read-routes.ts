/**
 * The read side of the JSON API (no token needed):
 *   GET /api/sets                          every set with its latest version
 *   GET /api/sets/:id                      one set and all its versions
 *   GET /api/sets/:id/versions/:version    one version with its volumes
 *   GET /api/sets/:id/pointer              the signed pointer to the latest version (pointer.json)
 *   GET /api/volumes/:infohash             one volume with its live swarm counts
 *   GET /api/swarms/:infohash?since=&until=  live counts and sampled history of a tracked torrent
 *   GET /api/files?sha1=… | ?title=…       every set version holding a file
 */
import { Router } from 'express';
import { z } from 'zod';
import { SeedbankError } from '../../../shared/errors.ts';
import type { CatalogueStore, FileLocation } from '../store/catalogue-store.ts';
import type { SwarmCounts } from '../tracker/catalogue-tracker.ts';
import { infoHashSchema, parseParam, setIdSchema, sha1Schema, versionSchema } from './params.ts';

/** Most history samples one request returns (a week of minutes). */
const MAX_HISTORY_SAMPLES = 7 * 24 * 60;
const timeSchema = z.coerce.number().int().nonnegative().optional();
const fileQuerySchema = z.union([z.object({ sha1: sha1Schema }), z.object({ title: z.string().min(1).max(512) })]);

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

  router.get('/api/sets', (_req, res) => {
    res.json({ sets: store.listSets() });
  });

  router.get('/api/sets/:id', (req, res) => {
    const setId = parseParam(setIdSchema, req.params.id, 'set');
    const set = store.getSet(setId);
    if (!set) throw unknownSet(setId);
    res.json({ set, versions: store.getVersions(setId) });
  });

  router.get('/api/sets/:id/pointer', (req, res) => {
    const setId = parseParam(setIdSchema, req.params.id, 'set');
    const latest = store.getVersion(setId, store.latestVersion(setId));
    if (!latest) throw unknownSet(setId);
    res.set('Cache-Control', 'no-cache').json(latest.pointer);
  });

  router.get('/api/sets/:id/versions/:version', (req, res) => {
    const setId = parseParam(setIdSchema, req.params.id, 'set');
    const version = parseParam(versionSchema, req.params.version, 'version');
    const record = store.getVersion(setId, version);
    if (!record) throw new SeedbankError('VERSION_NOT_FOUND', `${setId} v${version} is not in this catalogue`);
    res.json({ version: record, volumes: store.volumesOf(setId, version) });
  });

  router.get('/api/volumes/:ih', (req, res) => {
    const infoHash = parseParam(infoHashSchema, req.params.ih, 'info hash');
    const volume = store.getVolume(infoHash);
    if (!volume) throw new SeedbankError('VOLUME_NOT_FOUND', `no volume ${infoHash} in this catalogue`);
    res.json({ volume, swarm: counts(infoHash) });
  });

  router.get('/api/swarms/:ih', (req, res) => {
    const infoHash = parseParam(infoHashSchema, req.params.ih, 'info hash');
    if (!store.isTracked(infoHash)) throw new SeedbankError('NOT_TRACKED', `torrent ${infoHash} is not in this catalogue`);
    const since = parseParam(timeSchema, req.query.since, 'since');
    const until = parseParam(timeSchema, req.query.until, 'until');
    res.json({ live: counts(infoHash), history: store.swarmHistory(infoHash, { since, until, limit: MAX_HISTORY_SAMPLES }) });
  });

  router.get('/api/files', (req, res) => {
    const q = parseParam(fileQuerySchema, req.query, 'query (give sha1= or title=)');
    const files: FileLocation[] = 'sha1' in q ? store.filesBySha1(q.sha1) : store.filesByTitle(normaliseFileTitle(q.title));
    res.json({ files });
  });

  return router;
}
