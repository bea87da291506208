/**
 * Catalogue versions made of file titles only, for tests of the title search: a valid manifest
 * listing one small file per title in one volume, put through putVersion as the publish path
 * puts it, without a wiki or a builder. With `torrentWork` the volume torrent is a real one
 * hashed over one-byte files written there (the pages read it); without, a stand-in (benches).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { commonsPath, fileNameFromTitle } from '../../shared/commons-path.ts';
import { MANIFEST_FORMAT, serializeManifest, type Manifest } from '../../shared/formats/manifest.ts';
import { makePointer } from '../../shared/formats/pointer.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';
import type { NewVersion } from '../../services/tracker-web/store/catalogue-store.ts';
import { makeVolumeFixture } from './volume-fixture.ts';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const PIECE_LENGTH = 16_384;

/** Version `version` of `setId` holding one file per title (its SHA-1 is the title's, or `contentOf(title)`'s), in one volume. */
export async function titledVersion(
  keysDir: string,
  o: { setId: string; version: number; titles: string[]; contentOf?: (title: string) => string; torrentWork?: string },
): Promise<NewVersion> {
  const key = await loadOrCreateSetKey(keysDir, o.setId);
  const metadataInfoHash = sha1(`meta ${o.setId} ${o.version}`);
  // The torrent orders files by path; the manifest lists them in the same order.
  const laidOut = o.titles.map((title) => ({ title, path: commonsPath(fileNameFromTitle(title)) })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const real = o.torrentWork ? await makeVolumeFixture(path.join(o.torrentWork, `${o.setId}-v${o.version}`), laidOut.map((f) => ({ path: f.path, length: 1 })), PIECE_LENGTH) : null;
  const volume = real?.parsed.infoHash ?? sha1(`volume ${o.setId} ${o.version}`);
  const files = laidOut.map(({ title, path: p }, i) => ({
    title, path: p, size: 1, sha1: sha1(o.contentOf?.(title) ?? title), mime: 'image/jpeg',
    uploadTimestamp: '2026-01-01T00:00:00Z', pageId: i + 1, revisionId: i + 1, license: null, author: null, categories: [], coordinates: null, volume,
  }));
  const set = { id: o.setId, title: `Set ${o.setId}`, description: '', tags: [], publicKey: key.publicKeyHex, copyTarget: 3 };
  const pieces = real ? real.parsed.pieces.length / 20 : Math.max(1, Math.ceil(files.length / PIECE_LENGTH));
  const parent = o.version > 1 ? { version: o.version - 1, manifestSha256: '0'.repeat(64) } : null;
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    set,
    version: o.version,
    recipe: {},
    source: { wiki: 'http://127.0.0.1/w/api.php', siteName: 'test', generator: 'test', uploadBase: 'http://127.0.0.1/images/', articleUrl: 'http://127.0.0.1/wiki/$1' },
    snapshot: { builtAt: '2026-01-01T00:00:00Z', maxRevisionId: 1, maxLogId: 1, dumpRun: '' },
    parent,
    files,
    volumes: [{ infoHash: volume, prefix: '', pieceLength: PIECE_LENGTH, pieces, size: files.length, files: files.length, torrent: `${volume}.torrent`, portable: true }],
    volumeLayout: [''],
    changes: { added: files.map((f) => f.title), removed: [], changed: [], renamed: [], pagesUpdated: [] },
    skipped: [],
    pages: { file: 'pages.xml.gz', sha256: '0'.repeat(64), size: 0, count: 0 },
    totals: { files: files.length, bytes: files.length },
  };
  return {
    set,
    record: {
      setId: o.setId, version: o.version, manifestSha256: '0'.repeat(64), publishedAt: 0, builtAt: '2026-01-01T00:00:00Z', metadataInfoHash,
      pointer: makePointer(key, o.setId, o.version, metadataInfoHash), volumes: [volume], totals: { files: files.length, bytes: files.length },
      changes: { added: files.length, removed: 0, changed: 0, renamed: 0, pagesUpdated: 0 }, parent,
    },
    manifestText: serializeManifest(manifest), signatureText: '', pagesGz: new Uint8Array(0), metadataTorrent: new Uint8Array(1),
    volumes: [{ infoHash: volume, prefix: '', size: files.length, files: files.length, pieceLength: PIECE_LENGTH, pieces, torrent: real?.torrent ?? new Uint8Array(1) }],
    files: files.map((f) => ({ sha1: f.sha1, setId: o.setId, version: o.version, title: f.title, path: f.path, size: f.size, volume })),
  };
}
