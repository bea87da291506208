/**
 * Routers entered only by requests that can match one of their routes. Express walks every
 * router mounted without a path for every request: a router's dispatch makes its closures and
 * state, then tests each of its layers against the path, and each layer the app passes makes a
 * match record and a callback of its own. The catalogue mounts about a dozen such routers, so a
 * copy lookup (`/api/view/files`, in the page router, near the end) went through all of them; at
 * 10,000,000 files that walk was the largest part of what a lookup allocates
 * (bench/catalogue/lookup-alloc.ts), and what a request allocates decides how often the
 * young-generation collections that make the lookup's slowest 1% come. The gate is computed from
 * the router's own routes (the literal start of each path, the whole path where it is all
 * literal), so it cannot drift from them; several routers share one gate layer (gatedRouters).
 */
import type { RequestHandler, Router } from 'express';

/** What the gate reads of Express's router internals (router 2.x: `stack` of layers with `rawPath`, `slash`, `route`). */
interface LayerLike {
  rawPath?: unknown;
  slash?: boolean;
  route?: { path?: unknown };
  handle?: { stack?: LayerLike[] };
}

/** What a router's routes can match: paths starting with `literal`, or (`exact`) that path alone, with or without one trailing slash. */
export interface RouteGate {
  literal: string;
  exact: boolean;
}

/**
 * Characters that end the literal start of an Express 5 route path (path-to-regexp 8: parameters,
 * wildcards, optional groups, escapes), and any non-ASCII character: the gate folds only ASCII
 * letters, as the routes' case-insensitive regular expressions (no `u` flag) do.
 */
const NOT_LITERAL = /[:*{(\\]|[^\x00-\x7f]/;
const SLASH = 0x2f;
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;
const TO_LOWER = 0x20;

/** The gate of one route path (lower case: routes match case-insensitively by default); a route (not a mount) all literal matches that path alone. */
function gateOf(path: string, route: boolean): RouteGate {
  const i = path.search(NOT_LITERAL);
  if (i >= 0) return { literal: path.slice(0, i).toLowerCase(), exact: false };
  // Express drops a route's trailing slashes and then accepts one back ("/files/" is "/files").
  const literal = path === '/' ? path : path.replace(/\/+$/, '');
  return { literal: literal.toLowerCase(), exact: route };
}

/**
 * What a router's routes can match, or null when some layer may match any path (a middleware
 * mounted without a path, a regular-expression path): then the router is not gated.
 */
export function routeGates(stack: readonly LayerLike[]): RouteGate[] | null {
  const out = new Map<string, RouteGate>();
  const add = (g: RouteGate) => {
    const key = `${g.exact ? '=' : '^'}${g.literal}`;
    if (!out.has(key)) out.set(key, g);
  };
  for (const layer of stack) {
    const paths = layer.route ? layer.route.path : layer.rawPath;
    if (!layer.route && layer.slash) {
      // A router nested without a mount path (router.use(other)): its own routes decide.
      const nested = layer.handle?.stack ? routeGates(layer.handle.stack) : null;
      if (nested === null) return null;
      nested.forEach(add);
      continue;
    }
    for (const p of Array.isArray(paths) ? paths : [paths]) {
      if (typeof p !== 'string') return null;
      add(gateOf(p, Boolean(layer.route)));
    }
  }
  return [...out.values()];
}

/** Whether `path` starts with `lower` (lower case ASCII), ASCII letters of `path` in either case, as Express's case-insensitive paths match; allocates nothing. */
export function startsFolded(path: string, lower: string): boolean {
  if (path.length < lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = path.charCodeAt(i);
    if (c >= UPPER_A && c <= UPPER_Z) c += TO_LOWER;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether a request path may match one of the gates. */
export function admits(gates: readonly RouteGate[], path: string): boolean {
  for (const g of gates) {
    if (!startsFolded(path, g.literal)) continue;
    if (!g.exact || path.length === g.literal.length || (path.length === g.literal.length + 1 && path.charCodeAt(g.literal.length) === SLASH)) return true;
  }
  return false;
}

/**
 * Several routers as one middleware: a request enters, in the order given, only the routers whose
 * routes may match it, as if each were mounted on its own (read once: mount after their routes
 * are added). One layer of the app instead of one per router: each layer the app passes costs
 * every request a match record and a callback.
 */
export function gatedRouters(...routers: Router[]): RequestHandler {
  const gates = routers.map((r) => routeGates((r as unknown as { stack: LayerLike[] }).stack));
  const firstFrom = (start: number, path: string): number => {
    for (let i = start; i < routers.length; i++) {
      const g = gates[i];
      if (g === null || g === undefined || admits(g, path)) return i;
    }
    return -1;
  };
  const enter = (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], next: Parameters<RequestHandler>[2], start: number): void => {
    const path = req.path;
    const i = firstFrom(start, path);
    if (i < 0) return next();
    const later = firstFrom(i + 1, path);
    // The usual case, one router for the path: no continuation to make.
    if (later < 0) return void routers[i]!(req, res, next);
    // A router that answers nothing hands on, as Express does; an error skips the other routers, as Express does.
    routers[i]!(req, res, (err?: unknown) => (err ? next(err) : enter(req, res, next, later)));
  };
  return (req, res, next) => enter(req, res, next, 0);
}

/** `router`, entered only for requests whose path may match one of its routes (read once: mount it after its routes are added). */
export function gatedRouter(router: Router): RequestHandler {
  if (routeGates((router as unknown as { stack: LayerLike[] }).stack) === null) return router;
  return gatedRouters(router);
}
