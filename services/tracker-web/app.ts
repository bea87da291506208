/**
 * The catalogue's Express application: tracker (HTTP announce/scrape), publish API (token),
 * read API, metadata web seed and torrent downloads, and one error edge. It owns no socket,
 * so tests and server.ts can run it on any port.
 */
import express, { type Express, type RequestHandler, type Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { HealthBody } from '../../shared/api/read-schemas.ts';
import { routes } from '../../shared/api/routes.ts';
import { SeedbankError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { requireToken } from './auth/require-token.ts';
import { publishRouter } from './publish/publish-routes.ts';
import type { Staging } from './publish/staging.ts';
import type { CatalogueStore } from './store/catalogue-store.ts';
import type { CatalogueTracker } from './tracker/catalogue-tracker.ts';
import { renderError } from './pages/render-errors.ts';
import { errorHandler, notFound } from './web/error-handler.ts';
import { lookupKeyGuard } from './web/lookup-guard.ts';
import { METRICS_PATH } from './metrics.ts';
import { readRouter } from './web/read-routes.ts';
import { searchRouter } from './search/search-routes.ts';
import { seedRouter } from './web/seed-routes.ts';
import { gatedRouter, gatedRouters, startsFolded } from './web/gated-router.ts';
import { series } from './web/series.ts';
import { isWarmUpRequest } from './web/code-warm-up.ts';

/** Rate-limit window of the API. */
const RATE_WINDOW_MS = 60_000;
/** Reads per client address per window. */
const DEFAULT_READ_LIMIT = 600;
/** Publish requests per client address per window: one per file, and sets have hundreds of volumes. */
const DEFAULT_PUBLISH_LIMIT = 3000;
/** Page and /metrics requests per client address per window (a page is one request; Prometheus scrapes a few a minute). */
const DEFAULT_PAGE_LIMIT = 600;
/**
 * Proxy hops trusted for the client address: the one reverse proxy in front of the catalogue.
 * `true` would take the leftmost X-Forwarded-For, which the client writes itself.
 */
const TRUSTED_PROXY_HOPS = 1;
/** Paths with their own limits or none: the tracker, health checks, and the metadata web seed clients fetch piece by piece. */
const UNLIMITED_PAGE_PREFIXES = ['/api/', '/announce', '/scrape', '/healthz', '/meta/', '/torrents/'];
/** The read API's mount point (lower case). */
const API_MOUNT = '/api';
const SLASH = 0x2f;

/** Per-address request limits of the API and pages, per minute. */
export interface RateLimits {
  readPerMinute: number;
  publishPerMinute: number;
  pagesPerMinute: number;
}

/** Something another module mounts on the app (metrics), after the routers and before the 404. */
export type AppExtension = (app: Express) => void;

export interface CatalogueAppOptions {
  store: CatalogueStore;
  staging: Staging;
  tracker: CatalogueTracker;
  logger: Logger;
  /** Public base URL (behind a reverse proxy); default: the host each request came to. */
  publicUrl?: string;
  /** Trust X-Forwarded-For (only behind a reverse proxy you run). */
  trustProxy?: boolean;
  rateLimits?: Partial<RateLimits>;
  /** Called after a new version is stored. */
  onPublished?: (setId: string, version: number) => void;
  /** Routers of other modules (pages, census, seeders...), after the app's own and behind the same gate. */
  routers?: Router[];
  extensions?: AppExtension[];
}

function limiter(limit: number, what: string) {
  return rateLimit({
    windowMs: RATE_WINDOW_MS,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // The operator decides about proxies (--trust-proxy); a stray X-Forwarded-For is no misconfiguration.
    validate: { xForwardedForHeader: false },
    // A start's lookups to itself (web/code-warm-up.ts) take nobody's allowance.
    skip: isWarmUpRequest,
    handler: (req, res, next) => {
      const err = new SeedbankError('RATE_LIMITED', `too many ${what} requests from this address`, { hint: 'wait a minute and try again' });
      // People get a page; /metrics and the API get the JSON error.
      if (what === 'page' && req.path !== METRICS_PATH) res.status(429).type('html').send(renderError(429, `${err.message}; ${err.hint}.`));
      else next(err);
    },
  });
}

/** Whether `path` is `/api` or under it, as a mount at `/api` matches (ASCII letters in either case); allocates nothing. */
function underApi(path: string): boolean {
  return startsFolded(path, API_MOUNT) && (path.length === API_MOUNT.length || path.charCodeAt(API_MOUNT.length) === SLASH);
}

/**
 * The read API's and the pages' rate limits as one middleware: each limiter is entered only by
 * the requests it counts (a limiter costs a request several promises and its address lookups
 * even when it skips it), and the app passes one layer for both instead of two. The API limit
 * counts `/api` and what is under it in any letter case (a mount at `/api` did); the page limit
 * counts the rest, its exempt prefixes compared as written, so `/API/x` counts against both, as before.
 */
function rateLimits(read: RequestHandler, page: RequestHandler): RequestHandler {
  const pageLimited = (p: string) => !UNLIMITED_PAGE_PREFIXES.some((x) => p === x || p.startsWith(x));
  return (req, res, next) => {
    const path = req.path;
    const counted = pageLimited(path);
    if (!underApi(path)) return counted ? page(req, res, next) : next();
    if (!counted) return read(req, res, next);
    read(req, res, (err?: unknown) => (err ? next(err) : page(req, res, next)));
  };
}

/** Builds the catalogue's Express app. */
export function buildCatalogueApp(o: CatalogueAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', o.trustProxy ? TRUSTED_PROXY_HOPS : false);
  app.set('etag', false);

  // A line per request at debug only: the layer, its listener and closure would cost every request otherwise.
  if (o.logger.isLevelEnabled('debug')) {
    app.use((req, res, next) => {
      const started = performance.now();
      res.on('finish', () => o.logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request'));
      next();
    });
  }

  app.get(routes.health.pattern, (_req, res) => {
    const body: HealthBody = { ok: true };
    res.json(body);
  });
  app.get(routes.announce.pattern, o.tracker.announce());
  app.get(routes.scrape.pattern, o.tracker.scrape());

  app.use('/api/publish', limiter(o.rateLimits?.publishPerMinute ?? DEFAULT_PUBLISH_LIMIT, 'publish'), requireToken(o.store));
  // One layer of the app for the rest (web/series.ts): each layer a request passes costs it about half a kilobyte.
  app.use(
    series(
      // Before the read limit: publishing counts against its own.
      gatedRouter(publishRouter({ store: o.store, staging: o.staging, logger: o.logger, onPublished: o.onPublished })),
      rateLimits(limiter(o.rateLimits?.readPerMinute ?? DEFAULT_READ_LIMIT, 'API'), limiter(o.rateLimits?.pagesPerMinute ?? DEFAULT_PAGE_LIMIT, 'page')),
      lookupKeyGuard(),
      // One gate for every router (web/gated-router.ts): a request enters only those that can answer it.
      gatedRouters(readRouter({ store: o.store, counts: (ih) => o.tracker.counts(ih) }), searchRouter(o.store), seedRouter({ store: o.store, publicUrl: o.publicUrl }), ...(o.routers ?? [])),
    ),
  );
  for (const extend of o.extensions ?? []) extend(app);

  app.use(notFound());
  app.use(errorHandler(o.logger));
  return app;
}
