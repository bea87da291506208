/**
 * Synthetic set versions for the catalogue benchmark, built straight into the store's
 * `NewVersion` shape (what the publish path hands `putVersion` after its checks) without
 * touching HTTP or the disk: canonical, signed manifests with Commons-like titles, paths,
 * sizes and SHA-1s; volume torrents that parse strictly (BEP 47 per-file SHA-1s, random piece
 * digests: no media bytes exist); a real metadata torrent over the manifest, signature and a
 * MediaWiki-export pages.xml.gz; a signed pointer. Deterministic for a given set index.
 */
import { prng } from '../../shared/prng.ts';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import bencode from 'bencode';
import { sha256Hex } from '../../shared/canonical-json.ts';
import { commonsPath, fileNameFromTitle } from '../../shared/commons-path.ts';
import { canonicalJson } from '../../shared/canonical-json.ts';
import { serializeManifest, MANIFEST_FORMAT, type Manifest, type ManifestFile, type ManifestVolume } from '../../shared/formats/manifest.ts';
import { makePointer } from '../../shared/formats/pointer.ts';
import { rawPublicKey, signBytes, type SetKey } from '../../shared/signing.ts';
import type { NewVersion } from '../../services/tracker-web/store/catalogue-store.ts';

const MIB = 1024 * 1024;
const METADATA_PIECE_LENGTH = 256 * 1024;
const UPLOAD_BASE = 'https://upload.wikimedia.org/wikipedia/';
/** Share of a set's files that are the very same files of the previous set (overlapping selections). */
const SHARED_WITH_PREVIOUS = 0.05;

// The same seeded PRNG (mulberry32) the test images use: the same set index always gives the same set.
export { prng };

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pad = (n: number, w: number) => String(n).padStart(w, '0');

const PLACES = [
  'Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes', 'Strasbourg', 'Montpellier', 'Bordeaux', 'Lille', 'Rennes', 'Reims', 'Le Havre',
  'Saint-Étienne', 'Toulon', 'Grenoble', 'Dijon', 'Angers', 'Nîmes', 'Besançon', 'Orléans', 'Rouen', 'Caen', 'Nancy', 'Metz', 'Avignon',
  'Berlin', 'München', 'Köln', 'Düsseldorf', 'Zürich', 'Genève', 'Wien', 'Kraków', 'Łódź', 'Praha', 'Brno', 'København', 'Malmö',
  'Göteborg', 'Reykjavík', 'Helsinki', 'Tallinn', 'Rīga', 'Vilnius', 'Lisboa', 'Porto', 'Sevilla', 'Córdoba', 'Málaga', 'Zaragoza',
  'Barcelona', 'Valencia', 'Bilbao', 'Roma', 'Milano', 'Napoli', 'Torino', 'Firenze', 'Bologna', 'Venezia', 'Palermo', 'Genova',
  'Athina', 'Thessaloniki', 'İstanbul', 'Ankara', 'Tbilisi', 'Yerevan', 'Kyiv', 'Lviv', 'Odesa', 'Bucureşti', 'Cluj-Napoca', 'Sofia',
  'Beograd', 'Zagreb', 'Ljubljana', 'Sarajevo', 'Budapest', 'Bratislava', 'Dublin', 'Edinburgh', 'Glasgow', 'Cardiff', 'London',
  'Manchester', 'Amsterdam', 'Rotterdam', 'Utrecht', 'Antwerpen', 'Gent', 'Bruxelles', 'Liège', 'Luxembourg', 'Québec', 'Montréal',
  'Toronto', 'Vancouver', 'New York City', 'Chicago', 'San Francisco', 'Ciudad de México', 'Oaxaca', 'São Paulo', 'Rio de Janeiro',
  'Buenos Aires', 'Santiago', 'Lima', 'Bogotá', 'Quito', 'Dakar', 'Lagos', 'Nairobi', 'Addis Ababa', 'Cairo', 'Tunis', 'Marrakech',
  'Tōkyō', 'Kyōto', 'Ōsaka', 'Seoul', 'Busan', 'Taipei', 'Hà Nội', 'Bangkok', 'Mumbai', 'Kolkata', 'Chennai', 'Sydney', 'Melbourne',
  'Auckland', 'Wellington',
] as const;

interface Topic {
  slug: string;
  category: (place: string) => string;
  title: (place: string) => string;
  tags: string[];
  subjects: string[];
}

