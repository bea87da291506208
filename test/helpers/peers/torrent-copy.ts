/** Copies of a volume torrent with other trackers or web seeds: outside the info dict, so the info hash stays. */
import bencode from 'bencode';

/** The .torrent with `url-list` and `announce`/`announce-list` replaced (an empty list drops the key). */
export function retargetTorrent(torrent: Uint8Array, o: { urlList?: string[]; announce?: string[] }): Uint8Array {
  // Our own torrent, decoded with bencode@4 for re-encoding: keys come back sorted and bytes as bytes.
  const t = bencode.decode(torrent) as Record<string, unknown>;
  if (o.urlList) {
    delete t['url-list'];
    if (o.urlList.length > 0) t['url-list'] = o.urlList;
  }
  if (o.announce) {
    delete t.announce;
    delete t['announce-list'];
    if (o.announce.length > 0) {
      t.announce = o.announce[0];
      t['announce-list'] = o.announce.map((a) => [a]);
    }
  }
  return bencode.encode(t as never);
}
