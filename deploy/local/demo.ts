import path from 'node:path';
import { buildSet } from '../../services/set-builder/build.ts';
import { loadRecipe } from '../../shared/formats/recipe.ts';
import type { Logger } from '../../shared/log.ts';
import { formatSize } from '../../shared/units.ts';
import { fillWiki } from '../../test/helpers/fixtures.ts';
import { startWiki } from '../../test/helpers/mediawiki.ts';

/** The example recipes the demo builds, aimed at Commons and pointed at the local stand-in. */
const DEMO_RECIPES = ['sets/paris.yaml', 'sets/birds.yaml', 'sets/paris-centre.yaml'];

/**
 * The README's first command: a real MediaWiki on 127.0.0.1 standing in for Commons
 * (nothing leaves the machine), filled with generated images, and the example sets built
 * from it. Prints where each version is.
 */
export async function runDemo(options: { dataDir: string; keepRunning: boolean; logger: Logger; out: (line: string) => void }): Promise<void> {
  const { out, logger } = options;
  out('starting a local MediaWiki (Debian package, SQLite, php -S on 127.0.0.1) as the stand-in for Commons…');
  const wiki = await startWiki({ name: 'demo' });
  const stop = async () => {
    await wiki.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    const fixtures = await fillWiki(wiki);
    out(`wiki ready at ${wiki.baseUrl} with ${fixtures.files.length} files`);
    for (const file of DEMO_RECIPES) {
      const recipe = await loadRecipe(file);
      const result = await buildSet({ recipe, dataDir: options.dataDir, wikiApiUrl: wiki.apiUrl, logger, maxBytesPerSecond: 0 });
      const m = result.manifest;
      out(
        `${recipe.id} v${result.version} (${result.status}): ${m.totals.files} files, ${formatSize(m.totals.bytes)}, ` +
          `${m.volumes.length} volumes → ${path.resolve(result.dir)}`,
      );
    }
    out(`verify a version with: node bin/seedbank.js verify ${path.join(options.dataDir, 'sets', 'paris', 'latest')}`);
    if (options.keepRunning) {
      out('the wiki keeps running; Ctrl-C stops it');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await stop();
  }
}
