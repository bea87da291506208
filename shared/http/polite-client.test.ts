/**
 * PoliteClient against a REAL node:http server listening on 127.0.0.1 (port 0): no mocks,
 * and no traffic ever leaves the loopback interface.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isSeedbankError } from '../errors.ts';
import { PoliteClient, parseRetryAfter, type PoliteClientOptions } from './polite-client.ts';

const USER_AGENT = 'SeedbankTest/0.1 (https://example.org/seedbank; test@example.org)';
/** Upper bound for any wait in these tests, so a hang fails with a message instead of a timeout. */
const WAIT_LIMIT_MS = 5_000;

interface LoopbackServer {
  url: string;
  server: http.Server;
  requests: http.IncomingMessage[];
  openConnections: number;
  maxOpenConnections: number;
}

const servers: LoopbackServer[] = [];
const clients: PoliteClient[] = [];

/** Starts a real HTTP server on 127.0.0.1 that counts connections and records requests. */
async function startLoopbackServer(handler: http.RequestListener): Promise<LoopbackServer> {
  const state: LoopbackServer = {
    url: '',
    server: http.createServer((req, res) => {
      state.requests.push(req);
      handler(req, res);
    }),
    requests: [],
    openConnections: 0,
    maxOpenConnections: 0,
  };
  state.server.on('connection', (socket) => {
    state.openConnections++;
    state.maxOpenConnections = Math.max(state.maxOpenConnections, state.openConnections);
    socket.on('close', () => state.openConnections--);
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  servers.push(state);
  return state;
}

function makeClient(options: Partial<PoliteClientOptions> = {}): PoliteClient {
  const client = new PoliteClient({ userAgent: USER_AGENT, sleep: async () => undefined, ...options });
  clients.push(client);
  return client;
}

/** Polls until `condition` holds, failing with `message` after WAIT_LIMIT_MS. */
async function waitFor(condition: () => boolean, message: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${WAIT_LIMIT_MS} ms waiting for: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const { server } of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('PoliteClient User-Agent policy', () => {
  it('refuses an empty User-Agent or one without contact info', () => {
    for (const userAgent of ['', '   ', 'Seedbank/0.1']) {
      let caught: unknown;
      try {
        new PoliteClient({ userAgent });
      } catch (err) {
        caught = err;
      }
      expect(isSeedbankError(caught, 'CONFIG_USER_AGENT'), `User-Agent ${JSON.stringify(userAgent)}`).toBe(true);
      expect((caught as { hint?: string }).hint).toMatch(/User-Agent_policy/);
    }
  });

  it('accepts a User-Agent with an email address or a URL', () => {
    expect(() => makeClient({ userAgent: 'Seedbank/0.1 (ops@example.org)' })).not.toThrow();
    expect(() => makeClient({ userAgent: 'Seedbank/0.1 (https://example.org/seedbank)' })).not.toThrow();
  });
});

describe('PoliteClient against a real HTTP server on 127.0.0.1 (loopback only, no internet)', () => {
  it('sends the configured User-Agent and returns the body', async () => {
    const srv = await startLoopbackServer((_req, res) => res.end('hello'));
    const client = makeClient();
    const res = await client.request(`${srv.url}/a`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
    expect(srv.requests[0]?.headers['user-agent']).toBe(USER_AGENT);
    expect(client.stats()).toEqual({ requests: 1, retries: 0, bytes: 5 });
  });

  it('never opens more than 2 connections to one host for 10 parallel requests', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const srv = await startLoopbackServer((_req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end('x'.repeat(1000));
      }, 20);
    });
    const client = makeClient();
    const bodies = await Promise.all(Array.from({ length: 10 }, (_, i) => client.request(`${srv.url}/f${i}`).then((r) => r.text())));
    expect(bodies.every((body) => body.length === 1000)).toBe(true);
    expect(srv.requests).toHaveLength(10);
    expect(srv.maxOpenConnections).toBeLessThanOrEqual(2);
    expect(maxInFlight).toBe(2);
  });

  it('limits connections per host: a busy host does not block another one', async () => {
    const held: http.ServerResponse[] = [];
    const busy = await startLoopbackServer((_req, res) => held.push(res));
    const idle = await startLoopbackServer((_req, res) => res.end('free'));
    const client = makeClient();
    const busyRequests = [client.request(`${busy.url}/1`), client.request(`${busy.url}/2`)];
    await waitFor(() => held.length === 2, 'the busy server to hold 2 requests');
    const res = await client.request(`${idle.url}/x`);
    expect(await res.text()).toBe('free');
    for (const r of held) r.end('done');
    for (const r of await Promise.all(busyRequests)) expect(await r.text()).toBe('done');
  });

  it('retries 429 no sooner than Retry-After (seconds)', async () => {
    const srv = await startLoopbackServer((req, res) => {
      if (srv.requests.length === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else res.end('ok');
    });
    const delays: number[] = [];
    const client = makeClient({ baseDelayMs: 10, sleep: async (ms) => void delays.push(ms) });
    const res = await client.request(`${srv.url}/r`);
    expect(await res.text()).toBe('ok');
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(1_000);
    expect(client.stats()).toMatchObject({ requests: 2, retries: 1 });
  });

  it('really waits out a short Retry-After with the default sleep', async () => {
    const srv = await startLoopbackServer((req, res) => {
      if (srv.requests.length === 1) res.writeHead(503, { 'retry-after': '1' }).end();
      else res.end('ok');
    });
    const client = new PoliteClient({ userAgent: USER_AGENT, baseDelayMs: 10 });
    clients.push(client);
    const started = performance.now();
    expect(await (await client.request(`${srv.url}/r`)).text()).toBe('ok');
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const srv = await startLoopbackServer((req, res) => {
      if (srv.requests.length === 1) res.writeHead(429, { 'retry-after': new Date(Date.now() + 5_000).toUTCString() }).end();
      else res.end('ok');
    });
    const delays: number[] = [];
    const client = makeClient({ baseDelayMs: 10, sleep: async (ms) => void delays.push(ms) });
    await (await client.request(`${srv.url}/r`)).text();
    // HTTP dates have one-second resolution.
    expect(delays[0]).toBeGreaterThanOrEqual(3_900);
    expect(delays[0]).toBeLessThanOrEqual(5_000);
  });

  it('gives up at once when Retry-After asks for more than the allowed maximum', async () => {
    const srv = await startLoopbackServer((_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    const client = makeClient();
    const error = await client.request(`${srv.url}/later`).catch((err: unknown) => err);
    expect(isSeedbankError(error, 'HTTP_RETRY_AFTER_TOO_LONG')).toBe(true);
    expect((error as Error).message).toContain('3600 s');
    expect(srv.requests).toHaveLength(1);
  });

  it('retries 503, 502, 504 and 408 with exponential back-off and jitter', async () => {
    const statuses = [503, 502, 504, 408];
    const srv = await startLoopbackServer((_req, res) => {
      const status = statuses[srv.requests.length - 1];
      if (status) res.writeHead(status).end('busy');
      else res.end('ok');
    });
    const delays: number[] = [];
    const client = makeClient({ baseDelayMs: 100, maxDelayMs: 10_000, sleep: async (ms) => void delays.push(ms) });
    expect(await (await client.request(`${srv.url}/b`)).text()).toBe('ok');
    expect(delays).toHaveLength(4);
    delays.forEach((delay, attempt) => {
      const ceiling = 100 * 2 ** attempt;
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    });
  });

  it('gives up after maxRetries with an error naming the URL and the status', async () => {
    const srv = await startLoopbackServer((_req, res) => res.writeHead(503).end());
    const client = makeClient({ maxRetries: 2 });
    const error = await client.request(`${srv.url}/never`).catch((err: unknown) => err);
    expect(isSeedbankError(error, 'HTTP_RETRIES_EXHAUSTED')).toBe(true);
    expect((error as Error).message).toContain(`${srv.url}/never`);
    expect((error as Error).message).toContain('503');
    expect(srv.requests).toHaveLength(3);
  });

  it('retries a connection that drops before the response', async () => {
    const srv = await startLoopbackServer((req, res) => {
      if (srv.requests.length === 1) req.socket.destroy();
      else res.end('second time lucky');
    });
    const client = makeClient();
    expect(await (await client.request(`${srv.url}/drop`)).text()).toBe('second time lucky');
    expect(client.stats().retries).toBe(1);
  });

  it('times out an unresponsive server and reports the URL', async () => {
    const srv = await startLoopbackServer(() => undefined);
    const client = makeClient({ timeoutMs: 100, maxRetries: 1 });
    const error = await client.request(`${srv.url}/silent`).catch((err: unknown) => err);
    expect(isSeedbankError(error, 'HTTP_NETWORK')).toBe(true);
    expect((error as Error).message).toContain(`${srv.url}/silent`);
    expect(srv.requests).toHaveLength(2);
  });

  it('returns 404 without retrying', async () => {
    const srv = await startLoopbackServer((_req, res) => res.writeHead(404).end('gone'));
    const client = makeClient();
    const res = await client.request(`${srv.url}/missing`);
    expect(res.status).toBe(404);
    res.discard();
    expect(srv.requests).toHaveLength(1);
  });

  it('keeps the total rate of parallel downloads within maxBytesPerSecond', async () => {
    const HALF_MB = 500_000;
    const CAP_BYTES_PER_SECOND = 1_000_000;
    const srv = await startLoopbackServer((_req, res) => res.end(Buffer.alloc(HALF_MB, 7)));
    const client = makeClient({ maxBytesPerSecond: CAP_BYTES_PER_SECOND });
    const started = performance.now();
    const sizes = await Promise.all([1, 2].map(async (i) => (await (await client.request(`${srv.url}/${i}`)).buffer()).length));
    const seconds = (performance.now() - started) / 1000;
    expect(sizes).toEqual([HALF_MB, HALF_MB]);
    // The bucket allows a 0.1 s burst; 15 % slack on top covers timer granularity.
    expect((2 * HALF_MB) / seconds).toBeLessThanOrEqual(CAP_BYTES_PER_SECOND * 1.15);
    expect(seconds).toBeLessThan(2);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores garbage', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
