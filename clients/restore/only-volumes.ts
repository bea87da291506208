/**
 * Which volumes can hold the files an `--only` pattern selects, so that a restore of a few
 * files of a split (/3) version fetches the lists of those volumes only. A volume's prefix is a
 * leaf of the trie on the MD5 of the stored file name (shared/formats/volume-rule.ts), so a
 * pattern that names titles outright (no `*` or `?`; `[...]` classes are expanded while few)
 * names its volumes: the main trie's leaf on the name's bits, and the second trie's (`u`) leaf
 * on the same bits, since whether a name is kept apart can depend on the set's other names
 * (case twins). A pattern with a wildcard can match any name, so it needs every list.
 */
import { fileNameFromTitle } from '../../shared/commons-path.ts';
import { APART_MARK, isApartPrefix, nameBits } from '../../shared/formats/volume-rule.ts';

/** Titles a pattern may expand to before the narrowing gives up and every list is read. */
const MAX_EXPANDED_TITLES = 256;

/** The exact titles (bare, as written) a glob matches, or null when it has a wildcard or too many. */
export function literalTitles(pattern: string): string[] | null {
  let out = [''];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' || c === '?') return null;
    let choices = [c];
    if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end >= 0) {
        const body = pattern.slice(i + 1, end);
        // Negated classes and ranges match too much to list.
        if (body.startsWith('!') || body.startsWith('^') || /.-./u.test(body) || body.length === 0) return null;
        choices = [...new Set([...body])];
        i = end;
      }
    }
    out = out.flatMap((prefix) => choices.map((x) => prefix + x));
    if (out.length > MAX_EXPANDED_TITLES) return null;
  }
  return out;
}

/**
 * The info hashes among `volumes` that can hold a file `pattern` matches (in `volumes`'
 * order), or null when any volume can.
 */
export function volumesForOnly(pattern: string, volumes: ReadonlyArray<{ infoHash: string; prefix: string }>): string[] | null {
  const titles = literalTitles(pattern.replace(/_/g, ' ').replace(/^File:/i, ''));
  if (!titles) return null;
  const wanted = new Set<string>();
  for (const title of titles) {
    const bits = nameBits(fileNameFromTitle(title));
    for (const v of volumes) {
      const leaf = isApartPrefix(v.prefix) ? v.prefix.slice(APART_MARK.length) : v.prefix;
      // nameBits gives 64 bits: a deeper leaf (never seen in practice) is kept when its first 64 agree.
      if (leaf.length <= bits.length ? bits.startsWith(leaf) : leaf.startsWith(bits)) wanted.add(v.infoHash);
    }
  }
  return volumes.filter((v) => wanted.has(v.infoHash)).map((v) => v.infoHash);
}
