/**
 * A version's manifest as the catalogue reads it back: parsed once and kept (a few at a time),
 * in any format; a split version's volume lists and parts read from its parts folder.
 */
import { declaredFormat, type ManifestFile } from '../../../shared/formats/manifest.ts';
import { splitPartNames } from '../../../shared/formats/split-manifest.ts';
import { versionManifestOf, type VersionManifest } from '../../../shared/formats/version-manifest.ts';
import { listRecordsSync, type VersionParts } from './version-parts.ts';

/** Parsed manifests kept in memory; pages tend to show the same few versions. */
const MANIFEST_CACHE_ENTRIES = 8;

/** Where a version's manifest text and parts folder come from. */
export interface ManifestSource {
  manifestText(setId: string, version: number): string | undefined;
  manifestSha256(setId: string, version: number): string | undefined;
  parts: VersionParts;
}

/** The parsed-manifest cache and the reads built on it. */
export class VersionManifests {
  private readonly cache = new Map<string, VersionManifest>();

  /** `src`: the store's manifest bytes and parts folder. */
  constructor(private readonly src: ManifestSource) {}

  /** A version's manifest in any format (cached): its head, and for a whole one every file. */
  get(setId: string, version: number): VersionManifest | undefined {
    const key = `${setId}\u0000${version}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const text = this.src.manifestText(setId, version);
    if (text === undefined) return undefined;
    const sha256 = this.src.manifestSha256(setId, version);
    const { parts } = this.src;
    const dir = declaredFormat(text) === 'seedbank-manifest/3' && sha256 ? parts.dir(sha256) : parts.root;
    const parsed = versionManifestOf(text, dir, `${setId} v${version} in the catalogue`);
    if (this.cache.size >= MANIFEST_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, parsed);
    return parsed;
  }

  /**
   * One volume's files in a version, in the manifest's order: from the whole manifest, or read
   * synchronously from a split version's list (checked at publish), a volume at a time.
   */
  *volumeFiles(setId: string, version: number, infoHash: string): Generator<ManifestFile> {
    const m = this.get(setId, version);
    if (m?.whole) {
      for (const f of m.whole.files) if (f.volume === infoHash) yield f;
      return;
    }
    const vol = m?.split?.volumes.find((v) => v.infoHash === infoHash);
    if (m && vol) yield* listRecordsSync(this.src.parts.file(m.sha256, vol.list.file), infoHash);
  }

  /** Where a named part of a split version's metadata torrent is on disk, or undefined when it has no such part. */
  partPath(setId: string, version: number, name: string): string | undefined {
    const m = this.get(setId, version);
    if (!m?.split || !splitPartNames(m.split).includes(name)) return undefined;
    return this.src.parts.file(m.sha256, name);
  }
}
