// Routers gated by their routes' literal starts: a request that can match one of a router's
// routes reaches it (parameters, wildcards, nested routers, any letter case), any other skips it
// without entering it, and a router with a path-less middleware is never gated.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gatedRouter, routePrefixes } from '../../services/tracker-web/web/gated-router.ts';

type Stack = Parameters<typeof routePrefixes>[0];
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
  let server: http.Server;
  let base = '';

  beforeAll(async () => {
    const app = express();
    router = apiRouter(entered);
    app.use(gatedRouter(router));
    app.get('/other', (_req, res) => void res.json({ other: true }));
    app.use((_req, res) => void res.status(404).json({ notFound: true }));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const get = async (p: string) => {
    const res = await fetch(base + p, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('reads each route\'s literal start, nested routers included, in lower case', () => {
    expect(routePrefixes(stackOf(apiRouter({ n: 0 })))?.sort()).toEqual(['/api/things', '/api/things/', '/feeds/', '/files/'].sort());
  });

  it('does not gate a router with a middleware that may match any path, or a regular-expression route', () => {
    const withMiddleware = Router();
    withMiddleware.use((_req, _res, next) => next());
    withMiddleware.get('/a', (_req, res) => void res.end());
    expect(routePrefixes(stackOf(withMiddleware))).toBeNull();
    const withRegExp = Router();
    withRegExp.get(/^\/x\/\d+$/, (_req, res) => void res.end());
    expect(routePrefixes(stackOf(withRegExp))).toBeNull();
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
