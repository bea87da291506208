/**
 * Synthetic set versions for the catalogue benchmark, built straight into the store's
 * `NewVersion` shape (what the publish path hands `putVersion` after its checks) without
 * touching HTTP or the disk: canonical, signed manifests with Commons-like titles, paths,
 * sizes and SHA-1s; volume torrents that parse strictly (BEP 47 per-file SHA-1s, random piece
 * digests: no media bytes exist); a real metadata torrent over the manifest, signature and a
 * MediaWiki-export pages.xml.gz; a signed pointer. Deterministic for a given set index.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../../shared/canonical-json.ts';
import { fileNameFromTitle } from '../../shared/commons-path.ts';
import { serializeManifest, MANIFEST_FORMAT, type Manifest, type ManifestFile, type ManifestVolume } from '../../shared/formats/manifest.ts';
import { makePointer } from '../../shared/formats/pointer.ts';
import { rawPublicKey, signBytes, type SetKey } from '../../shared/signing.ts';
import type { NewVersion } from '../../services/tracker-web/store/catalogue-store.ts';
import { pick, prng, setFiles, setIdentity } from './synthetic-files.ts';
import { layoutFor, md5Bits, metadataTorrent, pagesArchive, UPLOAD_BASE, volumeTorrent } from './synthetic-parts.ts';

const MIB = 1024 * 1024;

export { prng, setFiles, setIdentity } from './synthetic-files.ts';

/**
 * serializeManifest without sorting a million file objects' keys: the files are built with
 * their keys in order (coordinates lat < lon too), so JSON.stringify of the list is already
 * canonical; the rest goes through canonicalJson. `check` compares with serializeManifest.
 */
function fastSerialize(manifest: Manifest, check: boolean): string {
  const marker = '"files":[]';
  const rest = canonicalJson({ ...manifest, files: [] });
  if (rest.indexOf(marker) !== rest.lastIndexOf(marker)) throw new Error('fastSerialize: ambiguous marker');
  const text = `${rest.replace(marker, `"files":${JSON.stringify(manifest.files)}`)}\n`;
  if (check && text !== serializeManifest(manifest)) throw new Error('fastSerialize: not the canonical manifest bytes');
  return text;
}

/** A deterministic ed25519 key for set `i` (seed from its index). */
function setKey(i: number): SetKey {
  // PKCS#8 DER of an ed25519 private key is a fixed 16-byte prefix and the 32-byte seed.
  const seed = createHash('sha256').update(`seedbank-bench-key/${i}`).digest();
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyHex: rawPublicKey(publicKey).toString('hex') };
}

/** Everything the bench needs to know about a generated set afterwards. */
export interface GeneratedSet {
  id: string;
  files: number;
  volumes: string[];
  metadataInfoHash: string;
  /** A few SHA-1s of its files, for lookups. */
  sampleSha1s: string[];
  /** Pieces per volume, for the census observations. */
  volumePieces: number[];
}

