/** Catalogue versions made of file titles only, for tests of the title search: enough for putVersion, no wiki or builder. */
import { createHash } from 'node:crypto';
import { makePointer } from '../../shared/formats/pointer.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';
import type { NewVersion } from '../../services/tracker-web/store/catalogue-store.ts';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** Version `version` of `setId` holding one file per title (its SHA-1 is the title's, or `contentOf(title)`'s), in one volume. */
export async function titledVersion(keysDir: string, o: { setId: string; version: number; titles: string[]; contentOf?: (title: string) => string }): Promise<NewVersion> {
  const key = await loadOrCreateSetKey(keysDir, o.setId);
  const metadataInfoHash = sha1(`meta ${o.setId} ${o.version}`);
  const volume = sha1(`volume ${o.setId} ${o.version}`);
  const files = o.titles.map((title) => ({
    sha1: sha1(o.contentOf?.(title) ?? title), setId: o.setId, version: o.version, title,
    path: `a/ab/${title.replace(/^File:/, '').replace(/ /g, '_')}`, size: 1, volume,
  }));
  return {
    set: { id: o.setId, title: `Set ${o.setId}`, description: '', tags: [], publicKey: key.publicKeyHex, copyTarget: 3 },
    record: {
      setId: o.setId, version: o.version, manifestSha256: '0'.repeat(64), publishedAt: 0, builtAt: '2026-01-01T00:00:00Z', metadataInfoHash,
      pointer: makePointer(key, o.setId, o.version, metadataInfoHash), volumes: [volume], totals: { files: files.length, bytes: files.length },
      changes: { added: files.length, removed: 0, changed: 0, renamed: 0, pagesUpdated: 0 }, parent: null,
    },
    manifestText: '{}', signatureText: '', pagesGz: new Uint8Array(0), metadataTorrent: new Uint8Array(1),
    volumes: [{ infoHash: volume, prefix: '', size: files.length, files: files.length, pieceLength: 16384, pieces: 1, torrent: new Uint8Array(1) }],
    files,
  };
}
