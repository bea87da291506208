import type { ApiParams } from 'mwn';
import { commonsPath, fileNameFromTitle } from '../../../shared/commons-path.ts';
import { inShard, shardRange } from '../../../shared/formats/recipe.ts';
import { pageBatches, type PageBatch } from './page-batches.ts';
import type { WikiApi } from './wiki-api.ts';

/** Titles per metadata query for ordinary users and for bots (apihighlimits). */
const TITLES_PER_QUERY = 50;
const TITLES_PER_QUERY_HIGH = 500;

/**
 * The files of a shard: every file name of the wiki from list=allimages (names only, with
 * continuation), kept when its `a/ab` folder lies in the range; then their metadata and page
 * text in batches, as the category walk fetches them. Names outside the range cost one listed
 * line each and no further request.
 */
export async function* shardBatches(
  api: WikiApi,
  shard: string,
  props: ApiParams,
  highLimits: boolean,
  onListed?: (seen: number, kept: number) => void,
): AsyncGenerator<PageBatch> {
  const range = shardRange(shard);
  const size = highLimits ? TITLES_PER_QUERY_HIGH : TITLES_PER_QUERY;
  let cont: Record<string, string> = {};
  let kept: string[] = [];
  let seen = 0;
  let keptTotal = 0;
  for (;;) {
    const res = await api.query({ list: 'allimages', ailimit: api.batchLimit, aiprop: '', ...cont });
    for (const image of (res.query?.allimages ?? []) as Array<{ title: string }>) {
      seen++;
      if (!inShard(commonsPath(fileNameFromTitle(image.title)), range)) continue;
      kept.push(image.title);
      keptTotal++;
    }
    onListed?.(seen, keptTotal);
    const next = res.continue as Record<string, string> | undefined;
    while (kept.length >= size || (!next && kept.length > 0)) {
      const titles = kept.slice(0, size);
      kept = kept.slice(size);
      yield* pageBatches(api, { titles: titles.join('|'), ...props }, true);
    }
    if (!next) return;
    cont = next;
  }
}
