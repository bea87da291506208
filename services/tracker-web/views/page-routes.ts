import { Router, type Request } from 'express';
import { copyHistoryQuerySchema, needsQuerySchema, type CategoryCopiesBody, type FileCopiesBody, type NeedsBody, type SetCopiesBody, type SetCopyHistoryBody } from '../../../shared/api/copies-schemas.ts';
import { routes } from '../../../shared/api/routes.ts';
import { isSeedbankError, SeedbankError } from '../../../shared/errors.ts';
import { feedRouter } from '../feeds/feed-routes.ts';
import { parseHomeQuery } from '../pages/home-query.ts';
import { fileImageOrigins, renderFile } from '../pages/render-file.ts';
import { contentSecurityPolicy } from '../pages/layout.ts';
import { renderHome } from '../pages/render-home.ts';
import { renderSet } from '../pages/render-set.ts';
import { renderError, renderNotFound } from '../pages/render-errors.ts';
import type { DrillSummary, FilePageModel } from '../pages/view-models.ts';
import { MAX_NEEDS, rankNeeds, spaceBalance, type SpaceOffer } from '../redundancy/needs.ts';
import { latestVolumes, seedingHosts } from '../redundancy/network-figures.ts';
import { fileModel } from './file-model.ts';
import { fileOrSearchModel } from './file-search-model.ts';
import { homeModel } from './home-model.ts';
import { setModel } from './set-model.ts';
import { parseSetFilesQuery } from './set-files-model.ts';
import { volumesList } from './set-actions.ts';
import type { Response } from 'express';
import type { ViewSources } from './set-summaries.ts';
import { parseParam } from '../web/params.ts';

/** Extra sources of the pages beyond the store (seeder reports, drills). */
export interface PageExtras {
  /** What the seeders seen recently offer (SeederReports.offer). */
  offer: () => SpaceOffer;
  drills: () => DrillSummary[];
  /** Live claims per volume (claimCounts of SeederReports.holders): /api/needs ranks volumes they already cover last. */
  claims?: () => ReadonlyMap<string, number>;
  publicUrl?: string;
}

