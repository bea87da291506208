// The catalogue client base against a tiny HTTP server on 127.0.0.1 that stands in for a
// catalogue answering scripted statuses: retries (GET only), Retry-After, back-off, error
// decoding, time limits and schema checks. Delays are recorded through the injected sleep,
// so nothing here waits for a back-off.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SeedbankError } from '../errors.ts';
import { ApiClient, apiErrorStatus, isApiError, MAX_RETRY_AFTER_MS } from './client.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

/** Starts a scripted server: the n-th request gets the n-th handler (the last one repeats). */
async function scripted(handlers: Handler[]): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handlers[Math.min(requests.length, handlers.length) - 1]!(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

function client(url: string, delays: number[], extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}): ApiClient {
  return new ApiClient({ baseUrl: url, userAgent: 'Seedbank/test (+https://seedbank.invalid/about) test', sleep: async (ms) => void delays.push(ms), ...extra });
}

async function failure(p: Promise<unknown>): Promise<SeedbankError> {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!(err instanceof SeedbankError)) throw new Error(`expected a SeedbankError, got ${String(err)}`);
  return err;
}

const okSchema = z.object({ ok: z.literal(true) });

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

describe('the catalogue client base', () => {
  it('retries a GET after 503 as long as Retry-After says, and sends its User-Agent every time', async () => {
    const s = await scripted([json(503, { error: { code: 'RATE_LIMITED', message: 'busy' } }, { 'retry-after': '2' }), json(200, { ok: true })]);
    const delays: number[] = [];
    const body = await client(s.url, delays).json(okSchema, { method: 'GET', path: '/healthz', what: 'the health check' });
    expect(body).toEqual({ ok: true });
    expect(delays).toEqual([2000]);
    expect(s.requests.map((r) => r.headers['user-agent'])).toEqual(['Seedbank/test (+https://seedbank.invalid/about) test', 'Seedbank/test (+https://seedbank.invalid/about) test']);
  });

  it('backs off exponentially on 502/504/429 and gives up after the bounded retries with the status in the error', async () => {
    const s = await scripted([(_q, r) => void r.writeHead(502).end('bad gateway'), json(504, {}), json(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }), (_q, r) => void r.writeHead(502).end('bad gateway')]);
    const delays: number[] = [];
    const err = await failure(client(s.url, delays).json(okSchema, { method: 'GET', path: '/api/sets', what: 'the list of sets' }));
    expect(s.requests).toHaveLength(4);
    expect(delays).toEqual([500, 1000, 2000]);
    expect([err.code, apiErrorStatus(err), isApiError(err)]).toEqual(['CATALOGUE_ERROR', 502, true]);
    expect(err.message).toMatch(/the list of sets with HTTP 502: bad gateway/);
  });

  it('never retries a POST or PUT', async () => {
    const s = await scripted([json(503, { error: { code: 'RATE_LIMITED', message: 'busy' } }, { 'retry-after': '1' })]);
    const delays: number[] = [];
    const c = client(s.url, delays);
    expect((await failure(c.json(okSchema, { method: 'POST', path: '/api/seeders/report', json: {}, what: 'the report' }))).code).toBe('RATE_LIMITED');
    expect((await failure(c.json(okSchema, { method: 'PUT', path: '/api/publish/a/1/manifest.json', bytes: new Uint8Array(3), what: 'the upload' }))).code).toBe('RATE_LIMITED');
    expect([s.requests.length, delays]).toEqual([2, []]);
  });

  it('does not wait when Retry-After asks for more than the longest honoured wait, and says how long it asked', async () => {
    const s = await scripted([json(503, { error: { code: 'MAINTENANCE', message: 'down for maintenance' } }, { 'retry-after': String(MAX_RETRY_AFTER_MS / 1000 + 60) })]);
    const delays: number[] = [];
    const err = await failure(client(s.url, delays).json(okSchema, { method: 'GET', path: '/api/sets', what: 'the list of sets' }));
    expect([s.requests.length, delays, err.code]).toEqual([1, [], 'CATALOGUE_ERROR']);
    expect(err.message).toMatch(/it asks to wait 180 s/);
  });

  it("decodes the catalogue's error body into its code, message and hint; a 404 with it is 'absent', a stray 404 is not", async () => {
    const s = await scripted([
      json(404, { error: { code: 'SET_NOT_FOUND', message: 'no set "x" in this catalogue', hint: 'see the list' } }),
      json(404, { error: { code: 'SET_NOT_FOUND', message: 'no set "x" in this catalogue' } }),
      (_q, r) => void r.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'),
    ]);
    const c = client(s.url, []);
    const err = await failure(c.json(okSchema, { method: 'GET', path: '/api/sets/x', what: 'the lookup of set x' }));
    expect([err.code, err.hint, err.message]).toEqual(['SET_NOT_FOUND', 'see the list', 'the catalogue refused the lookup of set x: no set "x" in this catalogue']);
    expect(await c.jsonOrNull(okSchema, { method: 'GET', path: '/api/sets/x', what: 'the lookup of set x' })).toBeNull();
    const stray = await failure(c.jsonOrNull(okSchema, { method: 'GET', path: '/api/sets/x', what: 'the lookup of set x' }));
    expect([stray.code, stray.hint]).toEqual(['CATALOGUE_ERROR', 'is this the URL of a Seedbank catalogue?']);
  });

  it('refuses an answer that does not match the schema, naming the field', async () => {
    const s = await scripted([json(200, { ok: 'yes' })]);
    const err = await failure(client(s.url, []).json(okSchema, { method: 'GET', path: '/healthz', what: 'the health check' }));
    expect(err.code).toBe('CATALOGUE_ERROR');
    expect(err.message).toMatch(/does not match the API contract: ok:/);
  });

  it('gives up on a catalogue that accepts and never answers, within the time limit', async () => {
    const s = await scripted([() => undefined]);
    const started = Date.now();
    const err = await failure(client(s.url, [], { timeoutMs: 300, maxRetries: 0 }).json(okSchema, { method: 'GET', path: '/api/sets', what: 'the list of sets' }));
    expect([err.code, isApiError(err)]).toEqual(['CATALOGUE_UNREACHABLE', true]);
    expect(err.message).toMatch(/the list of sets\): no answer within 0.3 s/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('retries a GET after a refused connection, then reports the catalogue unreachable', async () => {
    const s = await scripted([json(200, { ok: true })]);
    const port = new URL(s.url).port;
    for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
    const delays: number[] = [];
    const err = await failure(client(`http://127.0.0.1:${port}`, delays).json(okSchema, { method: 'GET', path: '/healthz', what: 'the health check' }));
    expect([err.code, delays]).toEqual(['CATALOGUE_UNREACHABLE', [500, 1000, 2000]]);
    expect(err.hint).toMatch(/--catalogue/);
  });
});
