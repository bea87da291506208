/**
 * The metadata torrents of the versions a seeder follows, kept in
 * STORAGE/.seedbank/metadata/<set>-v<N>/ and seeded, so other seeders can fetch a new version's
 * metadata from peers when the catalogue is down. A whole version (/1, /2) keeps all of it
 * (manifest, signature, pages.xml.gz). A split version (/3) keeps only the signed top
 * manifest, its signature, changes.ndjson and the lists of the volumes this seeder hosts: the
 * torrent is added with nothing selected, and only the files wanted are fetched, so a seeder
 * hosting one volume of a million-file set never downloads the other lists or the pages. The
 * builder pads the torrent (BEP 47, shared/torrent/metadata-layout.ts) so every part starts a
 * piece: this host writes the pads' zeros itself before the torrent client sees them
 * (webtorrent knows nothing of pads and would fetch them), and then holds whole pieces of the
 * parts it fetched. Over the peer wire it also marks the whole 16 KiB blocks of each pad as
 * received zeros (presetZeroTail), so only the part's own blocks of that piece are requested. A version published before pads shares pieces between parts: for those
 * the neighbours' bytes in the edge pieces are fetched by range (edge-pieces.ts). A manifest
 * is only used once its signature holds for the set's pinned key, and a list only once its
 * SHA-256 matches the signed top manifest.
 */
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import parseTorrent from 'parse-torrent';
import { SeedbankError } from '../../../shared/errors.ts';
import { checkManifestSignature } from '../../../shared/formats/signature.ts';
import { CHANGES_FILE, checkPartFile, splitPartNames, type PartRef } from '../../../shared/formats/split-manifest.ts';
import { versionManifestOf, type VersionManifest } from '../../../shared/formats/version-manifest.ts';
import { writeFileAtomic } from '../../../shared/fs/index.ts';
import bencode from 'bencode';
import { padNameLength } from '../../../shared/torrent/metadata-layout.ts';
import { presetZeroTail, type WTClient, type WTTorrent } from '../webtorrent-api.ts';
import { completeEdgePieces, type EdgeOutcome, type RangeFetch } from './edge-pieces.ts';

/** The files a whole (/1, /2) version's metadata torrent carries, and nothing else. */
export const WHOLE_METADATA_FILES = ['manifest.json', 'manifest.sig', 'pages.xml.gz'] as const;
/** What a seeder of a split (/3) version fetches first: the signed top manifest, its signature and the change lists. */
export const SPLIT_TOP_FILES = ['manifest.json', 'manifest.sig', CHANGES_FILE] as const;
/** The other files a split version's metadata torrent may carry: per-volume lists and pages. */
const SPLIT_PART_NAME = /^(?:lists\/[0-9a-f]{40}\.ndjson|pages\/[0-9a-f]{40}\.xml\.gz)$/;
/** How long a metadata torrent may take to check or download. */
export const METADATA_TIMEOUT_MS = 60_000;

/** Which layout a version's metadata has. */
export type MetadataKind = 'whole' | 'split';

interface ParsedMeta {
  infoHash: string;
  name: string;
  files: Array<{ path: string; name: string; length: number; offset: number }>;
  pieceLength: number;
  /** SHA-1 of each piece, hex. */
  pieces: string[];
}

async function parseMeta(bytes: Uint8Array): Promise<ParsedMeta> {
  return (await parseTorrent(Buffer.from(bytes))) as unknown as ParsedMeta;
}

/** A file's name inside the version folder (the torrent's name stripped). */
function relName(torrentPath: string): string {
  return torrentPath.split(/[\\/]/).slice(1).join('/');
}

/** Whether each file of a torrent is marked a BEP 47 pad (`attr` holds "p"); parse-torrent drops `attr`. */
function padAttrs(bytes: Uint8Array): boolean[] {
  const root = bencode.decode(Buffer.from(bytes)) as { info?: { files?: Array<{ attr?: Uint8Array }> } };
  return (root.info?.files ?? []).map((f) => f.attr instanceof Uint8Array && f.attr.includes(0x70 /* p */));
}

/** A metadata torrent's files without its BEP 47 pads, by their names in the version folder. */
function partNames(t: ParsedMeta): string[] {
  return t.files.map((f) => relName(f.path)).filter((n) => padNameLength(n) === null);
}