function baseUrl(req: Request, publicUrl?: string): string {
  return (publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`).replace(/\/+$/, '');
}

/** Sends a page with its Content-Security-Policy as a header too (the meta tag cannot cover everything, e.g. frame-ancestors). */
function sendPage(res: Response, status: number, body: string, imageOrigins: readonly string[] = []): void {
  res.status(status).set('content-security-policy', contentSecurityPolicy(imageOrigins)).type('html').send(body);
}

/** The catalogue's pages (HTML), their data (JSON under /api/view), feeds and the needs list. */
export function pageRouter(src: ViewSources, extras: PageExtras): Router {
  const router = Router();

  router.get('/', (req, res) => {
    const model = homeModel(src, parseHomeQuery(req.query as Record<string, unknown>), { offer: extras.offer(), drills: extras.drills() });
    sendPage(res, 200, renderHome(model));
  });
  router.get('/api/view/home', (req, res) => {
    res.json(homeModel(src, parseHomeQuery(req.query as Record<string, unknown>), { offer: extras.offer(), drills: extras.drills() }));
  });

  const setOr404 = (req: Request) => {
    const model = setModel(src, String(req.params.id), baseUrl(req, extras.publicUrl));
    if (!model) throw new SeedbankError('SET_NOT_FOUND', `no set "${String(req.params.id)}" in this catalogue`, { hint: 'see the list of sets on the home page' });
    return model;
  };
  router.get('/sets/:id', (req, res) => {
    let query;
    try {
      query = parseSetFilesQuery(req.query as Record<string, unknown>);
    } catch (err) {
      if (!isSeedbankError(err, 'BAD_REQUEST')) throw err;
      return void sendPage(res, 400, renderError(400, `${err.message}; ${err.hint ?? ''}`.replace(/; $/, '.')));
    }
    // A page gets a page: an HTML 404 in the catalogue's frame (the API under /api keeps JSON).
    const model = setModel(src, String(req.params.id), baseUrl(req, extras.publicUrl), query);
    if (!model) return void sendPage(res, 404, renderNotFound({ path: req.path, what: 'set' }));
    // A page of the file list past its end is not there: the set page says so, with a 404.
    sendPage(res, model.files?.outOfRange ? 404 : 200, renderSet(model));
  });
  router.get('/sets/:id/volumes.txt', (req, res) => {
    const text = volumesList(src.store, String(req.params.id), baseUrl(req, extras.publicUrl));
    if (text === null) throw new SeedbankError('SET_NOT_FOUND', `no set "${String(req.params.id)}" in this catalogue`, { hint: 'see the list of sets on the home page' });
    res.type('text/plain; charset=utf-8').set('content-disposition', `inline; filename="${String(req.params.id)}-volumes.txt"`).send(text);
  });
  router.get('/sets/:id/preview.jpg', (req, res) => {
    const row = src.store.getSet(String(req.params.id));
    const jpeg = row ? src.store.versionFiles.preview(row.id, row.latestVersion) : undefined;
    if (!jpeg) throw new SeedbankError('PREVIEW_NOT_FOUND', 'this set has no preview');
    res.type('image/jpeg').set('cache-control', 'public, max-age=3600').send(jpeg);
  });
  router.get('/api/view/sets/:id', (req, res) => {
    res.json(setOr404(req));
  });

  // An exact title or SHA-1 opens the file; other text searches the beginnings of title words.
  const filesModel = (req: Request) => {
    // Express parses the query string again at each read of req.query: once is enough.
    const { q, after } = req.query;
    return fileOrSearchModel(src, typeof q === 'string' ? q : '', typeof after === 'string' ? after : undefined);
  };
  const filesStatus = (model: FilePageModel) => (model.kind !== 'not-found' || !model.query ? 200 : model.note ? 400 : 404);
  router.get('/files', (req, res) => {
    const model = filesModel(req);
    sendPage(res, filesStatus(model), renderFile(model), fileImageOrigins(model));
  });
  router.get('/api/view/files', (req, res) => {
    const model = filesModel(req);
    res.status(filesStatus(model)).json(model);
  });

  // Feeds: the latest version by default, every version under an explicit URL (feeds/feed-routes.ts).
  router.use(feedRouter(src.store, (req) => baseUrl(req, extras.publicUrl)));

  router.get(routes.fileCopies.pattern, (req, res) => {
    const model = fileModel(src, String(req.params.key));
    if (model.kind !== 'found') throw new SeedbankError('FILE_NOT_FOUND', `no file "${String(req.params.key)}" in this catalogue`, { hint: 'give a title (File:Name.jpg) or a SHA-1' });
    const c = src.copies.file(model.file.sha1);
    const body: FileCopiesBody = { ...c, title: model.file.title, containedIn: model.file.containedIn };
    res.json(body);
  });
  router.get(routes.categoryCopies.pattern, async (req, res) => {
    const body: CategoryCopiesBody = await src.copies.category(String(req.params.name));
    res.json(body);
  });
  router.get(routes.setCopies.pattern, (req, res) => {
    const stats = src.copies.set(String(req.params.id));
    if (!stats) throw new SeedbankError('SET_NOT_FOUND', `no set "${String(req.params.id)}" in this catalogue`);
    const record = src.store.getSet(String(req.params.id));
    const volumes = record ? (src.store.getVersion(record.id, record.latestVersion)?.volumes ?? []) : [];
    const body: SetCopiesBody = { ...stats, histogram: Object.fromEntries(stats.histogram), seeders: seedingHosts(src.swarms, volumes) };
    res.json(body);
  });
  router.get(routes.setCopyHistory.pattern, (req, res) => {
    const { since } = parseParam(copyHistoryQuerySchema, { since: req.query.since }, 'since (Unix milliseconds)');
    const body: SetCopyHistoryBody = { set: String(req.params.id), samples: src.store.history.copyHistory(String(req.params.id), { since: since || undefined }) };
    res.json(body);
  });
  router.get(routes.needs.pattern, (req, res) => {
    const limit = Math.min(MAX_NEEDS, parseParam(needsQuerySchema, { limit: req.query.limit }, 'limit').limit ?? MAX_NEEDS);
    // The same volumes and the same balance as the home page's banner and /metrics.
    const volumes = latestVolumes(src);
    const base = baseUrl(req, extras.publicUrl);
    const body: NeedsBody = {
      generatedAt: src.now().toISOString(),
      needs: rankNeeds(volumes, extras.claims?.()).slice(0, limit).map((n) => ({ ...n, torrentUrl: `${base}${routes.torrent.path(n.infoHash)}` })),
      totals: spaceBalance(volumes, extras.offer()),
    };
    res.json(body);
  });
  return router;
}
