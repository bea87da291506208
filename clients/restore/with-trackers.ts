/**
 * Puts the catalogue's tracker first in a volume torrent's tracker list without touching its
 * info dictionary (the info hash stays the published one): volume torrents are published
 * tracker-less or with the builder's trackers, and a restore finds peers through the
 * catalogue it restores from.
 */
import bencode from 'bencode';
import { decodeTorrent } from '../../shared/torrent/bencode-strict.ts';
import { parseVolumeTorrent } from '../../shared/torrent/index.ts';

/** The torrent with `announce` = first tracker and `announce-list` = every tracker, one per tier. */
export function withTrackersFirst(torrent: Uint8Array, first: string[]): Buffer {
  const existing = parseVolumeTorrent(torrent).announce;
  const trackers = [...new Set([...first, ...existing])];
  const { spans } = decodeTorrent(torrent);
  const values = new Map<string, Buffer>();
  for (const [key, [start, end]] of spans) values.set(key, Buffer.from(torrent.subarray(start, end)));
  if (trackers.length > 0) {
    values.set('announce', Buffer.from(bencode.encode(trackers[0]!)));
    values.set('announce-list', Buffer.from(bencode.encode(trackers.map((t) => [t]))));
  }
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