function refused(message: string): SeedbankError {
  return new SeedbankError('METADATA_REFUSED', message, { hint: 'the catalogue or a peer served metadata that does not match the signed pointer' });
}

/** Hosts the metadata of followed versions. */
export class MetadataHost {
  /** Info hash of each saved metadata torrent by version folder (partsAbsent asks each poll). */
  private readonly infoHashes = new Map<string, string>();

  constructor(private readonly client: WTClient, readonly root: string) {}

  /** The folder of one version's metadata. */
  folder(setId: string, version: number): string {
    return path.join(this.root, `${setId}-v${version}`);
  }

  private torrentFile(setId: string, version: number): string {
    return `${this.folder(setId, version)}.torrent`;
  }

  /**
   * Checks that a metadata torrent is the one the pointer names and holds only metadata files:
   * the three of a whole version, or a split version's top files plus lists and pages (whether
   * those are exactly the signed manifest's is checked by {@link verifiedManifest}).
   */
  async check(bytes: Uint8Array, setId: string, version: number, infoHash: string): Promise<MetadataKind> {
    const t = await parseMeta(bytes);
    if (t.infoHash !== infoHash) throw refused(`metadata torrent of ${setId} v${version} has info hash ${t.infoHash}, the pointer says ${infoHash}`);
    if (t.name !== `${setId}-v${version}`) throw refused(`metadata torrent of ${setId} v${version} is named ${JSON.stringify(t.name)}`);
    // Anything under .pad/ must be a BEP 47 pad (attr "p") of the length its name says: this host writes those zeros itself.
    const attrs = padAttrs(bytes);
    const badPad = t.files.find((f, i) => (padNameLength(relName(f.path)) !== null || attrs[i]) && (!attrs[i] || padNameLength(relName(f.path)) !== f.length));
    if (badPad) throw refused(`metadata torrent of ${setId} v${version} has a file ${JSON.stringify(relName(badPad.path))} of ${badPad.length} bytes that is not a pad of .pad/<its length>`);
    const names = partNames(t);
    if ([...names].sort().join(',') === [...WHOLE_METADATA_FILES].sort().join(',')) return 'whole';
    const odd = names.filter((n) => !(SPLIT_TOP_FILES as readonly string[]).includes(n) && !SPLIT_PART_NAME.test(n));
    const lacking = SPLIT_TOP_FILES.filter((n) => !names.includes(n));
    if (odd.length > 0 || lacking.length > 0 || new Set(names).size !== names.length) {
      throw refused(`metadata torrent of ${setId} v${version} holds ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}: neither a whole nor a split version's metadata`);
    }
    return 'split';
  }

