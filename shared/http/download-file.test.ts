/**
 * downloadFiles against a REAL node:http server on 127.0.0.1 (port 0) serving files from
 * memory, with Range support and scripted misbehaviour. No mocks; nothing leaves loopback.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSeedbankError } from '../errors.ts';
import { downloadFiles, type DownloadItem, type DownloadProgress } from './download-file.ts';
import { PoliteClient } from './polite-client.ts';

const USER_AGENT = 'SeedbankTest/0.1 (https://example.org/seedbank; test@example.org)';
const FILE_BYTES = 64 * 1024;
/** Upper bound for any wait in these tests, so a hang fails with a message instead of a timeout. */
const WAIT_LIMIT_MS = 5_000;

/** What the server does with one request; return true when it handled the request itself. */
type Hook = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, requestNumber: number) => boolean;

interface FileServer {
  url: string;
  server: http.Server;
  requests: http.IncomingMessage[];
  maxOpenConnections: number;
}

let tmp: string;
const servers: FileServer[] = [];
const clients: PoliteClient[] = [];

/** A real loopback HTTP server serving `files` by path, honouring `Range: bytes=N-`. */
async function startFileServer(files: Map<string, Buffer>, hook?: Hook): Promise<FileServer> {
  let open = 0;
  const state: FileServer = { url: '', requests: [], maxOpenConnections: 0, server: http.createServer() };
  state.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    state.requests.push(req);
    const body = files.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end('no such file');
    if (hook?.(req, res, body, state.requests.length)) return;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (!range) return void res.writeHead(200, { 'content-length': body.length }).end(body);
    const start = Number(range[1]);
    if (start >= body.length) return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    res
      .writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` })
      .end(body.subarray(start));
  });
  state.server.on('connection', (socket) => {
    open++;
    state.maxOpenConnections = Math.max(state.maxOpenConnections, open);
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  servers.push(state);
  return state;
}

function makeClient(): PoliteClient {
  // No-op sleep: back-off is tested in polite-client.test.ts; here it would only slow things.
  const client = new PoliteClient({ userAgent: USER_AGENT, maxBytesPerSecond: 0, sleep: async () => undefined });
  clients.push(client);
  return client;
}

/** Files are compared by digest: vitest's deep equality on 64 KiB buffers takes ~0.3 s each. */
function sha1(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

function itemFor(srv: FileServer, name: string, body: Buffer, dest = path.join(tmp, name)): DownloadItem {
  return { url: `${srv.url}/${name}`, dest, size: body.length, sha1Hex: sha1(body), key: name };
}

async function withTimeout<T>(promise: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${WAIT_LIMIT_MS} ms: ${message}`)), WAIT_LIMIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'seedbank-download-'));
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const { server } of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('downloadFiles against a real HTTP server on 127.0.0.1 (loopback only, no internet)', () => {
  it('downloads 10 files over at most 2 connections, with the User-Agent, into new directories', async () => {
    const files = new Map(Array.from({ length: 10 }, (_, i) => [`/f${i}.jpg`, randomBytes(FILE_BYTES + i)]));
    const srv = await startFileServer(files);
    const items = [...files].map(([name, body]) => itemFor(srv, name.slice(1), body, path.join(tmp, 'a', 'b', name.slice(1))));
    const events: DownloadProgress[] = [];
    // Ask for 10 files at once: the client, not the caller, must hold the line at 2.
    const outcomes = await withTimeout(
      downloadFiles(items, makeClient(), { concurrency: 10, onProgress: (e) => events.push(e) }),
      'downloading 10 files',
    );
    expect(outcomes.map((o) => o.status)).toEqual(Array(10).fill('downloaded'));
    for (const [name, body] of files) expect(sha1(await fs.readFile(path.join(tmp, 'a', 'b', name)))).toBe(sha1(body));
    expect(existsSync(path.join(tmp, 'a', 'b', 'f0.jpg.part'))).toBe(false);
    expect(srv.maxOpenConnections).toBeLessThanOrEqual(2);
    expect(srv.requests.every((r) => r.headers['user-agent'] === USER_AGENT)).toBe(true);
    const last = events.at(-1);
    expect(last).toMatchObject({ done: 10, total: 10, bytes: last?.totalBytes });
  });

  it('resumes with Range after the connection is cut half way', async () => {
    const body = randomBytes(FILE_BYTES);
    const half = FILE_BYTES / 2;
    let cut: (() => void) | undefined;
    const srv = await startFileServer(new Map([['/cut.png', body]]), (_req, res, data, n) => {
      if (n !== 1) return false;
      res.writeHead(200, { 'content-length': data.length });
      res.write(data.subarray(0, half));
      cut = () => res.socket?.end();
      return true;
    });
    // Cut only once the client has the half on disk: bytes still buffered in the client when
    // the connection drops are discarded by Node, which would make the Range offset racy.
    const onProgress = (e: DownloadProgress): void => {
      if (e.itemBytes === half && cut) {
        cut();
        cut = undefined;
      }
    };
    const [outcome] = await withTimeout(downloadFiles([itemFor(srv, 'cut.png', body)], makeClient(), { onProgress }), 'resumed download');
    expect(outcome).toMatchObject({ status: 'downloaded', bytes: FILE_BYTES });
    expect(srv.requests.map((r) => r.headers.range)).toEqual([undefined, `bytes=${half}-`]);
    expect(sha1(await fs.readFile(path.join(tmp, 'cut.png')))).toBe(sha1(body));
  });

  it('resumes a .part left by an earlier run', async () => {
    const body = randomBytes(FILE_BYTES);
    const srv = await startFileServer(new Map([['/old.tif', body]]));
    const item = itemFor(srv, 'old.tif', body);
    await fs.writeFile(item.dest + '.part', body.subarray(0, 1000));
    const [outcome] = await withTimeout(downloadFiles([item], makeClient()), 'resuming .part');
    expect(outcome).toMatchObject({ status: 'downloaded', bytes: FILE_BYTES - 1000 });
    expect(srv.requests.map((r) => r.headers.range)).toEqual(['bytes=1000-']);
    expect(sha1(await fs.readFile(item.dest))).toBe(sha1(body));
    expect(existsSync(item.dest + '.part')).toBe(false);
  });

  it('restarts from zero when the server ignores Range and answers 200', async () => {
    const body = randomBytes(FILE_BYTES);
    const srv = await startFileServer(new Map([['/norange.ogg', body]]), (_req, res, data) => {
      res.writeHead(200, { 'content-length': data.length }).end(data);
      return true;
    });
    const item = itemFor(srv, 'norange.ogg', body);
    await fs.writeFile(item.dest + '.part', body.subarray(0, 500));
    const [outcome] = await withTimeout(downloadFiles([item], makeClient()), 'download ignoring Range');
    expect(outcome?.status).toBe('downloaded');
    expect(sha1(await fs.readFile(item.dest))).toBe(sha1(body));
  });

  it('restarts from zero after 416 for a .part that does not fit the server file', async () => {
    const body = randomBytes(FILE_BYTES);
    const srv = await startFileServer(new Map([['/r416.svg', body]]), (req, res) => {
      if (!req.headers.range) return false;
      res.writeHead(416).end();
      return true;
    });
    const item = itemFor(srv, 'r416.svg', body);
    await fs.writeFile(item.dest + '.part', randomBytes(100));
    const [outcome] = await withTimeout(downloadFiles([item], makeClient()), 'download after 416');
    expect(outcome?.status).toBe('downloaded');
    expect(srv.requests.map((r) => r.headers.range)).toEqual(['bytes=100-', undefined]);
    expect(sha1(await fs.readFile(item.dest))).toBe(sha1(body));
  });

  it('installs a complete, valid .part from an earlier run without a request', async () => {
    const body = randomBytes(FILE_BYTES);
    const srv = await startFileServer(new Map([['/done.jpg', body]]));
    const item = itemFor(srv, 'done.jpg', body);
    await fs.writeFile(item.dest + '.part', body);
    const [outcome] = await downloadFiles([item], makeClient());
    expect(outcome).toMatchObject({ status: 'downloaded', bytes: 0 });
    expect(srv.requests).toHaveLength(0);
    expect(sha1(await fs.readFile(item.dest))).toBe(sha1(body));
  });

  it('skips (does not throw) a file the server keeps answering 503 for, naming URL and status', async () => {
    const body = randomBytes(100);
    const srv = await startFileServer(new Map([['/busy.jpg', body]]), (_req, res) => {
      res.writeHead(503).end();
      return true;
    });
    const item = itemFor(srv, 'busy.jpg', body);
    const [outcome] = await downloadFiles([item], makeClient());
    expect(outcome?.status).toBe('skipped');
    expect(outcome?.reason).toContain(item.url);
    expect(outcome?.reason).toContain('HTTP 503');
    expect(srv.requests).toHaveLength(6);
  });

  it('makes zero requests for a file already present with the right SHA-1', async () => {
    const body = randomBytes(FILE_BYTES);
    const srv = await startFileServer(new Map([['/here.jpg', body]]));
    const item = itemFor(srv, 'here.jpg', body);
    await fs.writeFile(item.dest, body);
    await fs.writeFile(item.dest + '.part', body.subarray(0, 10));
    const [outcome] = await downloadFiles([item], makeClient());
    expect(outcome).toMatchObject({ status: 'already-present', bytes: 0 });
    expect(srv.requests).toHaveLength(0);
    expect(existsSync(item.dest + '.part')).toBe(false);
  });

  it('re-downloads a present file whose content is wrong', async () => {
    const body = randomBytes(FILE_BYTES);
    const srv = await startFileServer(new Map([['/stale.jpg', body]]));
    const item = itemFor(srv, 'stale.jpg', body);
    await fs.writeFile(item.dest, randomBytes(FILE_BYTES));
    const [outcome] = await downloadFiles([item], makeClient());
    expect(outcome?.status).toBe('downloaded');
    expect(sha1(await fs.readFile(item.dest))).toBe(sha1(body));
  });

  it('skips a file that vanished (404 and 410) with a reason, without throwing', async () => {
    const body = randomBytes(100);
    const srv = await startFileServer(new Map([['/gone.jpg', body]]), (_req, res) => {
      res.writeHead(410).end();
      return true;
    });
    const items = [itemFor(srv, 'missing.jpg', body), itemFor(srv, 'gone.jpg', body)];
    const outcomes = await downloadFiles(items, makeClient());
    expect(outcomes.map((o) => [o.status, o.reason])).toEqual([
      ['skipped', expect.stringContaining('HTTP 404')],
      ['skipped', expect.stringContaining('HTTP 410')],
    ]);
    expect(existsSync(items[0]!.dest)).toBe(false);
  });

  it('retries once from zero on a SHA-1 mismatch, then skips with the reason and leaves no file', async () => {
    const body = randomBytes(FILE_BYTES);
    const srv = await startFileServer(new Map([['/bad.jpg', body]]));
    const item = { ...itemFor(srv, 'bad.jpg', body), sha1Hex: 'a'.repeat(40) };
    const [outcome] = await downloadFiles([item], makeClient());
    expect(outcome?.status).toBe('skipped');
    expect(outcome?.reason).toBe(`sha1 mismatch: expected ${'a'.repeat(40)} got ${sha1(body)}`);
    expect(srv.requests).toHaveLength(2);
    expect(existsSync(item.dest)).toBe(false);
    expect(existsSync(item.dest + '.part')).toBe(false);
  });

  it('skips a file whose size on the server differs from the listing', async () => {
    const body = randomBytes(FILE_BYTES);
    const srv = await startFileServer(new Map([['/resized.jpg', body]]));
    const item = { ...itemFor(srv, 'resized.jpg', body), size: FILE_BYTES + 1 };
    const [outcome] = await downloadFiles([item], makeClient());
    expect(outcome?.status).toBe('skipped');
    expect(outcome?.reason).toMatch(/^size mismatch: expected 65537 bytes got 65536/);
    expect(existsSync(item.dest)).toBe(false);
  });

  it.skipIf(!existsSync('/dev/full'))('throws DISK_FULL on ENOSPC and keeps the .part', async () => {
    const body = randomBytes(FILE_BYTES);
    const srv = await startFileServer(new Map([['/big.tif', body]]));
    const item = itemFor(srv, 'big.tif', body);
    // Writes to /dev/full fail with ENOSPC: a real full disk, without filling one.
    await fs.symlink('/dev/full', item.dest + '.part');
    const error = await downloadFiles([item], makeClient()).catch((err: unknown) => err);
    expect(isSeedbankError(error, 'DISK_FULL')).toBe(true);
    expect((error as { hint?: string }).hint).toMatch(/resumed/);
    expect((await fs.lstat(item.dest + '.part')).isSymbolicLink()).toBe(true);
    expect(existsSync(item.dest)).toBe(false);
  });

  it('stops cleanly on abort and keeps the partial file as .part', async () => {
    const body = randomBytes(FILE_BYTES);
    const srv = await startFileServer(new Map([['/slow.webm', body]]), (_req, res, data) => {
      // Half now, the rest never: the download can only end by abort.
      res.writeHead(200, { 'content-length': data.length });
      res.write(data.subarray(0, data.length / 2));
      return true;
    });
    const item = itemFor(srv, 'slow.webm', body);
    const controller = new AbortController();
    const run = downloadFiles([item], makeClient(), {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.itemBytes >= FILE_BYTES / 2) controller.abort(new Error('user pressed ^C'));
      },
    });
    const error = await withTimeout(run.catch((err: unknown) => err), 'download to stop after abort');
    expect((error as Error).message).toBe('user pressed ^C');
    expect((await fs.stat(item.dest + '.part')).size).toBe(FILE_BYTES / 2);
    expect(existsSync(item.dest)).toBe(false);
  });
});
