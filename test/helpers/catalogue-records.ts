/** Minimal catalogue records for tests that need tracked info hashes without a whole build. */
import { makePointer } from '../../shared/formats/pointer.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';
import type { NewVersion } from '../../services/tracker-web/store/catalogue-store.ts';

/** A version of set `setId` (default `test`) holding these volumes: enough for putVersion (the publish path checks real ones). */
export async function newVersion(dir: string, version: number, metadataInfoHash: string, volumes: string[], setId = 'test'): Promise<NewVersion> {
  const key = await loadOrCreateSetKey(dir, setId);
  const volume = { prefix: '', size: 1, files: 1, pieceLength: 16384, pieces: 1, torrent: new Uint8Array(1) };
  return {
    set: { id: setId, title: 'Test', description: '', tags: [], publicKey: key.publicKeyHex, copyTarget: 3 },
    record: {
      setId, version, manifestSha256: '0'.repeat(64), publishedAt: 0, builtAt: '2026-01-01T00:00:00Z', metadataInfoHash,
      pointer: makePointer(key, setId, version, metadataInfoHash), volumes, totals: { files: 1, bytes: 1 },
      changes: { added: 1, removed: 0, changed: 0, renamed: 0, pagesUpdated: 0 }, parent: null,
    },
    manifestText: '{}', signatureText: '', pagesGz: new Uint8Array(0), metadataTorrent: new Uint8Array(1),
    volumes: volumes.map((infoHash) => ({ infoHash, ...volume })),
    files: [],
  };
}