  /** Keeps a checked metadata torrent beside the version's folder (what hosting, resuming and checking read). */
  async saveTorrent(bytes: Uint8Array, setId: string, version: number): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await writeFileAtomic(this.torrentFile(setId, version), bytes);
    this.infoHashes.delete(this.folder(setId, version));
  }

  /** Writes metadata files fetched over HTTP, by their names in the version folder (checked by the caller or by the torrent's piece hashes). */
  async writeFiles(setId: string, version: number, files: Record<string, Uint8Array>): Promise<void> {
    const dir = this.folder(setId, version);
    for (const [name, bytes] of Object.entries(files)) await writeFileAtomic(path.join(dir, ...name.split('/')), bytes, { mkdir: true });
  }

  /**
   * Seeds the saved metadata torrent with what is on disk, and downloads from peers the files
   * named in `fetch` (only those: the torrent starts with nothing selected); resolves once
   * every one of them is complete. A torrent already in the client is added again, so files
   * written since (over HTTP) are verified and offered.
   */
  async host(setId: string, version: number, fetch: readonly string[] = [], timeoutMs = METADATA_TIMEOUT_MS): Promise<void> {
    const bytes = await readFile(this.torrentFile(setId, version));
    const t = await this.addTorrent(bytes, true);
    const wanted = t.files.filter((f) => fetch.includes(relName(f.path)) && !f.done);
    if (wanted.length === 0) return;
    await new Promise<void>((resolve, reject) => {
      let left = wanted.length;
      const timer = setTimeout(() => {
        const missing = wanted.filter((f) => !f.done).map((f) => relName(f.path));
        reject(new SeedbankError('METADATA_TIMEOUT', `metadata of ${setId} v${version} not complete after ${timeoutMs} ms: ${missing.join(', ')} missing (${t.numPeers} peers)`));
      }, timeoutMs);
      for (const f of wanted) {
        f.once('done', () => {
          if (--left > 0) return;
          clearTimeout(timer);
          resolve();
        });
        f.select();
      }
    });
  }

  /** Seeds again the metadata of a version hosted before a restart (fetching nothing). */
  async resume(setId: string, version: number): Promise<boolean> {
    const bytes = await readFile(this.torrentFile(setId, version)).catch(() => null);
    if (!bytes) return false;
    await this.addTorrent(bytes, false);
    return true;
  }

  /**
   * The version's manifest (whole or split), once its signature holds for `publicKey` and it
   * says what it should; for a split version, also once the saved metadata torrent carries
   * exactly its parts. A split version's lists are read from this folder as they are asked
   * for, and checked against the top manifest then.
   */
  async verifiedManifest(setId: string, version: number, publicKey: string): Promise<VersionManifest> {
    const dir = this.folder(setId, version);
    const text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
    const problem = checkManifestSignature(text, await readFile(path.join(dir, 'manifest.sig'), 'utf8'), publicKey);
    if (problem) throw refused(`manifest of ${setId} v${version} refused: ${problem}`);
    const m = versionManifestOf(text, dir, `${setId} v${version}`);
    const { head } = m;
    if (head.set.id !== setId || head.version !== version || head.set.publicKey !== publicKey) throw refused(`manifest in ${dir} is ${head.set.id} v${head.version}, expected ${setId} v${version}`);
    if (m.split) {
      const torrent = await parseMeta(await readFile(this.torrentFile(setId, version)));
      const names = partNames(torrent).sort();
      const expected = ['manifest.json', 'manifest.sig', ...splitPartNames(m.split)].sort();
      if (names.join(',') !== expected.join(',')) throw refused(`metadata torrent of ${setId} v${version} does not carry exactly the parts its signed manifest names`);
      const changes = await checkPartFile(dir, m.split.changes.list);
      if (changes) throw refused(`${setId} v${version}: ${changes}`);
    }
    return m;
  }

  /** The parts among `refs` that are not on disk with the SHA-256 and size the signed manifest gives. */
  async partsMissing(setId: string, version: number, refs: readonly PartRef[]): Promise<PartRef[]> {
    const dir = this.folder(setId, version);
    const missing: PartRef[] = [];
    for (const ref of refs) if (await checkPartFile(dir, ref)) missing.push(ref);
    return missing;
  }

  /**
   * The parts among `refs` this seeder does not hold whole and seed: a cheap look each poll at
   * the torrent client's word (every piece of the file verified). A file's size says nothing: a
   * neighbour of a fetched part holds only the bytes of the pieces they share (edge-pieces.ts).
   * Without the torrent in the client, each file is hashed.
   */
  async partsAbsent(setId: string, version: number, refs: readonly PartRef[]): Promise<PartRef[]> {
    const ih = await this.savedInfoHash(setId, version);
    const t = ih ? await this.client.get(ih) : null;
    if (!t?.ready) return this.partsMissing(setId, version, refs);
    const done = new Set(t.files.filter((f) => f.done).map((f) => relName(f.path)));
    return refs.filter((ref) => !done.has(ref.file));
  }

  /**
   * Completes the pieces at the edges of `held` (parts on disk, checked whole) with their
   * neighbours' bytes from `fetch`, each piece checked against the saved torrent's hash, so
   * that {@link host} can seed every piece of the parts this seeder holds. Fetches nothing for
   * a padded torrent (every part starts a piece): only versions published before pads need it.
   */
  async completeEdges(setId: string, version: number, held: readonly string[], fetch: RangeFetch): Promise<EdgeOutcome> {
    const t = await parseMeta(await readFile(this.torrentFile(setId, version)));
    const layout = { pieceLength: t.pieceLength, pieces: t.pieces, files: t.files.map((f) => ({ name: relName(f.path), offset: f.offset, length: f.length })) };
    // Pads are held too (this host writes their zeros): in a padded torrent no piece then holds another part's bytes, and nothing is fetched.
    const pads = await this.writePads(t);
    return completeEdgePieces(this.folder(setId, version), layout, held, fetch, pads);
  }

  private async savedInfoHash(setId: string, version: number): Promise<string | null> {
    const key = this.folder(setId, version);
    const known = this.infoHashes.get(key);
    if (known) return known;
    const saved = await readFile(this.torrentFile(setId, version)).catch(() => null);
    if (!saved) return null;
    const ih = (await parseMeta(saved)).infoHash;
    this.infoHashes.set(key, ih);
    return ih;
  }

  /**
   * Writes the torrent's BEP 47 pad files as zeros (sparse) where they are missing or of
   * another length, so the pieces they share with a part verify without fetching them, and
   * its empty files (an unchanged version's changes.ndjson): webtorrent makes neither, and an
   * empty file on a piece boundary lies in no piece, so no download would ever write it.
   * Returns the pads' names. {@link check} made sure anything under .pad/ is a pad.
   */
  private async writePads(t: ParsedMeta): Promise<string[]> {
    const dir = path.join(this.root, t.name);
    const pads = [...new Set(t.files.map((f) => relName(f.path)).filter((n) => padNameLength(n) !== null))];
    const empty = t.files.filter((f) => f.length === 0).map((f) => relName(f.path));
    for (const name of [...pads, ...empty]) {
      const file = path.join(dir, ...name.split('/'));
      const length = padNameLength(name) ?? 0;
      if ((await stat(file).catch(() => null))?.size === length) continue;
      await mkdir(path.dirname(file), { recursive: true });
      const fh = await open(file, 'w');
      try {
        await fh.truncate(length);
      } finally {
        await fh.close();
      }
    }
    return pads;
  }

  /** Deletes a part that failed its check (a list from peers that does not match the signed manifest). */
  async removePart(setId: string, version: number, name: string): Promise<void> {
    await rm(path.join(this.folder(setId, version), ...name.split('/')), { force: true });
  }

  /** Stops seeding a version's metadata and deletes it. */
  async drop(setId: string, version: number): Promise<void> {
    const saved = await readFile(this.torrentFile(setId, version)).catch(() => null);
    if (saved) {
      const t = await this.client.get((await parseMeta(saved)).infoHash);
      if (t) await destroyTorrent(t);
    }
    await rm(this.folder(setId, version), { recursive: true, force: true });
    await rm(this.torrentFile(setId, version), { force: true });
    this.infoHashes.delete(this.folder(setId, version));
  }

  /**
   * Adds a metadata torrent with nothing selected (only files asked for are fetched; what is
   * on disk is verified and seeded). `again`: a torrent already in the client is dropped and
   * added back so files written since are verified.
   */
  private async addTorrent(bytes: Uint8Array, again: boolean): Promise<WTTorrent> {
    const ih = (await parseMeta(bytes)).infoHash;
    const known = await this.client.get(ih);
    if (known && known.torrentFile && !again) return known;
    if (known) await destroyTorrent(known);
    const meta = await parseMeta(bytes);
    await this.writePads(meta);
    const t = this.client.add(bytes, { path: this.root, deselect: true });
    await new Promise<void>((resolve, reject) => {
      if (t.ready) return resolve();
      t.once('ready', () => resolve());
      t.once('error', (err) => reject(err instanceof Error ? err : new Error(err)));
    });
    presetPadBlocks(t, meta);
    return t;
  }
}

/**
 * Marks, in each missing piece a pad ends (a pad runs from a part's end to the next piece
 * boundary), the pad's whole blocks as received zeros: webtorrent then requests only the
 * part's blocks of that piece, as a client that knows BEP 47 does. Before the torrent's files
 * are selected, so no block is in flight. Returns the bytes no peer will be asked for.
 */
function presetPadBlocks(t: WTTorrent, meta: ParsedMeta): number {
  let preset = 0;
  for (const f of meta.files) {
    if (f.length === 0 || padNameLength(relName(f.path)) === null) continue;
    const index = Math.floor(f.offset / meta.pieceLength);
    const from = f.offset - index * meta.pieceLength;
    // A pad that does not end its piece (none a builder writes: check() let it through, the catalogue refuses it) is fetched like any byte.
    if (f.offset + f.length !== (index + 1) * meta.pieceLength) continue;
    preset += presetZeroTail(t, index, from);
  }
  return preset;
}

function destroyTorrent(t: WTTorrent): Promise<void> {
  return new Promise<void>((resolve) => t.destroy({ destroyStore: false }, () => resolve()));
}
