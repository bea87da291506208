/**
 * The seeder's web seed connections are as polite as the builder: a tiny HTTP server on
 * 127.0.0.1 stands in for the upload server (upload.wikimedia.org cannot be used in tests) and
 * answers 429 or 503 with Retry-After before serving the range.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { userAgent } from '../../../shared/http/user-agent.ts';
import { PieceLayout } from '../store/piece-layout.ts';
import { HostLimiter } from './host-limiter.ts';
import { WebSeedConn, webSeedFileUrl } from './web-seed-conn.ts';
import { requestWebSeedPiece } from '../../../test/helpers/web-seed-request.ts';

const FILE_PATH = 'a/ab/Tour_Eiffel.jpg';
const FILE_BYTES = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
const PIECE_LENGTH = 256;
const RETRY_AFTER_SECONDS = 1;
/** A request that never completes fails the test with this message instead of hanging. */
const REQUEST_LIMIT_MS = 10_000;

interface Seen {
  at: number;
  userAgent: string | undefined;
  range: string | undefined;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Starts the stand-in upload server: `refusals` answers of `status` with Retry-After, then ranges of FILE_BYTES. */
async function startUploadServerStandIn(status: number, refusals: number): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ at: Date.now(), userAgent: req.headers['user-agent'], range: req.headers.range });
    if (seen.length <= refusals) {
      res.writeHead(status, { 'retry-after': String(RETRY_AFTER_SECONDS), 'content-type': 'text/plain' });
      res.end('slow down');
      return;
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m || decodeURIComponent(req.url ?? '') !== `/commons/${FILE_PATH}`) {
      res.writeHead(400).end();
      return;
    }
    const body = FILE_BYTES.subarray(Number(m[1]), Number(m[2]) + 1);
    res.writeHead(206, { 'content-range': `bytes ${m[1]}-${m[2]}/${FILE_BYTES.length}`, 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen };
}

/** A web seed connection for a one-file volume, as the seeder makes it. */
function connect(baseUrl: string, contact: string | undefined): WebSeedConn {
  const limiter = new HostLimiter({ userAgent: userAgent({ contact, part: 'seeder' }), maxBytesPerSecond: 0 });
  const layout = new PieceLayout(PIECE_LENGTH, FILE_BYTES.length, [{ path: FILE_PATH, length: FILE_BYTES.length, offset: 0 }]);
  const conn = new WebSeedConn({ pieces: new Array(layout.pieceCount) }, { baseUrl, torrentName: 'commons', layout, limiter });
  cleanups.push(() => {
    conn.destroy();
    limiter.close();
  });
  return conn;
}

describe('web seed politeness against a local stand-in for the upload server', () => {
  for (const status of [429, 503]) {
    it(`waits out a ${status} with Retry-After, then fetches the range with the operator's contact in the User-Agent`, async () => {
      const upload = await startUploadServerStandIn(status, 1);
      const conn = connect(upload.baseUrl, 'ops@example.org');
      const data = await requestWebSeedPiece(conn, 1, PIECE_LENGTH, REQUEST_LIMIT_MS);
      expect(data.equals(FILE_BYTES.subarray(PIECE_LENGTH, 2 * PIECE_LENGTH))).toBe(true);
      expect(upload.seen).toHaveLength(2);
      // The second request came no sooner than the server asked.
      expect(upload.seen[1]!.at - upload.seen[0]!.at).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000 - 50);
      for (const s of upload.seen) {
        expect(s.userAgent).toMatch(/^Seedbank\/\S+ \(ops@example\.org; \+https?:\/\/\S+\) seeder$/);
        expect(s.range).toBe(`bytes=${PIECE_LENGTH}-${2 * PIECE_LENGTH - 1}`);
      }
    });
  }

  it('never sends a placeholder contact: without one the User-Agent names only the project', async () => {
    const upload = await startUploadServerStandIn(429, 0);
    await requestWebSeedPiece(connect(upload.baseUrl, undefined), 0, PIECE_LENGTH, REQUEST_LIMIT_MS);
    expect(upload.seen[0]!.userAgent).toMatch(/^Seedbank\/\S+ \(\+https?:\/\/\S+\) seeder$/);
  });

  it("skips Wikimedia's upload server when no contact is configured, and uses it when one is", () => {
    const anonymous = new HostLimiter({ userAgent: userAgent({ part: 'seeder' }) });
    const named = new HostLimiter({ userAgent: userAgent({ contact: 'ops@example.org', part: 'seeder' }) });
    cleanups.push(() => (anonymous.close(), named.close()));
    expect(anonymous.allows('https://upload.wikimedia.org/wikipedia/')).toBe(false);
    expect(anonymous.allows('http://127.0.0.1:8080/')).toBe(true);
    expect(named.allows('https://upload.wikimedia.org/wikipedia/')).toBe(true);
    expect(webSeedFileUrl('https://upload.wikimedia.org/wikipedia/', 'commons', 'a/ab/A?b.jpg')).toBe('https://upload.wikimedia.org/wikipedia/commons/a/ab/A%3Fb.jpg');
  });
});
