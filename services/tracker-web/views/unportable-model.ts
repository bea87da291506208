import type { Manifest } from '../../../shared/formats/manifest.ts';
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
