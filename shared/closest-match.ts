/**
 * "Did you mean": the known names closest to a mistyped one, so an error about an unknown
 * set or category can name what exists instead of leaving the user to guess.
 */

/** How many suggestions an error message names at most. */
const MAX_SUGGESTIONS = 3;

/** Edit distance (insertions, deletions, substitutions) between two strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * The candidates closest to `word`, best first: a match that differs only in case (or spaces
 * against underscores) comes first, then names within a few edits (a third of the length).
 */
export function closestMatches(word: string, candidates: Iterable<string>, max = MAX_SUGGESTIONS): string[] {
  const norm = (s: string) => s.toLowerCase().replace(/_/g, ' ').trim();
  const w = norm(word);
  const limit = Math.max(2, Math.floor(w.length / 3));
  const scored: { name: string; distance: number }[] = [];
  for (const name of new Set(candidates)) {
    const n = norm(name);
    const distance = n === w ? 0 : n.includes(w) || w.includes(n) ? 1 : editDistance(w, n);
    if (distance <= limit) scored.push({ name, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((s) => s.name);
}

/** " Did you mean X or Y?" (with its leading space), or "" when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const close = closestMatches(word, candidates);
  if (close.length === 0) return '';
  return ` Did you mean ${close.map((c) => `"${c}"`).join(' or ')}?`;
}
