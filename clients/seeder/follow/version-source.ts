/**
 * Where a followed set's new versions come from: the catalogue over HTTP, or, when it does not
 * answer, the DHT pointer plus peers (metadata and volume torrents by info hash). Both hand back
 * a pointer whose signature was checked against the key pinned for the set. A split (/3)
 * version comes in two steps: its top manifest, then the lists of the volumes this seeder hosts.
 */
import { SeedbankError } from '../../../shared/errors.ts';
import { verifyPointer, type SetPointer } from '../../../shared/formats/pointer.ts';
import type { WTClient } from '../webtorrent-api.ts';
import type { CatalogueApi } from '../../../shared/api/catalogue-api.ts';
import { dhtPointer } from './dht-pointer.ts';
import { SPLIT_TOP_FILES, WHOLE_METADATA_FILES, type MetadataHost, type MetadataKind } from './metadata-host.ts';
import { partProblem, type PartRef } from '../../../shared/formats/split-manifest.ts';
import { fetchTorrentFromPeers } from './peer-fetch.ts';
import type { RangeFetch } from './edge-pieces.ts';

/** How long peers get to hand over a torrent's info dictionary. */
export const PEER_TORRENT_TIMEOUT_MS = 30_000;

/**
 * Bytes a fetch of parts moved: the parts, and the neighbours' bytes of their edge pieces (HTTP
 * only, and only for versions published before pads; peers send whole pieces).
 */
export interface PartsFetched {
  partBytes: number;
  edgeBytes: number;
}

/** A way to learn and fetch a set's versions. */
export interface VersionSource {
  readonly via: 'catalogue' | 'dht';
  /** The set's latest pointer, signature checked (and key checked when one is pinned); null when unknown. */
  pointer(setId: string, pinnedKey: string | undefined): Promise<SetPointer | null>;
  /**
   * Puts the version's top metadata on disk and seeds what it has: all of a whole version's,
   * a split version's manifest.json, manifest.sig and changes.ndjson (its lists come with
   * {@link fetchParts}, once the seeder knows which volumes it hosts).
   */
  fetchMetadata(meta: MetadataHost, p: SetPointer): Promise<MetadataKind>;
  /**
   * Puts parts of a split version (its hosted volumes' lists) on disk, each checked against
   * the signed top manifest's SHA-256 and size, and seeds the metadata torrent with them.
   * Over HTTP, for a version published before pads, also the neighbours' bytes in the parts'
   * edge pieces, so every piece of them is seeded (a padded version needs none). Throws METADATA_REFUSED naming a part that does not match (nothing of it is kept).
   */
  fetchParts(meta: MetadataHost, setId: string, version: number, parts: readonly PartRef[]): Promise<PartsFetched>;
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

function partRefused(setId: string, version: number, via: string, problem: string): SeedbankError {
  return new SeedbankError('METADATA_REFUSED', `${setId} v${version}: ${problem} (via ${via}); not kept`, {
    hint: 'the catalogue or a peer served a file that does not match the signed manifest; the next poll fetches it again',
  });
}

/** Byte ranges of a version's metadata files from the catalogue's web seed. */
function rangeFrom(client: CatalogueApi, setId: string, version: number): RangeFetch {
  return (name, start, end) => client.metadataRange(setId, version, name, start, end);
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
      const kind = await meta.check(torrent, p.salt, p.seq, p.ih);
      await meta.saveTorrent(torrent, p.salt, p.seq);
      const files: Record<string, Uint8Array> = {};
      for (const name of kind === 'whole' ? WHOLE_METADATA_FILES : SPLIT_TOP_FILES) files[name] = await client.metadataFile(p.salt, p.seq, name);
      await meta.writeFiles(p.salt, p.seq, files);
      // Before pads, the top files shared pieces with the first lists: those are completed so peers can get every piece of them here (no fetch when padded).
      if (kind === 'split') await meta.completeEdges(p.salt, p.seq, SPLIT_TOP_FILES, rangeFrom(client, p.salt, p.seq));
      // A whole version's files must pass the torrent's piece hashes (pages.xml.gz has no other check); a split version's top is checked by its signature.
      await meta.host(p.salt, p.seq, kind === 'whole' ? WHOLE_METADATA_FILES : []);
      return kind;
    },
    async fetchParts(meta, setId, version, parts) {
      const files: Record<string, Uint8Array> = {};
      for (const ref of parts) {
        const bytes = await client.metadataFile(setId, version, ref.file);
        const problem = partProblem(bytes, ref);
        if (problem) throw partRefused(setId, version, `the catalogue at ${client.baseUrl}`, problem);
        files[ref.file] = bytes;
      }
      await meta.writeFiles(setId, version, files);
      // Before pads, their edge pieces held neighbours' bytes too, or those pieces could not be offered (none when padded).
      const edges = await meta.completeEdges(setId, version, [...SPLIT_TOP_FILES, ...parts.map((r) => r.file)], rangeFrom(client, setId, version));
      // Added again so the parts and edges just written are verified and offered to peers.
      await meta.host(setId, version);
      return { partBytes: parts.reduce((n, r) => n + r.size, 0), edgeBytes: edges.fetchedBytes };
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
      const kind = await meta.check(torrent, p.salt, p.seq, p.ih);
      await meta.saveTorrent(torrent, p.salt, p.seq);
      await meta.host(p.salt, p.seq, kind === 'whole' ? WHOLE_METADATA_FILES : SPLIT_TOP_FILES);
      return kind;
    },
    async fetchParts(meta, setId, version, parts) {
      // Piece hashes already tie what peers send to the signed pointer; the check against the top manifest is the same as over HTTP.
      await meta.host(setId, version, parts.map((r) => r.file));
      const bad = await meta.partsMissing(setId, version, parts);
      for (const ref of bad) await meta.removePart(setId, version, ref.file);
      if (bad.length > 0) throw partRefused(setId, version, 'peers', `${bad.map((r) => r.file).join(', ')} do not match the signed manifest`);
      return { partBytes: parts.reduce((n, r) => n + r.size, 0), edgeBytes: 0 };
    },
    volumeTorrent: (ih) => fetchTorrentFromPeers(client, ih, PEER_TORRENT_TIMEOUT_MS),
  };
}
