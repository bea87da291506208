/**
 * Where a followed set's new versions come from: the catalogue over HTTP, or, when it does not
 * answer, the DHT pointer plus peers (metadata and volume torrents by info hash). Both hand back
 * a pointer whose signature was checked against the key pinned for the set.
 */
import { SeedbankError } from '../../../shared/errors.ts';
import { verifyPointer, type SetPointer } from '../../../shared/formats/pointer.ts';
import type { WTClient } from '../webtorrent-api.ts';
import type { CatalogueApi } from '../../../shared/api/catalogue-api.ts';
import { dhtPointer } from './dht-pointer.ts';
import { METADATA_FILE_NAMES, type MetadataHost } from './metadata-host.ts';
import { fetchTorrentFromPeers } from './peer-fetch.ts';

/** How long peers get to hand over a torrent's info dictionary. */
export const PEER_TORRENT_TIMEOUT_MS = 30_000;

/** A way to learn and fetch a set's versions. */
export interface VersionSource {
  readonly via: 'catalogue' | 'dht';
  /** The set's latest pointer, signature checked (and key checked when one is pinned); null when unknown. */
  pointer(setId: string, pinnedKey: string | undefined): Promise<SetPointer | null>;
  /** Puts the version's metadata on disk and seeds it. */
  fetchMetadata(meta: MetadataHost, p: SetPointer): Promise<void>;
  /** A volume's .torrent. */
  volumeTorrent(infoHash: string): Promise<Uint8Array>;
}

function checked(p: SetPointer | null, setId: string, pinnedKey: string | undefined): SetPointer | null {
  if (!p) return null;
  if (p.salt !== setId || !verifyPointer(p)) throw new SeedbankError('POINTER_REFUSED', `the pointer of ${setId} is not validly signed`);
  if (pinnedKey && p.k !== pinnedKey) {
    throw new SeedbankError('SET_KEY_CHANGED', `the pointer of ${setId} is signed by ${p.k.slice(0, 16)}…, but this seeder pinned ${pinnedKey.slice(0, 16)}…`, {
      hint: 'if the set key was rotated on purpose, remove the set from STORAGE/.seedbank/follow.json setKeys',
    });
  }
  return p;
}

/** The catalogue over HTTP. */
export function catalogueSource(client: CatalogueApi): VersionSource {
  return {
    via: 'catalogue',
    async pointer(setId, pinnedKey) {
      return checked(await client.pointer(setId), setId, pinnedKey);
    },
    async fetchMetadata(meta, p) {
      const torrent = await client.metadataTorrent(p.salt, p.seq);
      await meta.check(torrent, p.salt, p.seq, p.ih);
      const files: Record<string, Uint8Array> = {};
      for (const name of METADATA_FILE_NAMES) files[name] = await client.metadataFile(p.salt, p.seq, name);
      await meta.writeFiles(p.salt, p.seq, files);
      await meta.host(torrent, p.salt, p.seq);
    },
    volumeTorrent: (ih) => client.torrent(ih),
  };
}

/** The DHT and peers: works without the catalogue, for sets whose key is already pinned. */
export function dhtSource(client: WTClient): VersionSource {
  const dht = () => {
    if (!client.dht) throw new SeedbankError('DHT_OFF', 'the DHT is off');
    return client.dht;
  };
  return {
    via: 'dht',
    async pointer(setId, pinnedKey) {
      if (!pinnedKey) return null;
      return checked(await dhtPointer(dht(), pinnedKey, setId), setId, pinnedKey);
    },
    async fetchMetadata(meta, p) {
      const torrent = await fetchTorrentFromPeers(client, p.ih, PEER_TORRENT_TIMEOUT_MS);
      await meta.check(torrent, p.salt, p.seq, p.ih);
      await meta.host(torrent, p.salt, p.seq);
    },
    volumeTorrent: (ih) => fetchTorrentFromPeers(client, ih, PEER_TORRENT_TIMEOUT_MS),
  };
}
