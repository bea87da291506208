import type { ApiParams } from 'mwn';
import type { WikiApi } from './wiki-api.ts';

/** A page as the query API returns it with the props the builder asks for. */
export interface ApiPageData {
  pageid?: number;
  ns: number;
  title: string;
  missing?: boolean;
  imageinfo?: Array<Record<string, unknown>>;
  categories?: Array<{ title: string }>;
  coordinates?: Array<{ lat: number; lon: number; primary?: boolean }>;
  categoryinfo?: { subcats?: number; files?: number };
  /** prop=images: the files the page uses. */
  images?: Array<{ title: string }>;
}

/** One generator batch with every prop continuation merged in. */
export interface PageBatch {
  pages: ApiPageData[];
  /** The XML export of the batch's pages, when asked for. */
  exportXml: string | null;
}

/**
 * Runs a generator query and yields one batch per generator step, merging prop
 * continuations (categories, imageinfo) into the pages so no caller sees half a page.
 * The export is requested only on the first request of each batch: continuation
 * requests would repeat the same XML.
 */
export async function* pageBatches(api: WikiApi, params: ApiParams, withExport: boolean): AsyncGenerator<PageBatch> {
  let cont: Record<string, string> = {};
  let batchStart = true;
  let byId = new Map<string, ApiPageData>();
  let exportXml: string | null = null;
  for (;;) {
    const request: ApiParams = { ...params, ...cont };
    if (withExport && batchStart) request.export = 1;
    const res = await api.query(request);
    if (batchStart && withExport) exportXml = exportText(res.query?.export);
    for (const page of (res.query?.pages ?? []) as ApiPageData[]) {
      const key = page.pageid !== undefined ? `id:${page.pageid}` : `t:${page.title}`;
      const seen = byId.get(key);
      byId.set(key, seen ? mergePage(seen, page) : page);
    }
    const next = res.continue as Record<string, string> | undefined;
    // `batchcomplete` marks the end of a generator batch; without it, props are still continuing.
    const batchDone = res.batchcomplete !== undefined || !next;
    if (batchDone) {
      yield { pages: [...byId.values()], exportXml };
      byId = new Map();
      exportXml = null;
      batchStart = true;
    } else {
      batchStart = false;
    }
    if (!next) return;
    cont = next;
  }
}

function mergePage(a: ApiPageData, b: ApiPageData): ApiPageData {
  return {
    ...a,
    ...b,
    imageinfo: a.imageinfo ?? b.imageinfo,
    categories: [...(a.categories ?? []), ...(b.categories ?? [])],
    coordinates: [...(a.coordinates ?? []), ...(b.coordinates ?? [])],
    images: [...(a.images ?? []), ...(b.images ?? [])],
  };
}

function exportText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const text = v['*'] ?? v.content;
    if (typeof text === 'string') return text;
  }
  return null;
}