const TOPICS: Topic[] = [
  { slug: 'churches', category: (p) => `Churches in ${p}`, title: (p) => `Churches of ${p}`, tags: ['architecture', 'religion'], subjects: ['Nave', 'Choir', 'West façade', 'Portal', 'Stained glass window', 'Organ', 'Bell tower', 'Crypt', 'Altar', 'Cloister'] },
  { slug: 'bridges', category: (p) => `Bridges in ${p}`, title: (p) => `Bridges of ${p}`, tags: ['architecture', 'infrastructure'], subjects: ['Bridge at dusk', 'Pont from the river bank', 'Footbridge', 'Arch detail', 'Railway viaduct', 'Bridge pier'] },
  { slug: 'trams', category: (p) => `Trams in ${p}`, title: (p) => `Trams in ${p}`, tags: ['transport', 'rail'], subjects: ['Tram line 1', 'Tram line 2', 'Tram depot', 'Tram stop', 'Low-floor tram', 'Historic tram'] },
  { slug: 'markets', category: (p) => `Markets in ${p}`, title: (p) => `Markets of ${p}`, tags: ['city', 'food'], subjects: ['Market hall', 'Flower market', 'Fish stall', 'Vegetable stand', 'Christmas market', 'Flea market'] },
  { slug: 'street-art', category: (p) => `Street art in ${p}`, title: (p) => `Street art in ${p}`, tags: ['art', 'city'], subjects: ['Mural', 'Graffiti', 'Stencil', 'Mosaic', 'Paste-up'] },
  { slug: 'parks', category: (p) => `Parks in ${p}`, title: (p) => `Parks and gardens of ${p}`, tags: ['nature', 'city'], subjects: ['Fountain', 'Alley of plane trees', 'Rose garden', 'Pond', 'Bandstand', 'Greenhouse'] },
  { slug: 'birds', category: (p) => `Birds of ${p}`, title: (p) => `Birds of ${p}`, tags: ['nature', 'animals', 'birds'], subjects: ['Parus major', 'Erithacus rubecula', 'Turdus merula', 'Columba livia', 'Passer domesticus', 'Larus michahellis', 'Ardea cinerea'] },
  { slug: 'maps', category: (p) => `Maps of ${p}`, title: (p) => `Old maps of ${p}`, tags: ['maps', 'history'], subjects: ['Plan', 'Cadastral map', 'Map of the fortifications', 'Bird\'s-eye view', 'Street map'] },
  { slug: 'museums', category: (p) => `Museums in ${p}`, title: (p) => `Museum collections of ${p}`, tags: ['art', 'museums'], subjects: ['Painting', 'Sculpture', 'Amphora', 'Coin', 'Tapestry', 'Manuscript page'] },
  { slug: 'railway-stations', category: (p) => `Railway stations in ${p}`, title: (p) => `Railway stations of ${p}`, tags: ['transport', 'rail', 'architecture'], subjects: ['Concourse', 'Platform 3', 'Departure board', 'Station clock', 'Train shed'] },
];

interface MediaKind {
  ext: string;
  mime: string;
  weight: number;
  /** Log-uniform size range, bytes. */
  min: number;
  max: number;
}

const MEDIA: MediaKind[] = [
  { ext: 'jpg', mime: 'image/jpeg', weight: 70, min: 400_000, max: 12_000_000 },
  { ext: 'JPG', mime: 'image/jpeg', weight: 8, min: 1_000_000, max: 9_000_000 },
  { ext: 'png', mime: 'image/png', weight: 8, min: 50_000, max: 6_000_000 },
  { ext: 'svg', mime: 'image/svg+xml', weight: 5, min: 5_000, max: 400_000 },
  { ext: 'tif', mime: 'image/tiff', weight: 3, min: 10_000_000, max: 90_000_000 },
  { ext: 'pdf', mime: 'application/pdf', weight: 2, min: 300_000, max: 40_000_000 },
  { ext: 'ogg', mime: 'application/ogg', weight: 2, min: 500_000, max: 15_000_000 },
  { ext: 'webm', mime: 'video/webm', weight: 2, min: 3_000_000, max: 250_000_000 },
];
const MEDIA_WEIGHT = MEDIA.reduce((n, m) => n + m.weight, 0);
const LICENSES = ['cc-by-sa-4.0', 'cc-by-sa-3.0', 'cc-by-4.0', 'cc0', 'pd-old-70', null] as const;
const AUTHORS = ['Jean Dupont', 'Marie Curie-Martin', 'Åsa Lindqvist', 'Zbigniew Nowak', 'Chiara Rossi', 'Ahmed Benali', 'Yuki Tanaka', 'Seedbank Fixtures', null] as const;
const CAMERAS = ['DSC', 'IMG', 'P', 'DSCF', 'PXL'] as const;

function mediaKind(r: () => number): MediaKind {
  let x = r() * MEDIA_WEIGHT;
  for (const m of MEDIA) if ((x -= m.weight) < 0) return m;
  return MEDIA[0]!;
}

