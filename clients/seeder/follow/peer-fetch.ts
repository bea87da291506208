/**
 * Fetching a .torrent by info hash from peers (BEP 9 ut_metadata), for when the catalogue does
 * not answer: the torrent is added with no piece selected and a store that holds nothing, and
 * dropped again once its info dictionary arrived. Peers come from the DHT (and the trackers).
 */
import { SeedbankError } from '../../../shared/errors.ts';
import type { WTClient, WTTorrent } from '../webtorrent-api.ts';

type Callback<T = void> = (err: Error | null, value?: T) => void;

/** A chunk store that stores nothing: only the info dictionary is wanted. */
class NoPiecesStore {
  constructor(readonly chunkLength: number) {}
  put(_index: number, _buf: Uint8Array, cb: Callback = () => undefined): void {
    queueMicrotask(() => cb(new Error('this torrent is only fetched for its info dictionary')));
  }
  get(_index: number, _opts: unknown, cb?: Callback<Buffer>): void {
    const done = typeof _opts === 'function' ? (_opts as Callback<Buffer>) : (cb ?? (() => undefined));
    queueMicrotask(() => done(new Error('no pieces here')));
  }
  close(cb: Callback = () => undefined): void {
    queueMicrotask(() => cb(null));
  }
  destroy(cb: Callback = () => undefined): void {
    queueMicrotask(() => cb(null));
  }
}

/** The .torrent of `infoHash`, from peers; rejects after `timeoutMs` saying so. */
export async function fetchTorrentFromPeers(client: WTClient, infoHash: string, timeoutMs: number): Promise<Uint8Array> {
  const existing = await client.get(infoHash);
  if (existing?.torrentFile) return existing.torrentFile;
  const t: WTTorrent = client.add(infoHash, { store: NoPiecesStore, deselect: true });
  try {
    await new Promise<void>((resolve, reject) => {
      if (t.torrentFile) return resolve();
      const timer = setTimeout(() => reject(new SeedbankError('PEERS_NO_METADATA', `no peer gave the torrent ${infoHash} within ${timeoutMs} ms (${t.numPeers} peers)`)), timeoutMs);
      t.once('metadata', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (!t.torrentFile) throw new SeedbankError('PEERS_NO_METADATA', `torrent ${infoHash} came without its info dictionary`);
    return new Uint8Array(t.torrentFile);
  } finally {
    await new Promise<void>((resolve) => t.destroy({ destroyStore: false }, () => resolve()));
  }
}
