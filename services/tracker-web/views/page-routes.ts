import { Router, type Request } from 'express';
import { copyHistoryQuerySchema, needsQuerySchema, type CategoryCopiesBody, type FileCopiesBody, type NeedsBody, type SetCopiesBody, type SetCopyHistoryBody } from '../../../shared/api/copies-schemas.ts';
import { routes } from '../../../shared/api/routes.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { buildSetFeed, type FeedVersion } from '../feeds/set-feed.ts';
import { parseHomeQuery } from '../pages/home-query.ts';
import { renderFile } from '../pages/render-file.ts';
import { renderHome } from '../pages/render-home.ts';
import { renderSet } from '../pages/render-set.ts';
import { renderNotFound } from '../pages/render-errors.ts';
import type { DrillSummary, FilePageModel } from '../pages/view-models.ts';
import { MAX_NEEDS, rankNeeds } from '../redundancy/needs.ts';
import { fileModel } from './file-model.ts';
import { fileOrSearchModel } from './file-search-model.ts';
import { homeModel } from './home-model.ts';
import { setModel } from './set-model.ts';
import type { ViewSources } from './set-summaries.ts';
import { parseParam } from '../web/params.ts';

/** Most items in the feed of all sets. */
const ALL_SETS_FEED_VERSIONS = 200;

/** Extra sources of the pages beyond the store (seeder reports, drills). */
export interface PageExtras {
  offeredBytes: () => number;
  drills: () => DrillSummary[];
  publicUrl?: string;
}

