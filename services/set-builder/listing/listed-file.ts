import type { LatLon } from '../../../shared/geo.ts';
import type { ExportedPage } from './export-xml.ts';

/** A file selected from the wiki, with everything the manifest and download need. */
export interface ListedFile {
  /** `File:Name with spaces.jpg`. */
  title: string;
  /** `Name_with_spaces.jpg`, as stored. */
  name: string;
  /** `a/ab/Name_with_spaces.jpg`. */
  path: string;
  /** The original's URL as the wiki reports it. */
  url: string;
  uploadBase: string;
  size: number;
  sha1: string;
  mime: string;
  uploadTimestamp: string;
  pageId: number;
  revisionId: number;
  license: string | null;
  author: string | null;
  categories: string[];
  coordinates: LatLon | null;
  page: ExportedPage;
}
