/**
 * node:http makes each request and response with the express app's own prototypes
 * (services/tracker-web/web/app-prototypes.ts), so express's per-request Object.setPrototypeOf
 * changes nothing; express still works as before on them (query, params, JSON, status, headers,
 * the proxy setting, errors), and a raw handler before express sees ordinary node:http objects.
 * Real HTTP on 127.0.0.1.
 */
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPrototypeClasses } from '../../services/tracker-web/web/app-prototypes.ts';

let server: Server;
let base: string;
const seen: Array<{ req: object | null; res: object | null }> = [];
const app = express();
app.set('trust proxy', 'loopback');
app.get('/items/:id', (req, res) => {
  res.status(201).set('x-item', req.params.id).json({ id: req.params.id, q: req.query, ip: req.ip, proto: req.protocol });
});
app.get('/fail', () => {
  throw new Error('broken on purpose');
});

beforeAll(async () => {
  server = createServer(appPrototypeClasses(app), (req, res) => {
    if (req.url === '/raw') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req instanceof IncomingMessage && res instanceof ServerResponse ? 'node objects' : 'not node objects');
      return;
    }
    app(req, res);
  });
  // Before any handler (express included) touches them: what node:http made.
  server.prependListener('request', (req, res) => seen.push({ req: Object.getPrototypeOf(req), res: Object.getPrototypeOf(res) }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("requests made with the app's prototypes", () => {
  it('are born with them, so express has nothing to change', async () => {
    seen.length = 0;
    await fetch(`${base}/items/7`);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.req).toBe(app.request);
    expect(seen[0]!.res).toBe(app.response);
  });

  it('still get everything express gives: params, query, status, headers, JSON, the proxy setting', async () => {
    const r = await fetch(`${base}/items/abc?x=1&y=two`, { headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } });
    expect(r.status).toBe(201);
    expect(r.headers.get('x-item')).toBe('abc');
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(await r.json()).toEqual({ id: 'abc', q: { x: '1', y: 'two' }, ip: '203.0.113.9', proto: 'https' });
  });

  it("answers a handler's error and an unknown path as express does, and keeps serving", async () => {
    const failed = await fetch(`${base}/fail`);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    expect((await fetch(`${base}/items/8`)).status).toBe(201);
  });

  it('are still node:http objects to a raw handler before express', async () => {
    const r = await fetch(`${base}/raw`);
    expect(await r.text()).toBe('node objects');
  });
});
