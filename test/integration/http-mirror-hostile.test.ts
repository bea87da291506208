// The seeder's HTTP mirror on a real loopback socket against hostile Range headers: 12,000
// requests with a 15 KB multi-range header are refused cheaply (400, a clear body, no disk read)
// and leave nothing behind (counters, no request log); honest single ranges still get 206; the
// mirror listens on loopback unless told otherwise.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RANGES, startHttpMirror, type HttpMirror, type ServedRequest } from '../../clients/seeder/http-mirror.ts';

const HOSTILE_REQUESTS = 12_000;
const CONCURRENCY = 32;
/** ~15 KB of ranges, as the reproduction sent. */
const HOSTILE_RANGE = `bytes=${Array.from({ length: 1_500 }, (_, i) => `${i * 10}-${i * 10 + 5}`).join(',')}`;

let work: string;
let mirror: HttpMirror;
const content = randomBytes(64 * 1024);
const served: ServedRequest[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-mirror-'));
  await mkdir(path.join(work, 'commons', 'a', 'ab'), { recursive: true });
  await writeFile(path.join(work, 'commons', 'a', 'ab', 'File.bin'), content);
  mirror = await startHttpMirror({ storage: work, port: 0, onServe: (r) => void served.push(r) });
});

afterAll(async () => {
  await mirror?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function get(agent: http.Agent, range: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${mirror.url}commons/a/ab/File.bin`, { agent, headers: { range } }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('HTTP mirror under hostile Range headers', () => {
  it('listens on loopback by default', () => {
    expect(mirror.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('refuses 12,000 requests with a 15 KB multi-range header cheaply, keeping counters only', async () => {
    expect(HOSTILE_RANGE.length).toBeGreaterThan(14_000);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const statuses = new Map<number, number>();
    let first = '';
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < HOSTILE_REQUESTS) {
        const r = await get(agent, HOSTILE_RANGE);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        first ||= r.body;
      }
    }));
    const ms = performance.now() - started;
    agent.destroy();
    console.log(`mirror: ${HOSTILE_REQUESTS} hostile Range requests refused in ${Math.round(ms)} ms`);
    expect([...statuses]).toEqual([[400, HOSTILE_REQUESTS]]);
    expect(first).toMatch(/^Range header of \d+ characters refused: at most 256/);
    expect(mirror.bytesServed).toBe(0);
    expect(mirror.requestsServed).toBe(0);
    expect(mirror.requestsRefused).toBe(HOSTILE_REQUESTS);
    expect(served).toEqual([]);
    expect(Object.keys(mirror)).not.toContain('served'); // no request log to grow
  });

  it('refuses more than MAX_RANGES ranges with 416 and still serves an honest range', async () => {
    const agent = new http.Agent();
    const many = `bytes=${Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i}-${i}`).join(',')}`;
    expect(await get(agent, many)).toEqual({ status: 416, body: `${MAX_RANGES + 1} ranges in one request refused: at most ${MAX_RANGES}\n` });
    const ok = await get(agent, 'bytes=100-199');
    expect(ok.status).toBe(206);
    expect(Buffer.from(ok.body, 'latin1').equals(content.subarray(100, 200))).toBe(true);
    expect(served).toEqual([{ path: 'a/ab/File.bin', range: 'bytes=100-199', bytes: 100 }]);
    expect(mirror.requestsServed).toBe(1);
  });
});
