/**
 * The files a published version carries besides its records: its metadata torrent and the
 * files in it (manifest.json, manifest.sig, pages.xml.gz), the optional preview mosaic, and
 * what the set page shows of its manifest. Blobs written at publish (write-version.ts) and read
 * by the metadata web seed, the feeds and the pages.
 */
import type { Manifest } from '../../../shared/formats/manifest.ts';
import type { CatalogueTables } from './open-lmdb.ts';
import type { MetadataFileName } from './records.ts';
import { versionPageFacts, type VersionPageFacts } from './version-page.ts';

/** A store's version files (`store.versionFiles`). */
export class VersionFiles {
  /** `manifest`: a version's whole parsed manifest (for the page facts of a version published before they were written). */
  constructor(
    private readonly t: Pick<CatalogueTables, 'blobs' | 'metadataTorrents' | 'versionPages'>,
    private readonly manifest: (setId: string, version: number) => Manifest | undefined,
  ) {}

  /** The exact manifest bytes (canonical JSON) of a version, as signed. */
  manifestText(setId: string, version: number): string | undefined {
    return this.metadataFile(setId, version, 'manifest.json')?.toString('utf8');
  }

  /** The detached signature (manifest.sig) of a version. */
  signatureText(setId: string, version: number): string | undefined {
    return this.metadataFile(setId, version, 'manifest.sig')?.toString('utf8');
  }

  /** One file of a version's metadata torrent (manifest.json, manifest.sig, pages.xml.gz). */
  metadataFile(setId: string, version: number, name: MetadataFileName): Buffer | undefined {
    return this.t.blobs.get(['meta', setId, version, name]);
  }

  /** The metadata torrent of a version, as the builder made it (without the catalogue's url-list). */
  metadataTorrent(setId: string, version: number): Buffer | undefined {
    return this.t.blobs.get(['metadata-torrent', setId, version]);
  }

  /** Which set version a metadata torrent belongs to. */
  metadataTorrentOwner(infoHash: string): { setId: string; version: number } | undefined {
    return this.t.metadataTorrents.get(infoHash);
  }

  /** Stores a version's preview mosaic (optional, cosmetic). */
  async putPreview(setId: string, version: number, jpeg: Uint8Array): Promise<void> {
    await this.t.blobs.put(['preview', setId, version], Buffer.from(jpeg));
  }

  /** A version's preview mosaic, when its builder made one. */
  preview(setId: string, version: number): Buffer | undefined {
    return this.t.blobs.get(['preview', setId, version]) as Buffer | undefined;
  }

  /**
   * What the set page shows of a version's manifest (version-page.ts): written at publish; for a
   * version published before that, worked out from the manifest on first read and kept.
   */
  versionPage(setId: string, version: number): VersionPageFacts | undefined {
    const known = this.t.versionPages.get([setId, version]);
    if (known) return known;
    const manifest = this.manifest(setId, version);
    if (!manifest) return undefined;
    const page = versionPageFacts(manifest);
    this.t.versionPages.putSync([setId, version], page);
    return page;
  }
}
