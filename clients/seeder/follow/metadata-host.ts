/**
 * The metadata torrents of the versions a seeder follows (manifest, signature, pages), kept in
 * STORAGE/.seedbank/metadata/<set>-v<N>/ and seeded, so other seeders can fetch a new version's
 * metadata from peers when the catalogue is down. A manifest is only used once its signature
 * holds for the set's pinned key.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import parseTorrent from 'parse-torrent';
import { SeedbankError } from '../../../shared/errors.ts';
import { parseManifest, type Manifest } from '../../../shared/formats/manifest.ts';
import { checkManifestSignature } from '../../../shared/formats/signature.ts';
import { writeFileAtomic } from '../../../shared/fs/index.ts';
import type { WTClient, WTTorrent } from '../webtorrent-api.ts';

/** The files a metadata torrent carries, and nothing else. */
export const METADATA_FILE_NAMES = ['manifest.json', 'manifest.sig', 'pages.xml.gz'] as const;
/** How long a metadata torrent may take to check or download. */
export const METADATA_TIMEOUT_MS = 60_000;

interface ParsedMeta {
  infoHash: string;
  name: string;
  files: Array<{ path: string; name: string }>;
}

async function parseMeta(bytes: Uint8Array): Promise<ParsedMeta> {
  return (await parseTorrent(Buffer.from(bytes))) as unknown as ParsedMeta;
}

function refused(message: string): SeedbankError {
  return new SeedbankError('METADATA_REFUSED', message, { hint: 'the catalogue or a peer served metadata that does not match the signed pointer' });
}

/** Hosts the metadata of followed versions. */
export class MetadataHost {
  constructor(private readonly client: WTClient, readonly root: string) {}

  /** The folder of one version's metadata. */
  folder(setId: string, version: number): string {
    return path.join(this.root, `${setId}-v${version}`);
  }

  /** Checks that a metadata torrent is the one the pointer names and holds only the three metadata files. */
  async check(bytes: Uint8Array, setId: string, version: number, infoHash: string): Promise<void> {
    const t = await parseMeta(bytes);
    if (t.infoHash !== infoHash) throw refused(`metadata torrent of ${setId} v${version} has info hash ${t.infoHash}, the pointer says ${infoHash}`);
    if (t.name !== `${setId}-v${version}`) throw refused(`metadata torrent of ${setId} v${version} is named ${JSON.stringify(t.name)}`);
    const names = t.files.map((f) => f.path.split(/[\\/]/).slice(1).join('/')).sort();
    if (names.join(',') !== [...METADATA_FILE_NAMES].sort().join(',')) throw refused(`metadata torrent of ${setId} v${version} holds ${names.join(', ')}`);
  }

  /** Writes metadata files fetched over HTTP (they are checked against the torrent when it is hosted). */
  async writeFiles(setId: string, version: number, files: Record<string, Uint8Array>): Promise<void> {
    const dir = this.folder(setId, version);
    await mkdir(dir, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
  }

  /** Seeds a checked metadata torrent, downloading what is not on disk from peers; resolves once complete. */
  async host(bytes: Uint8Array, setId: string, version: number, timeoutMs = METADATA_TIMEOUT_MS): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await writeFileAtomic(`${this.folder(setId, version)}.torrent`, bytes);
    const t = await this.torrentOf(bytes);
    if (t.done) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SeedbankError('METADATA_TIMEOUT', `metadata of ${setId} v${version} not complete after ${timeoutMs} ms`)), timeoutMs);
      t.once('done', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Seeds again the metadata of a version hosted before a restart. */
  async resume(setId: string, version: number): Promise<boolean> {
    const bytes = await readFile(`${this.folder(setId, version)}.torrent`).catch(() => null);
    if (!bytes) return false;
    await this.torrentOf(bytes);
    return true;
  }

  /** The version's manifest, once its signature holds for `publicKey` and it says what it should. */
  async verifiedManifest(setId: string, version: number, publicKey: string): Promise<Manifest> {
    const dir = this.folder(setId, version);
    const text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
    const problem = checkManifestSignature(text, await readFile(path.join(dir, 'manifest.sig'), 'utf8'), publicKey);
    if (problem) throw refused(`manifest of ${setId} v${version} refused: ${problem}`);
    const m = parseManifest(text, `${setId} v${version}`);
    if (m.set.id !== setId || m.version !== version || m.set.publicKey !== publicKey) throw refused(`manifest in ${dir} is ${m.set.id} v${m.version}, expected ${setId} v${version}`);
    return m;
  }

  /** Stops seeding a version's metadata and deletes it. */
  async drop(setId: string, version: number): Promise<void> {
    const saved = await readFile(`${this.folder(setId, version)}.torrent`).catch(() => null);
    if (saved) {
      const ih = (await parseMeta(saved)).infoHash;
      const t = await this.client.get(ih);
      if (t) await new Promise<void>((resolve) => t.destroy({ destroyStore: false }, () => resolve()));
    }
    await rm(this.folder(setId, version), { recursive: true, force: true });
    await rm(`${this.folder(setId, version)}.torrent`, { force: true });
  }

  private async torrentOf(bytes: Uint8Array): Promise<WTTorrent> {
    const ih = (await parseMeta(bytes)).infoHash;
    const known = await this.client.get(ih);
    if (known && known.torrentFile) return known;
    const t = this.client.add(bytes, { path: this.root });
    await new Promise<void>((resolve, reject) => {
      if (t.ready) return resolve();
      t.once('ready', () => resolve());
      t.once('error', (err) => reject(err instanceof Error ? err : new Error(err)));
    });
    return t;
  }
}
