// Routers gated by their routes' literal starts: a request that can match one of a router's
// routes reaches it (parameters, wildcards, nested routers, any letter case, a trailing slash),
// any other skips it without entering it, and a router with a path-less middleware is never
// gated; several routers behind one gate are entered in order, as if each were mounted alone.
import { serveOnLoopback, type LoopbackApp } from '../helpers/loopback-app.ts';
import express, { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { admits, gatedRouter, gatedRouters, routeGates } from '../../services/tracker-web/web/gated-router.ts';

type Stack = Parameters<typeof routeGates>[0];
const stackOf = (r: Router) => (r as unknown as { stack: Stack }).stack;

/** A router with a parameter route, a wildcard route and a nested router; counts how often it is entered. */
function apiRouter(entered: { n: number }): Router {
  const r = Router();
  r.use('/api/things', (_req, _res, next) => {
    entered.n++;
    next();
  });
  r.get('/api/things/:id', (req, res) => void res.json({ thing: req.params.id }));
  r.get('/files/*rest', (_req, res) => void res.json({ files: true }));
  const nested = Router();
  nested.get('/feeds/:set.xml', (req, res) => void res.json({ feed: req.params.set }));
  r.use(nested);
  return r;
}

describe('gated routers', () => {
  const entered = { n: 0 };
  let router: Router;
  let served: LoopbackApp | undefined;
  let base = '';

  beforeAll(async () => {
    const app = express();
    router = apiRouter(entered);
    app.use(gatedRouter(router));
    app.get('/other', (_req, res) => void res.json({ other: true }));
    app.use((_req, res) => void res.status(404).json({ notFound: true }));
    served = await serveOnLoopback(app);
    base = served.base;
  });
  afterAll(async () => {
    await served?.close();
  });

  const get = async (p: string) => {
    const res = await fetch(base + p, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('reads each route\'s literal start, nested routers included, in lower case; a route all literal is matched whole', () => {
    const byLiteral = (a: { literal: string }, b: { literal: string }) => a.literal.localeCompare(b.literal);
    expect(routeGates(stackOf(apiRouter({ n: 0 })))?.sort(byLiteral)).toEqual(
      [
        { literal: '/api/things', exact: false },
        { literal: '/api/things/', exact: false },
        { literal: '/feeds/', exact: false },
        { literal: '/files/', exact: false },
      ].sort(byLiteral),
    );
    const pages = Router();
    pages.get('/', (_req, res) => void res.end());
    pages.get('/Files/', (_req, res) => void res.end());
    const gates = routeGates(stackOf(pages))!;
    expect(gates).toEqual([
      { literal: '/', exact: true },
      { literal: '/files', exact: true },
    ]);
    // As Express matches them: the path itself, with one trailing slash, ASCII letters in any case.
    for (const p of ['/', '//', '/files', '/FILES/', '/Files']) expect(admits(gates, p), p).toBe(true);
    for (const p of ['/files//', '/files/x', '/filesx', '/x', '']) expect(admits(gates, p), p).toBe(false);
  });

  it('does not gate a router with a middleware that may match any path, or a regular-expression route', () => {
    const withMiddleware = Router();
    withMiddleware.use((_req, _res, next) => next());
    withMiddleware.get('/a', (_req, res) => void res.end());
    expect(routeGates(stackOf(withMiddleware))).toBeNull();
    const withRegExp = Router();
    withRegExp.get(/^\/x\/\d+$/, (_req, res) => void res.end());
    expect(routeGates(stackOf(withRegExp))).toBeNull();
    expect(gatedRouter(withMiddleware)).toBe(withMiddleware);
  });

  it('lets every request its routes can answer through, whatever the letter case', async () => {
    expect(await get('/api/things/42')).toEqual({ status: 200, body: { thing: '42' } });
    expect(await get('/API/Things/7')).toEqual({ status: 200, body: { thing: '7' } });
    expect(await get('/files/a/b.jpg')).toEqual({ status: 200, body: { files: true } });
    expect(await get('/feeds/paris.xml')).toEqual({ status: 200, body: { feed: 'paris' } });
  });

  it('sends any other request past the router without entering it', async () => {
    // Express enters a router through its handle(): count those.
    const handle = vi.spyOn(router as unknown as { handle: (...a: unknown[]) => void }, 'handle');
    try {
      expect(await get('/other')).toEqual({ status: 200, body: { other: true } });
      expect(await get('/nothing/here')).toEqual({ status: 404, body: { notFound: true } });
      expect(handle).not.toHaveBeenCalled();
      entered.n = 0;
      expect(await get('/api/things/1')).toEqual({ status: 200, body: { thing: '1' } });
      expect(handle).toHaveBeenCalledTimes(1);
      expect(entered.n).toBe(1);
    } finally {
      handle.mockRestore();
    }
  });
});

describe('several routers behind one gate', () => {
  let served: LoopbackApp | undefined;
  let base = '';
  const entered: string[] = [];

  /** A router named `name` with the routes given as [path, what it does]; it records each time Express enters it. */
  function router(name: string, routes: Array<[string, 'answer' | 'pass' | 'fail']>): Router {
    const r = Router();
    for (const [p, what] of routes) {
      r.get(p, (_req, res, next) => {
        if (what === 'answer') return void res.json({ from: name });
        if (what === 'pass') return next();
        next(Object.assign(new Error(`${name} failed`), { status: 418 }));
      });
    }
    // Express enters a router through its handle(): record those.
    const own = r as unknown as { handle: (...a: unknown[]) => void };
    const handle = own.handle;
    own.handle = function (this: unknown, ...a: unknown[]) {
      entered.push(name);
      handle.apply(this, a);
    };
    return r;
  }

  beforeAll(async () => {
    const app = express();
    const a = router('a', [['/x', 'pass'], ['/fail', 'fail'], ['/a/:id', 'answer']]);
    const b = router('b', [['/x', 'answer'], ['/b', 'answer'], ['/fail', 'answer']]);
    const c = router('c', [['/x', 'answer'], ['/c/*rest', 'answer']]);
    app.use(gatedRouters(a, b, c));
    app.use((_req, res) => void res.status(404).json({ notFound: true }));
    app.use(((err: Error & { status: number }, _req, res, _next) => void res.status(err.status).json({ error: err.message })) as express.ErrorRequestHandler);
    served = await serveOnLoopback(app);
    base = served.base;
  });
  afterAll(async () => {
    await served?.close();
  });

  const get = async (p: string) => {
    entered.length = 0;
    const res = await fetch(base + p, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, entered: [...entered] };
  };

  it('enters only the routers that can answer, in order, handing on when one answers nothing', async () => {
    expect(await get('/b')).toEqual({ status: 200, body: { from: 'b' }, entered: ['b'] });
    expect(await get('/C/deep/path')).toEqual({ status: 200, body: { from: 'c' }, entered: ['c'] });
    // a passes, b answers, c is never entered.
    expect(await get('/x')).toEqual({ status: 200, body: { from: 'b' }, entered: ['a', 'b'] });
    expect(await get('/a/1')).toEqual({ status: 200, body: { from: 'a' }, entered: ['a'] });
    expect(await get('/nothing')).toEqual({ status: 404, body: { notFound: true }, entered: [] });
  });

  it('sends an error past the later routers to the error handler, as separate mounts would', async () => {
    expect(await get('/fail')).toEqual({ status: 418, body: { error: 'a failed' }, entered: ['a'] });
  });
});
