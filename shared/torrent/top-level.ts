/**
 * Rewrites a torrent's top-level keys (trackers, web seeds) without touching its info
 * dictionary: the dictionary is rebuilt from the raw bytes of each value, so the info
 * bytes, and therefore the info hash, stay exactly as published.
 */
import bencode from 'bencode';
import { decodeTorrent } from './bencode-strict.ts';
import { parseVolumeTorrent } from './parse-volume-torrent.ts';

/** Replaces (or adds) top-level keys of a torrent, re-encoding only them; `undefined` removes a key. */
export function withTopLevel(torrent: Uint8Array, entries: Record<string, unknown>): Buffer {
  // Only the spans are needed: the file list is skipped rather than decoded into a tree.
  const { spans } = decodeTorrent(torrent, { onFile: () => undefined });
  const values = new Map<string, Buffer>();
  for (const [key, [start, end]] of spans) values.set(key, Buffer.from(torrent.subarray(start, end)));
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined) values.delete(key);
    else values.set(key, Buffer.from(bencode.encode(value as never)));
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

/** The torrent with `url-list` (BEP 19 web seeds) set to `urls`, replacing any. */
export function withUrlList(torrent: Uint8Array, urls: readonly string[]): Buffer {
  return withTopLevel(torrent, { 'url-list': [...urls] });
}

/** The torrent without trackers (`announce`, `announce-list`): for a client that announces it some other way. */
export function withoutTrackers(torrent: Uint8Array): Buffer {
  return withTopLevel(torrent, { announce: undefined, 'announce-list': undefined });
}

/**
 * The torrent with these trackers first (`announce` = the first, `announce-list` one tier
 * per tracker), followed by the torrent's own trackers without duplicates.
 */
export function withTrackersFirst(torrent: Uint8Array, first: readonly string[]): Buffer {
  const trackers = [...new Set([...first, ...parseVolumeTorrent(torrent).announce])];
  if (trackers.length === 0) return Buffer.from(torrent);
  return withTopLevel(torrent, { announce: trackers[0]!, 'announce-list': trackers.map((t) => [t]) });
}