function baseUrl(req: Request, publicUrl?: string): string {
  return (publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`).replace(/\/+$/, '');
}

/** The catalogue's pages (HTML), their data (JSON under /api/view), feeds and the needs list. */
export function pageRouter(src: ViewSources, extras: PageExtras): Router {
  const router = Router();
  const html = (body: string) => body;

  router.get('/', (req, res) => {
    const model = homeModel(src, parseHomeQuery(req.query as Record<string, unknown>), { offeredBytes: extras.offeredBytes(), drills: extras.drills() });
    res.type('html').send(html(renderHome(model)));
  });
  router.get('/api/view/home', (req, res) => {
    res.json(homeModel(src, parseHomeQuery(req.query as Record<string, unknown>), { offeredBytes: extras.offeredBytes(), drills: extras.drills() }));
  });

  const setOr404 = (req: Request) => {
    const model = setModel(src, String(req.params.id), baseUrl(req, extras.publicUrl));
    if (!model) throw new SeedbankError('SET_NOT_FOUND', `no set "${String(req.params.id)}" in this catalogue`, { hint: 'see the list of sets on the home page' });
    return model;
  };
  router.get('/sets/:id', (req, res) => {
    // A page gets a page: an HTML 404 in the catalogue's frame (the API under /api keeps JSON).
    const model = setModel(src, String(req.params.id), baseUrl(req, extras.publicUrl));
    if (!model) return void res.status(404).type('html').send(renderNotFound({ path: req.path, what: 'set' }));
    res.type('html').send(html(renderSet(model)));
  });
  router.get('/sets/:id/preview.jpg', (req, res) => {
    const row = src.store.getSet(String(req.params.id));
    const jpeg = row ? src.store.preview(row.id, row.latestVersion) : undefined;
    if (!jpeg) throw new SeedbankError('PREVIEW_NOT_FOUND', 'this set has no preview');
    res.type('image/jpeg').set('cache-control', 'public, max-age=3600').send(jpeg);
  });
  router.get('/api/view/sets/:id', (req, res) => {
    res.json(setOr404(req));
  });

  // An exact title or SHA-1 opens the file; other text searches the beginnings of title words.
  const filesModel = (req: Request) => fileOrSearchModel(src, typeof req.query.q === 'string' ? req.query.q : '', typeof req.query.after === 'string' ? req.query.after : undefined);
  const filesStatus = (model: FilePageModel) => (model.kind !== 'not-found' || !model.query ? 200 : model.note ? 400 : 404);
  router.get('/files', (req, res) => {
    const model = filesModel(req);
    res.status(filesStatus(model)).type('html').send(html(renderFile(model)));
  });
  router.get('/api/view/files', (req, res) => {
    const model = filesModel(req);
    res.status(filesStatus(model)).json(model);
  });

  const feed = (req: Request, setId: string | null) => {
    const base = baseUrl(req, extras.publicUrl);
    const rows = src.store.listSets().filter((r) => setId === null || r.id === setId);
    if (setId !== null && rows.length === 0) throw new SeedbankError('SET_NOT_FOUND', `no set "${setId}" in this catalogue`);
    const versions: FeedVersion[] = [];
    for (const row of rows) {
      const seen = new Set<string>();
      for (const v of src.store.getVersions(row.id).sort((a, b) => a.version - b.version)) {
        const fresh = v.volumes.filter((ih) => !seen.has(ih));
        for (const ih of v.volumes) seen.add(ih);
        versions.push({
          setId: row.id,
          setTitle: row.title,
          version: v.version,
          publishedAt: new Date(v.publishedAt),
          files: v.totals.files,
          bytes: v.totals.bytes,
          changes: v.changes,
          newVolumes: fresh.map((ih) => {
            const vol = src.store.getVolume(ih);
            return { infoHash: ih, size: vol?.size ?? 0, files: vol?.files ?? 0, torrentUrl: `${base}${routes.torrent.path(ih)}`, torrentBytes: src.store.volumeTorrent(ih)?.length ?? 0 };
          }),
          metadata: { infoHash: v.metadataInfoHash, torrentUrl: `${base}${routes.metadataTorrent.path(row.id, v.version)}`, torrentBytes: src.store.metadataTorrent(row.id, v.version)?.length ?? 0 },
          pageUrl: `${base}/sets/${encodeURIComponent(row.id)}`,
        });
      }
    }
    versions.sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime());
    const title = setId === null ? 'Seedbank: all sets' : `Seedbank: ${rows[0]!.title}`;
    const self = `${base}${req.path}`;
    return buildSetFeed({
      title,
      description: setId === null ? 'New versions of every set in this catalogue' : rows[0]!.description || rows[0]!.title,
      siteUrl: setId === null ? `${base}/` : `${base}/sets/${encodeURIComponent(setId)}`,
      selfUrl: self.replace(/\.atom$/, '.rss'),
      updated: versions[0]?.publishedAt ?? new Date(0),
      versions: versions.slice(0, ALL_SETS_FEED_VERSIONS),
    });
  };
  router.get('/sets/:id/feed.rss', (req, res) => void res.type('application/rss+xml').send(feed(req, String(req.params.id)).rss2()));
  router.get('/sets/:id/feed.atom', (req, res) => void res.type('application/atom+xml').send(feed(req, String(req.params.id)).atom1()));
  router.get('/feed.rss', (req, res) => void res.type('application/rss+xml').send(feed(req, null).rss2()));
  router.get('/feed.atom', (req, res) => void res.type('application/atom+xml').send(feed(req, null).atom1()));

  router.get(routes.fileCopies.pattern, (req, res) => {
    const model = fileModel(src, String(req.params.key));
    if (model.kind !== 'found') throw new SeedbankError('FILE_NOT_FOUND', `no file "${String(req.params.key)}" in this catalogue`, { hint: 'give a title (File:Name.jpg) or a SHA-1' });
    const c = src.copies.file(model.file.sha1);
    const body: FileCopiesBody = { ...c, title: model.file.title, containedIn: model.file.containedIn };
    res.json(body);
  });
  router.get(routes.categoryCopies.pattern, (req, res) => {
    const body: CategoryCopiesBody = src.copies.category(String(req.params.name));
    res.json(body);
  });
  router.get(routes.setCopies.pattern, (req, res) => {
    const stats = src.copies.set(String(req.params.id));
    if (!stats) throw new SeedbankError('SET_NOT_FOUND', `no set "${String(req.params.id)}" in this catalogue`);
    const body: SetCopiesBody = { ...stats, histogram: Object.fromEntries(stats.histogram) };
    res.json(body);
  });
  router.get(routes.setCopyHistory.pattern, (req, res) => {
    const { since } = parseParam(copyHistoryQuerySchema, { since: req.query.since }, 'since (Unix milliseconds)');
    const body: SetCopyHistoryBody = { set: String(req.params.id), samples: src.store.copyHistory(String(req.params.id), { since: since || undefined }) };
    res.json(body);
  });
  router.get(routes.needs.pattern, (req, res) => {
    const limit = Math.min(MAX_NEEDS, parseParam(needsQuerySchema, { limit: req.query.limit }, 'limit').limit ?? MAX_NEEDS);
    const volumes = src.store.listSets().flatMap((row) =>
      (row.latest?.volumes ?? []).map((ih) => ({
        infoHash: ih,
        setId: row.id,
        size: src.store.getVolume(ih)?.size ?? 0,
        copyTarget: row.copyTarget,
        copies: src.copies.volumeCopies(ih),
        seeders: src.swarms.counts(ih).seedingHosts,
      })),
    );
    const base = baseUrl(req, extras.publicUrl);
    const body: NeedsBody = { generatedAt: src.now().toISOString(), needs: rankNeeds(volumes).slice(0, limit).map((n) => ({ ...n, torrentUrl: `${base}${routes.torrent.path(n.infoHash)}` })) };
    res.json(body);
  });
  return router;
}
