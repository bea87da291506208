/**
 * Adds a `url-list` (BEP 19 web seeds) to a torrent without touching its info dictionary:
 * the top-level dictionary is rebuilt from the raw bytes of each value, so the info bytes,
 * and therefore the info hash, stay exactly as published.
 */
import bencode from 'bencode';
import { decodeTorrent } from '../../../shared/torrent/bencode-strict.ts';

const URL_LIST_KEY = 'url-list';

/** The torrent with `url-list` set to `urls` (replacing any), info dict byte-identical. */
export function withUrlList(torrent: Uint8Array, urls: readonly string[]): Buffer {
  const { spans } = decodeTorrent(torrent);
  const values = new Map<string, Buffer>();
  for (const [key, [start, end]] of spans) values.set(key, Buffer.from(torrent.subarray(start, end)));
  values.set(URL_LIST_KEY, Buffer.from(bencode.encode([...urls])));
  // Keys as raw bytes (latin1 round-trips them), sorted bytewise as bencode requires.
  const keys = [...values.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1')));
  const parts: Buffer[] = [Buffer.from('d')];
  for (const key of keys) {
    const k = Buffer.from(key, 'latin1');
    parts.push(Buffer.from(`${k.length}:`), k, values.get(key)!);
  }
  parts.push(Buffer.from('e'));
  return Buffer.concat(parts);
}
