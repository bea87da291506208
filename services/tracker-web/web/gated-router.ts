/**
 * Routers entered only by requests that can match one of their routes. Express walks every
 * router mounted without a path for every request: a router's dispatch makes its closures and
 * state, then tests each of its layers against the path. The catalogue mounts about a dozen such
 * routers, so a copy lookup (`/api/view/files`, in the page router, near the end) went through
 * all of them; at 10,000,000 files that walk was the largest part of what a lookup allocates
 * (bench/catalogue/lookup-alloc.ts), and what a request allocates decides how often the
 * young-generation collections that make the lookup's slowest 1% come. The gate is computed from
 * the router's own routes (the literal start of each path), so it cannot drift from them.
 */
import type { RequestHandler, Router } from 'express';

/** What the gate reads of Express's router internals (router 2.x: `stack` of layers with `rawPath`, `slash`, `route`). */
interface LayerLike {
  rawPath?: unknown;
  slash?: boolean;
  route?: { path?: unknown };
  handle?: { stack?: LayerLike[] };
}

/** Characters that end the literal start of an Express 5 route path (path-to-regexp 8: parameters, wildcards, optional groups, escapes). */
const NOT_LITERAL = /[:*{(\\]/;

/** The literal start of a route path (lower case: routes match case-insensitively by default). */
function literalStart(path: string): string {
  const i = path.search(NOT_LITERAL);
  return (i < 0 ? path : path.slice(0, i)).toLowerCase();
}

/**
 * The literal starts a router's routes can match, or null when some layer may match any path
 * (a middleware mounted without a path, a regular-expression path): then the router is not gated.
 */
export function routePrefixes(stack: readonly LayerLike[]): string[] | null {
  const out: string[] = [];
  for (const layer of stack) {
    const paths = layer.route ? layer.route.path : layer.rawPath;
    if (!layer.route && layer.slash) {
      // A router nested without a mount path (router.use(other)): its own routes decide.
      const nested = layer.handle?.stack ? routePrefixes(layer.handle.stack) : null;
      if (nested === null) return null;
      out.push(...nested);
      continue;
    }
    for (const p of Array.isArray(paths) ? paths : [paths]) {
      if (typeof p !== 'string') return null;
      out.push(literalStart(p));
    }
  }
  return [...new Set(out)];
}

/** `router`, entered only for requests whose path starts like one of its routes (read once: mount it after its routes are added). */
export function gatedRouter(router: Router): RequestHandler {
  const prefixes = routePrefixes((router as unknown as { stack: LayerLike[] }).stack);
  if (prefixes === null) return router;
  return (req, res, next) => {
    const path = req.path.toLowerCase();
    for (const p of prefixes) if (path.startsWith(p)) return router(req, res, next);
    next();
  };
}