/** Volume rule leaves for k volumes (prefix bits of the MD5 of the file name). */
function layoutFor(k: number): string[] {
  const leaves: Record<number, string[]> = {
    2: ['0', '1'],
    3: ['0', '10', '11'],
    4: ['00', '01', '10', '11'],
    5: ['00', '01', '10', '110', '111'],
    6: ['00', '010', '011', '10', '110', '111'],
  };
  return leaves[k]!;
}

function md5Bits(name: string, bits: number): string {
  const d = createHash('md5').update(name, 'utf8').digest();
  let out = '';
  for (let i = 0; i < bits; i++) out += (d[i >> 3]! >> (7 - (i & 7))) & 1;
  return out;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** pages.xml.gz: one short description page per file in MediaWiki's export format, sorted by title. */
function pagesArchive(files: ManifestFile[]): Buffer {
  const parts = [
    '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">\n',
    '  <siteinfo><sitename>Wikimedia Commons</sitename><dbname>commonswiki</dbname><base>https://commons.wikimedia.org/wiki/Main_Page</base><generator>MediaWiki 1.45.0-wmf.5</generator><case>first-letter</case></siteinfo>\n',
  ];
  for (const f of files) {
    const text = [
      '=={{int:filedesc}}==',
      `{{Information |description={{en|1=${f.title.slice(5).replace(/\.[^.]+$/, '')}}} |date=${f.uploadTimestamp.slice(0, 10)} |source={{own}} |author=${f.author ? `[[User:${f.author}|${f.author}]]` : '{{unknown|author}}'} }}`,
      f.coordinates ? `{{Location|${f.coordinates.lat}|${f.coordinates.lon}}}` : '',
      '=={{int:license-header}}==',
      `{{self|${f.license ?? 'PD-old'}}}`,
      ...f.categories.map((c) => `[[Category:${c}]]`),
    ].join('\n');
    parts.push(
      `  <page><title>${xmlEscape(f.title)}</title><ns>6</ns><id>${f.pageId}</id><revision><id>${f.revisionId}</id><timestamp>${f.uploadTimestamp}</timestamp>` +
        `<contributor><username>${xmlEscape(f.author ?? 'Anonymous')}</username></contributor><model>wikitext</model><format>text/x-wiki</format>` +
        `<text bytes="${Buffer.byteLength(text)}" xml:space="preserve">${xmlEscape(text)}</text></revision></page>\n`,
    );
  }
  parts.push('</mediawiki>\n');
  return gzipSync(Buffer.from(parts.join(''), 'utf8'), { level: 6 });
}

/** A multi-file volume torrent in the builder's layout; random digests stand in for the pieces. */
function volumeTorrent(files: ManifestFile[], pieceLength: number, r: () => number): { torrent: Buffer; infoHash: string; pieces: number; size: number } {
  const size = files.reduce((n, f) => n + f.size, 0);
  const pieces = Math.ceil(size / pieceLength);
  const digests = Buffer.allocUnsafe(pieces * 20);
  for (let i = 0; i < digests.length; i += 4) digests.writeUInt32LE(Math.floor(r() * 4294967296), i);
  const info = {
    files: files.map((f) => ({ length: f.size, path: f.path.split('/').map((s) => Buffer.from(s, 'utf8')), sha1: Buffer.from(f.sha1, 'hex') })),
    name: Buffer.from('commons', 'utf8'),
    'piece length': pieceLength,
    pieces: digests,
  };
  const infoHash = createHash('sha1').update(bencode.encode(info)).digest('hex');
  const torrent = Buffer.from(bencode.encode({ 'created by': 'seedbank', info, 'url-list': [UPLOAD_BASE] }));
  return { torrent, infoHash, pieces, size };
}

/** The metadata torrent over manifest.json, manifest.sig and pages.xml.gz, with real piece hashes. */
function metadataTorrent(setId: string, version: number, parts: Array<[string, Buffer]>, builtAt: Date): { torrent: Buffer; infoHash: string } {
  const all = Buffer.concat(parts.map(([, b]) => b));
  const digests: Buffer[] = [];
  for (let at = 0; at < all.length; at += METADATA_PIECE_LENGTH) digests.push(createHash('sha1').update(all.subarray(at, at + METADATA_PIECE_LENGTH)).digest());
  const info = {
    files: parts.map(([name, b]) => ({ length: b.length, path: [Buffer.from(name, 'utf8')] })),
    name: Buffer.from(`${setId}-v${version}`, 'utf8'),
    'piece length': METADATA_PIECE_LENGTH,
    pieces: Buffer.concat(digests),
  };
  const infoHash = createHash('sha1').update(bencode.encode(info)).digest('hex');
  const torrent = Buffer.from(bencode.encode({ 'created by': 'seedbank', 'creation date': Math.floor(builtAt.getTime() / 1000), encoding: 'UTF-8', info, 'url-list': [] }));
  return { torrent, infoHash };
}

/** The identity of set number `i` (id, title, topic, place), unique for i below topics × places × 10. */
export function setIdentity(i: number): { id: string; title: string; topic: Topic; place: string } {
  const topic = TOPICS[i % TOPICS.length]!;
  const place = PLACES[Math.floor(i / TOPICS.length) % PLACES.length]!;
  const round = Math.floor(i / (TOPICS.length * PLACES.length));
  const placeSlug = place
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[łŁ]/g, 'l')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const id = `${topic.slug}-${placeSlug}${round ? `-${round + 1}` : ''}`;
  return { id, title: `${topic.title(place)}${round ? ` (${round + 1})` : ''}`, topic, place };
}

