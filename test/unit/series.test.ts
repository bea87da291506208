// Middlewares in one layer (web/series.ts) behave as app.use(a, b, c) would: in order, each handing
// on with next(), and an error (passed, thrown or a rejected promise) skips the rest to the error handler.
import { serveOnLoopback, type LoopbackApp } from '../helpers/loopback-app.ts';
import express, { type RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { series } from '../../services/tracker-web/web/series.ts';

describe('series', () => {
  let served: LoopbackApp | undefined;
  let base = '';
  const ran: string[] = [];

  /** A middleware that records its name, then does what the request's `?<name>=` says: pass, fail, throw, reject or answer. */
  const step =
    (name: string): RequestHandler =>
    (req, res, next) => {
      ran.push(name);
      const what = req.query[name];
      if (what === 'fail') return next(new Error(`${name} failed`));
      if (what === 'throw') throw new Error(`${name} threw`);
      if (what === 'reject') return Promise.reject(new Error(`${name} rejected`)) as unknown as void;
      if (what === 'answer') return void res.json({ from: name, ran });
      next();
    };

  beforeAll(async () => {
    const app = express();
    app.use(series(step('a'), step('b'), step('c')));
    app.use((_req, res) => void res.json({ from: 'after', ran }));
    app.use(((err: Error, _req, res, _next) => void res.status(500).json({ error: err.message, ran })) as express.ErrorRequestHandler);
    served = await serveOnLoopback(app);
    base = served.base;
  });
  afterAll(async () => {
    await served?.close();
  });

  const get = async (q: string) => {
    ran.length = 0;
    const res = await fetch(`${base}/?${q}`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('runs every middleware in order, then hands on to the next layer', async () => {
    expect(await get('')).toEqual({ status: 200, body: { from: 'after', ran: ['a', 'b', 'c'] } });
  });

  it('stops where one answers', async () => {
    expect(await get('b=answer')).toEqual({ status: 200, body: { from: 'b', ran: ['a', 'b'] } });
  });

  it('sends an error passed, thrown or rejected past the rest to the error handler', async () => {
    expect(await get('a=fail')).toEqual({ status: 500, body: { error: 'a failed', ran: ['a'] } });
    expect(await get('b=throw')).toEqual({ status: 500, body: { error: 'b threw', ran: ['a', 'b'] } });
    expect(await get('c=reject')).toEqual({ status: 500, body: { error: 'c rejected', ran: ['a', 'b', 'c'] } });
  });
});
