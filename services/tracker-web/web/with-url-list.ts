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
  return withTopLevel(torrent, { [URL_LIST_KEY]: [...urls] });
}

/**
 * The torrent with this catalogue's tracker first (`announce`, and first tier of
 * `announce-list`, keeping the torrent's own tiers), so any client that opens a torrent
 * from the catalogue finds the swarm; the info dict stays byte-identical.
 */
export function withTracker(torrent: Uint8Array, trackerUrl: string): Buffer {
  const { spans } = decodeTorrent(torrent);
  const span = spans.get('announce-list');
  const tiers = span ? (bencode.decode(Buffer.from(torrent.subarray(span[0], span[1]))) as Uint8Array[][]) : [];
  const own = tiers.map((tier) => tier.map((u) => Buffer.from(u).toString('utf8'))).filter((tier) => !tier.includes(trackerUrl));
  return withTopLevel(torrent, { announce: trackerUrl, 'announce-list': [[trackerUrl], ...own] });
}

/** Replaces top-level keys of a torrent, re-encoding only them. */
export function withTopLevel(torrent: Uint8Array, entries: Record<string, unknown>): Buffer {
  const { spans } = decodeTorrent(torrent);
  const values = new Map<string, Buffer>();
  for (const [key, [start, end]] of spans) values.set(key, Buffer.from(torrent.subarray(start, end)));
  for (const [key, value] of Object.entries(entries)) values.set(key, Buffer.from(bencode.encode(value as never)));
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