type BaseFile = Omit<ManifestFile, 'volume'>;

const sharedCount = (i: number, count: number) => (i > 0 ? Math.floor(count * SHARED_WITH_PREVIOUS) : 0);
let ownMemo: { i: number; count: number; files: BaseFile[] } | null = null;

/** The files only set `i` has (its count less the ones it shares with set `i-1`). */
function ownFiles(i: number, count: number): BaseFile[] {
  if (ownMemo && ownMemo.i === i && ownMemo.count === count) return ownMemo.files;
  const { topic, place } = setIdentity(i);
  const r = prng(0x5eed0000 + i);
  const out: BaseFile[] = [];
  const seen = new Set<string>();
  const want = count - sharedCount(i, count);
  for (let j = 0; out.length < want; j++) {
    const m = mediaKind(r);
    const year = int(r, 2004, 2025);
    const date = `${year}-${pad(int(r, 1, 12), 2)}-${pad(int(r, 1, 28), 2)}`;
    let stem: string;
    const style = r();
    if (style < 0.15) stem = `${pick(r, CAMERAS)} ${pad((i * 7919 + j) % 100_000, 5)} ${place}`; // adjacent sets never collide
    else if (style < 0.3) stem = `${place} - ${pick(r, topic.subjects)} - ${date} (${j})`;
    else if (topic.slug === 'birds') stem = `${pick(r, topic.subjects)} ${place} ${date} ${pad(j, 4)}`;
    else stem = `${pick(r, topic.subjects)}, ${topic.category(place)}, ${date} ${pad(j, 4)}`;
    const title = `File:${stem}.${m.ext}`;
    if (seen.has(title)) continue;
    seen.add(title);
    const size = Math.round(Math.exp(Math.log(m.min) + r() * (Math.log(m.max) - Math.log(m.min))));
    const pageId = 10_000_000 + i * 100_000 + j;
    const withCoords = m.mime.startsWith('image/') && r() < 0.6;
    out.push({
      title,
      path: commonsPath(fileNameFromTitle(title)),
      size,
      sha1: createHash('sha1').update(`seedbank-bench/${i}/${j}`).digest('hex'),
      mime: m.mime,
      uploadTimestamp: `${date}T${pad(int(r, 0, 23), 2)}:${pad(int(r, 0, 59), 2)}:${pad(int(r, 0, 59), 2)}Z`,
      pageId,
      revisionId: 100_000_000 + pageId * 3,
      license: pick(r, LICENSES),
      author: pick(r, AUTHORS),
      categories: r() < 0.5 ? [topic.category(place)] : [topic.category(place), `${pick(r, topic.subjects)} in ${place}`, `Photographs taken on ${date}`],
      coordinates: withCoords ? { lat: Math.round((r() * 140 - 60) * 1e6) / 1e6, lon: Math.round((r() * 360 - 180) * 1e6) / 1e6 } : null,
    });
  }
  ownMemo = { i, count, files: out };
  return out;
}

/**
 * The files of set `i` (without volumes), sorted by title: its own files plus 5% picked from
 * set `i-1`'s own files (the same titles, bytes and paths: overlapping selections).
 */
export function setFiles(i: number, count: number): BaseFile[] {
  const shared = sharedCount(i, count);
  const out: BaseFile[] = [];
  if (shared > 0) {
    const previous = ownFiles(i - 1, count);
    const rs = prng(0xabc00000 + i);
    const taken = new Set<number>();
    while (taken.size < shared) taken.add(Math.floor(rs() * previous.length));
    for (const k of taken) out.push(previous[k]!);
  }
  out.push(...ownFiles(i, count));
  return out.sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
}

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
