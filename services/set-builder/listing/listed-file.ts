import type { ManifestFile } from '../../../shared/formats/manifest.ts';

/** What the manifest records of a file, before it is assigned a volume. */
export type FileMeta = Omit<ManifestFile, 'volume'>;

/**
 * A file selected from the wiki, with everything the manifest and download need; its
 * description page waits in the build's page store (page-store.ts), keyed by title.
 */
export interface ListedFile extends FileMeta {
  /** `Name_with_spaces.jpg`, as stored. */
  name: string;
  /** The original's URL as the wiki reports it. */
  url: string;
  uploadBase: string;
}

/** The manifest's part of a listed file: everything but how to fetch it. */
export function fileMeta(file: ListedFile): FileMeta {
  const { name: _name, url: _url, uploadBase: _base, ...meta } = file;
  return meta;
}
