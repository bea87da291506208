/**
 * The files a wiki's pages use (recipes with `selection.usedBy`), through the API: every page
 * of the chosen namespaces with prop=images (what the imagelinks table holds), then the
 * files' metadata and page text in title batches, as a shard listing fetches them. Usage on
 * another wiki (Commons files used by frwiki) needs the GlobalUsage extension's tables, which
 * the dumps carry as globalimagelinks: such recipes are built with --dumps.
 */
import type { ApiParams } from 'mwn';
import { SeedbankError } from '../../../shared/errors.ts';
import type { Recipe } from '../../../shared/formats/recipe.ts';
import { pageBatches, type PageBatch } from './page-batches.ts';
import type { SiteFacts, WikiApi } from './wiki-api.ts';

/** Titles per metadata query for ordinary users and for bots (apihighlimits). */
const TITLES_PER_QUERY = 50;
const TITLES_PER_QUERY_HIGH = 500;

type UsedBy = NonNullable<Recipe['selection']['usedBy']>;

/** Titles of the files used by the pages of `namespaces`, sorted. */
export async function usedFileTitles(api: WikiApi, namespaces: number[]): Promise<string[]> {
  const titles = new Set<string>();
  for (const ns of namespaces) {
    const params: ApiParams = { generator: 'allpages', gapnamespace: ns, gaplimit: api.batchLimit, prop: 'images', imlimit: 'max' };
    for await (const batch of pageBatches(api, params, false)) for (const page of batch.pages) for (const image of page.images ?? []) titles.add(image.title);
  }
  return [...titles].sort();
}

/** The metadata batches of the files `usedBy` names; refuses usage on another wiki, which the API cannot list here. */
export async function* usageBatches(api: WikiApi, usedBy: UsedBy, site: SiteFacts, props: ApiParams): AsyncGenerator<PageBatch> {
  if (usedBy.wiki !== site.wikiId) {
    throw new SeedbankError('SELECTION_UNSUPPORTED', `usedBy ${usedBy.wiki} asks for usage on another wiki than ${site.wikiId || api.apiUrl}`, {
      hint: `build it from a dump run of ${site.wikiId || 'the wiki'} with its globalimagelinks (seedbank build --dumps DIR), or point --wiki at ${usedBy.wiki}'s own files`,
    });
  }
  const titles = await usedFileTitles(api, usedBy.namespaces);
  const size = site.highLimits ? TITLES_PER_QUERY_HIGH : TITLES_PER_QUERY;
  for (let i = 0; i < titles.length; i += size) yield* pageBatches(api, { titles: titles.slice(i, i + size).join('|'), ...props }, true);
}
