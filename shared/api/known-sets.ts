/**
 * Checks set ids against what a catalogue has published, so a mistyped id fails at once with
 * the list of sets that exist, instead of a restore, drill or seeder waiting on nothing.
 */
import { didYouMean } from '../closest-match.ts';
import { SeedbankError } from '../errors.ts';
import type { CatalogueApi } from './catalogue-api.ts';

/** How many set ids an error lists before "and N more". */
const MAX_LISTED_SETS = 20;

/** "paris, birds (and 3 more)", or "none yet" for an empty catalogue. */
export function listSetIds(ids: string[]): string {
  if (ids.length === 0) return 'none yet';
  const shown = ids.slice(0, MAX_LISTED_SETS).join(', ');
  return ids.length > MAX_LISTED_SETS ? `${shown} (and ${ids.length - MAX_LISTED_SETS} more)` : shown;
}

/** The SET_NOT_FOUND error for ids a catalogue lacks, naming close matches and the sets it has. */
export function unknownSetsError(catalogueUrl: string, missing: string[], known: string[]): SeedbankError {
  const suggestion = missing.length === 1 ? didYouMean(missing[0]!, known) : '';
  const what = missing.length === 1 ? `no set "${missing[0]}"` : `no sets ${missing.map((m) => `"${m}"`).join(', ')}`;
  return new SeedbankError('SET_NOT_FOUND', `the catalogue at ${catalogueUrl} has ${what}.${suggestion}`, {
    hint: `sets published there: ${listSetIds(known)}`,
    context: { missing, known: known.slice(0, MAX_LISTED_SETS) },
  });
}

/** Fails with SET_NOT_FOUND (listing the published sets) unless the catalogue has every id. */
export async function requireKnownSets(catalogue: CatalogueApi, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const known = (await catalogue.sets()).map((s) => s.id);
  const missing = ids.filter((id) => !known.includes(id));
  if (missing.length > 0) throw unknownSetsError(catalogue.baseUrl, missing, known);
}
