/**
 * Puts one set version straight into a catalogue store, around a volume torrent a test made
 * itself: a valid, signed-key manifest listing the torrent's files, without a wiki or a
 * builder. For tests about the census and copies, where the content is the test's own.
 */
import { makePointer } from '../../shared/formats/pointer.ts';
import { MANIFEST_FORMAT, serializeManifest, type Manifest } from '../../shared/formats/manifest.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';
import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import type { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';

/** Publishes `torrent` as `version` (1 by default) of `setId`; `sha1s` are the files' SHA-1s in torrent order. */
export async function putHandVersion(store: CatalogueStore, o: { setId: string; keysDir: string; torrent: Uint8Array; parsed: ParsedVolumeTorrent; sha1s: string[]; copyTarget?: number; version?: number }): Promise<void> {
  const version = o.version ?? 1;
  const key = await loadOrCreateSetKey(o.keysDir, o.setId);
  const ih = o.parsed.infoHash;
  const metadataInfoHash = 'ee'.repeat(20);
  const files = o.parsed.files.map((f, i) => ({
    title: `File:${f.path.split('/').pop()!.replace(/_/g, ' ')}`, path: f.path, size: f.length, sha1: o.sha1s[i]!, mime: 'image/jpeg',
    uploadTimestamp: '2026-01-01T00:00:00Z', pageId: i + 1, revisionId: i + 1, license: null, author: null, categories: [], coordinates: null, volume: ih,
  }));
  const size = files.reduce((n, f) => n + f.size, 0);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    set: { id: o.setId, title: o.setId, description: '', tags: [], copyTarget: o.copyTarget ?? 3, publicKey: key.publicKeyHex },
    version,
    recipe: {},
    source: { wiki: 'http://127.0.0.1/w/api.php', siteName: 'test', generator: 'test', uploadBase: 'http://127.0.0.1/images/', articleUrl: 'http://127.0.0.1/wiki/$1' },
    snapshot: { builtAt: '2026-01-01T00:00:00Z', maxRevisionId: 1, maxLogId: 1, dumpRun: '' },
    parent: null,
    files,
    volumes: [{ infoHash: ih, prefix: '', pieceLength: o.parsed.pieceLength, pieces: o.parsed.pieces.length / 20, size, files: files.length, torrent: `${ih}.torrent`, portable: true }],
    volumeLayout: [''],
    changes: { added: files.map((f) => f.title), removed: [], changed: [], renamed: [], pagesUpdated: [] },
    skipped: [],
    pages: { file: 'pages.xml.gz', sha256: '0'.repeat(64), size: 0, count: 0 },
    totals: { files: files.length, bytes: size },
  };
  store.putVersion({
    set: { id: o.setId, title: o.setId, description: '', tags: [], publicKey: key.publicKeyHex, copyTarget: o.copyTarget ?? 3 },
    record: {
      setId: o.setId, version, manifestSha256: '0'.repeat(64), publishedAt: 0, builtAt: '2026-01-01T00:00:00Z', metadataInfoHash,
      pointer: makePointer(key, o.setId, version, metadataInfoHash), volumes: [ih], totals: { files: files.length, bytes: size },
      changes: { added: files.length, removed: 0, changed: 0, renamed: 0, pagesUpdated: 0 }, parent: null,
    },
    manifestText: serializeManifest(manifest), signatureText: '', pagesGz: new Uint8Array(0), metadataTorrent: new Uint8Array(1),
    volumes: [{ infoHash: ih, prefix: '', size, files: files.length, pieceLength: o.parsed.pieceLength, pieces: o.parsed.pieces.length / 20, torrent: o.torrent }],
    files: files.map((f) => ({ sha1: f.sha1, setId: o.setId, version, title: f.title, path: f.path, size: f.size, volume: ih })),
  });
}