/** Builds set `i`'s first version as the publish path would store it. */
export function buildVersion(i: number, filesPerSet: number, sampleSize: number): { version: NewVersion; summary: GeneratedSet } {
  const { id, title, topic, place } = setIdentity(i);
  const r = prng(0x70000000 + i);
  const key = setKey(i);
  const base = setFiles(i, filesPerSet);
  const k = 2 + (i % 5);
  const leaves = layoutFor(k);
  const depth = Math.max(...leaves.map((l) => l.length));
  const pieceLength = pick(r, [1 * MIB, 2 * MIB, 4 * MIB]);
  const byLeaf = new Map<string, Array<Omit<ManifestFile, 'volume'>>>(leaves.map((l) => [l, []]));
  for (const f of base) {
    const bits = md5Bits(fileNameFromTitle(f.title), depth);
    const leaf = leaves.find((l) => bits.startsWith(l))!;
    byLeaf.get(leaf)!.push(f);
  }
  const volumes: Array<ManifestVolume & { torrentBytes: Buffer }> = [];
  const volumeOf = new Map<string, string>();
  for (const leaf of leaves) {
    const vfiles = byLeaf.get(leaf)!.sort((a, b) => (a.path < b.path ? -1 : 1));
    if (vfiles.length === 0) continue;
    const t = volumeTorrent(vfiles as ManifestFile[], pieceLength, r);
    for (const f of vfiles) volumeOf.set(f.title, t.infoHash);
    volumes.push({ infoHash: t.infoHash, prefix: leaf, pieceLength, pieces: t.pieces, size: t.size, files: vfiles.length, torrent: `volumes/${t.infoHash}.torrent`, portable: true, torrentBytes: t.torrent });
  }
  // Keys in code-unit order, so plain JSON.stringify gives the canonical bytes (see fastSerialize).
  const files: ManifestFile[] = base.map((f) => ({
    author: f.author,
    categories: f.categories,
    coordinates: f.coordinates,
    license: f.license,
    mime: f.mime,
    pageId: f.pageId,
    path: f.path,
    revisionId: f.revisionId,
    sha1: f.sha1,
    size: f.size,
    title: f.title,
    uploadTimestamp: f.uploadTimestamp,
    volume: volumeOf.get(f.title)!,
  }));
  const builtAt = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000);
  const pagesGz = pagesArchive(files);
  const copyTarget = 2 + (i % 4);
  const region = i % 7 === 3 ? { bbox: { south: 48.846, west: 2.33, north: 48.864, east: 2.36 } } : undefined;
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    set: { id, title, description: `Media of ${place} from Wikimedia Commons (${topic.category(place)} and below).`, tags: topic.tags, copyTarget, publicKey: key.publicKeyHex },
    version: 1,
    recipe: {
      id,
      title,
      description: '',
      tags: topic.tags,
      wiki: 'https://commons.wikimedia.org/w/api.php',
      selection: { categories: [{ name: topic.category(place), depth: 1 + (i % 3) }], excludeCategories: i % 4 === 0 ? [`Maps of ${place}`] : [], mimeTypes: i % 3 === 0 ? ['image/*'] : [], ...(region ? { region } : {}) },
      volumeSizeLimit: 8_000_000_000,
      pieceLength,
      copyTarget,
    },
    source: { wiki: 'https://commons.wikimedia.org/w/api.php', siteName: 'Wikimedia Commons', generator: 'MediaWiki 1.45.0-wmf.5', uploadBase: UPLOAD_BASE, articleUrl: 'https://commons.wikimedia.org/wiki/$1' },
    snapshot: { builtAt: builtAt.toISOString(), maxRevisionId: 1_050_000_000 + i, maxLogId: 390_000_000 + i, dumpRun: '20260101' },
    parent: null,
    files,
    volumes: volumes.map(({ torrentBytes: _t, ...v }) => v),
    volumeLayout: leaves,
    changes: { added: files.map((f) => f.title), removed: [], changed: [], renamed: [], pagesUpdated: [] },
    skipped: [],
    pages: { file: 'pages.xml.gz', sha256: sha256Hex(pagesGz), size: pagesGz.length, count: files.length },
    totals: { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) },
  };
  const manifestText = fastSerialize(manifest, i === 0);
  const sha256 = sha256Hex(manifestText);
  const signature = { format: 'seedbank-signature/1', algorithm: 'ed25519', publicKey: key.publicKeyHex, manifestSha256: sha256, signature: signBytes(key, Buffer.from(manifestText, 'utf8')).toString('hex') };
  const signatureText = `${JSON.stringify(signature, null, 2)}\n`;
  const meta = metadataTorrent(id, 1, [
    ['manifest.json', Buffer.from(manifestText, 'utf8')],
    ['manifest.sig', Buffer.from(signatureText, 'utf8')],
    ['pages.xml.gz', pagesGz],
  ], builtAt);
  const pointer = makePointer(key, id, 1, meta.infoHash);
  const sampleSha1s: string[] = [];
  for (let s = 0; s < sampleSize; s++) sampleSha1s.push(files[Math.floor(r() * files.length)]!.sha1);
  const version: NewVersion = {
    set: { id, title, description: manifest.set.description, tags: manifest.set.tags, publicKey: key.publicKeyHex, copyTarget },
    record: {
      setId: id,
      version: 1,
      manifestSha256: sha256,
      publishedAt: 0,
      builtAt: manifest.snapshot.builtAt,
      metadataInfoHash: meta.infoHash,
      pointer,
      volumes: volumes.map((v) => v.infoHash),
      totals: manifest.totals,
      changes: { added: files.length, removed: 0, changed: 0, renamed: 0, pagesUpdated: 0 },
      parent: null,
    },
    manifestText,
    signatureText,
    pagesGz,
    metadataTorrent: meta.torrent,
    volumes: volumes.map((v) => ({ infoHash: v.infoHash, prefix: v.prefix, size: v.size, files: v.files, pieceLength: v.pieceLength, pieces: v.pieces, torrent: v.torrentBytes })),
    files: files.map((f) => ({ sha1: f.sha1, setId: id, version: 1, title: f.title, path: f.path, size: f.size, volume: f.volume, categories: f.categories })),
  };
  return {
    version,
    summary: { id, files: files.length, volumes: volumes.map((v) => v.infoHash), metadataInfoHash: meta.infoHash, sampleSha1s, volumePieces: volumes.map((v) => v.pieces) },
  };
}
