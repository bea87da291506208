import type { ApiParams } from 'mwn';
import { regionBBox, type GeoRegion } from '../../../shared/geo.ts';
import type { Logger } from '../../../shared/log.ts';
import { pageBatches, type PageBatch } from './page-batches.ts';
import type { WikiApi } from './wiki-api.ts';

/** list=geosearch returns at most this many results and has no continuation. */
const GEOSEARCH_LIMIT = 500;
/** How often a full box is split in four before we accept a truncated answer. */
const MAX_QUADTREE_DEPTH = 12;
/** Titles per query for ordinary users and for bots (apihighlimits). */
const TITLES_PER_QUERY = 50;
const TITLES_PER_QUERY_HIGH = 500;

type BBox = { south: number; west: number; north: number; east: number };

/**
 * Page ids of files inside a region, from GeoData's list=geosearch. The API caps each
 * answer at 500 without continuation, so a full box is split in four until each part fits.
 */
export async function geoSearchPageIds(api: WikiApi, region: GeoRegion, logger: Logger): Promise<number[]> {
  const ids = new Set<number>();
  const boxes: Array<{ box: BBox; depth: number }> = [{ box: regionBBox(region), depth: 0 }];
  while (boxes.length > 0) {
    const { box, depth } = boxes.pop()!;
    const res = await api.query({
      list: 'geosearch',
      gsbbox: `${box.north}|${box.west}|${box.south}|${box.east}`,
      gsnamespace: 6,
      gslimit: GEOSEARCH_LIMIT,
      gsprimary: 'all',
    });
    const hits = (res.query?.geosearch ?? []) as Array<{ pageid: number }>;
    if (hits.length >= GEOSEARCH_LIMIT && depth < MAX_QUADTREE_DEPTH) {
      const midLat = (box.south + box.north) / 2;
      const midLon = (box.west + box.east) / 2;
      boxes.push(
        { box: { south: box.south, west: box.west, north: midLat, east: midLon }, depth: depth + 1 },
        { box: { south: box.south, west: midLon, north: midLat, east: box.east }, depth: depth + 1 },
        { box: { south: midLat, west: box.west, north: box.north, east: midLon }, depth: depth + 1 },
        { box: { south: midLat, west: midLon, north: box.north, east: box.east }, depth: depth + 1 },
      );
      continue;
    }
    if (hits.length >= GEOSEARCH_LIMIT) logger.warn({ box }, 'geosearch box still full at the deepest split; some files may be missed');
    for (const h of hits) ids.add(h.pageid);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Metadata and export for known page ids, in batches as large as the user's rights allow. */
export async function* lookupPages(api: WikiApi, pageIds: number[], props: ApiParams, highLimits: boolean): AsyncGenerator<PageBatch> {
  const size = highLimits ? TITLES_PER_QUERY_HIGH : TITLES_PER_QUERY;
  for (let i = 0; i < pageIds.length; i += size) {
    const params: ApiParams = { pageids: pageIds.slice(i, i + size).join('|'), ...props };
    yield* pageBatches(api, params, true);
  }
}
