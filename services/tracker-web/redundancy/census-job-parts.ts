/** Small parts of the census runner's jobs (census-runner.ts): a volume's piece hashes, and its peers without repeats. */
import { parseVolumeTorrent } from '../../../shared/torrent/index.ts';
import type { PeerAddress } from '../census/index.ts';

/** A volume's piece hashes, copied out of its torrent so the file list is not kept alive for the round. */
export function piecesOf(torrent: Uint8Array): Buffer {
  return Buffer.from(parseVolumeTorrent(torrent).pieces);
}

/** Peers without repeats of one address and port. */
export function dedupe(peers: PeerAddress[]): PeerAddress[] {
  const seen = new Set<string>();
  return peers.filter((p) => {
    const k = `${p.host}:${p.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
