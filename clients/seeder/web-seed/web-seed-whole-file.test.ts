/**
 * A web seed that ignores Range answers 200 with the whole file: up to 5 GiB for a big Commons
 * file. The seeder must keep only the piece it asked for and hang up, not buffer the file
 * (which ran past Node's Buffer limit and the machine's memory at 5 GiB). A real HTTP server
 * on 127.0.0.1 streams a large file, with backpressure, to show how much it got to send.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { userAgent } from '../../../shared/http/user-agent.ts';
import { PieceLayout } from '../store/piece-layout.ts';
import { HostLimiter } from './host-limiter.ts';
import { WebSeedConn } from './web-seed-conn.ts';
import { requestWebSeedPiece } from '../../../test/helpers/web-seed-request.ts';

const MiB = 1024 * 1024;
const FILE_PATH = 'b/b4/Big_scan.tif';
/** The whole file the server would send; far more than the test lets the client hold. */
const FILE_LENGTH = 512 * MiB;
const PIECE_LENGTH = MiB;
const PIECE_INDEX = 3;
/** What the server may have pushed into socket buffers before the client hung up. */
const MAX_SENT_BYTES = 64 * MiB;
const REQUEST_LIMIT_MS = 20_000;

/** Byte at position p of the stand-in file (a pattern that differs between pieces). */
const byteAt = (p: number) => (p * 7 + Math.floor(p / MiB)) & 0xff;
function fileBytes(from: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = byteAt(from + i);
  return b;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server that ignores Range: 200 and the whole file, written with backpressure; `sent` is what it wrote before the client left. */
async function startRangeIgnoringServer(): Promise<{ baseUrl: string; closed: Promise<number> }> {
  let onClosed!: (sent: number) => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const server = http.createServer((req, res) => {
    let sent = 0;
    let gone = false;
    res.on('close', () => {
      gone = true;
      onClosed(sent);
    });
    res.writeHead(200, { 'content-length': FILE_LENGTH, 'content-type': 'image/tiff' });
    const pump = () => {
      while (!gone && sent < FILE_LENGTH) {
        const part = fileBytes(sent, MiB);
        sent += part.length;
        if (!res.write(part)) return void res.once('drain', pump);
      }
      if (!gone) res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, closed };
}

describe('a web seed that ignores Range', () => {
  it('gives the piece asked for and drops the connection instead of reading the whole file', async () => {
    const upload = await startRangeIgnoringServer();
    const limiter = new HostLimiter({ userAgent: userAgent({ contact: 'ops@example.org', part: 'seeder' }), maxBytesPerSecond: 0 });
    const layout = new PieceLayout(PIECE_LENGTH, FILE_LENGTH, [{ path: FILE_PATH, length: FILE_LENGTH, offset: 0 }]);
    const conn = new WebSeedConn({ pieces: new Array(layout.pieceCount) }, { baseUrl: upload.baseUrl, torrentName: 'commons', layout, limiter });
    cleanups.push(() => (conn.destroy(), limiter.close()));

    const piece = await requestWebSeedPiece(conn, PIECE_INDEX, PIECE_LENGTH, REQUEST_LIMIT_MS);
    expect(piece.equals(fileBytes(PIECE_INDEX * PIECE_LENGTH, PIECE_LENGTH))).toBe(true);
    const sent = await upload.closed;
    expect(sent).toBeGreaterThanOrEqual((PIECE_INDEX + 1) * PIECE_LENGTH);
    expect(sent).toBeLessThan(MAX_SENT_BYTES);
  });
});
