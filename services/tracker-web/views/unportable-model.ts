import type { Manifest, ManifestVolume } from '../../../shared/formats/manifest.ts';
import { unportablePaths } from '../../../shared/formats/portable-name.ts';
import type { UnportableNamesView } from '../pages/view-models.ts';

/** Titles shown as examples; the count says how many there are. */
const EXAMPLES = 5;

/**
 * The set page's note on unportable names, or undefined when the version has none. A /2
 * manifest says which volumes keep them apart (`portable: false`); a /1 manifest predates the
 * rule, so its files are checked here and the ordinary volumes holding them are named.
 */
export function unportableNamesView(manifest: Manifest): UnportableNamesView | undefined {
  const keptApart = manifest.format !== 'seedbank-manifest/1';
  let holding: Map<string, number>;
  let examples: string[];
  if (keptApart) {
    holding = new Map(manifest.volumes.filter((v) => v.portable === false).map((v) => [v.infoHash, v.files]));
    examples = manifest.files.filter((f) => holding.has(f.volume)).slice(0, EXAMPLES).map((f) => f.title);
  } else {
    const unportable = unportablePaths(manifest.files.map((f) => f.path));
    const files = manifest.files.filter((f) => unportable.has(f.path));
    holding = new Map();
    for (const f of files) holding.set(f.volume, (holding.get(f.volume) ?? 0) + 1);
    examples = files.slice(0, EXAMPLES).map((f) => f.title);
  }
  const files = [...holding.values()].reduce((n, c) => n + c, 0);
  if (files === 0) return undefined;
  return { files, keptApart, volumes: [...holding].map(([infoHash, n]) => ({ infoHash, files: n })), examples };
}

/**
 * The same note for a split (/3) version, which like /2 keeps unportable names in volumes of
 * their own: counts from the head's volumes, examples from the first titles of their lists
 * (`titlesOf` reads a volume's list lazily; only the first few lines are read).
 */
export function unportableSplitView(volumes: readonly ManifestVolume[], titlesOf: (infoHash: string) => Iterable<{ title: string }>): UnportableNamesView | undefined {
  const apart = volumes.filter((v) => v.portable === false && v.files > 0);
  if (apart.length === 0) return undefined;
  const examples: string[] = [];
  for (const v of apart) {
    for (const f of titlesOf(v.infoHash)) {
      if (examples.length === EXAMPLES) break;
      examples.push(f.title);
    }
  }
  return { files: apart.reduce((n, v) => n + v.files, 0), keptApart: true, volumes: apart.map((v) => ({ infoHash: v.infoHash, files: v.files })), examples };
}
