// One piece asked of a web-seed connection the way webtorrent asks (httpRequest), as a promise.
import type { WebSeedConn } from '../../clients/seeder/web-seed/web-seed-conn.ts';

/** Asks `conn` for the first `length` bytes of piece `index`, failing with a message if no answer comes within `limitMs`. */
export function requestWebSeedPiece(conn: WebSeedConn, index: number, length: number, limitMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`piece ${index} did not arrive within ${limitMs} ms`)), limitMs);
    conn.httpRequest(index, 0, length, (err, data) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(Buffer.from(data!));
    });
  });
}
