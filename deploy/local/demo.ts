import { userAgent } from '../../shared/http/user-agent.ts';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from '../../shared/errors.ts';
import { buildSet } from '../../services/set-builder/build.ts';
import { loadRecipe } from '../../shared/formats/recipe.ts';
import type { Logger } from '../../shared/log.ts';
import { formatSize } from '../../shared/units.ts';
import { fillWiki } from './wiki/fixtures.ts';
import { demoNextSteps } from './demo-next-steps.ts';
import { startWiki } from './wiki/mediawiki.ts';
import { publishSet } from '../../services/set-builder/publish.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import { startCatalogueServer } from '../../services/tracker-web/server.ts';
import { addOperator } from '../../services/tracker-web/operators/operator-list.ts';
import { Seeder } from '../../clients/seeder/index.ts';
import { CatalogueApi } from '../../shared/api/catalogue-api.ts';

/** The demo's seeders, each with its own storage folder. */
const DEMO_SEEDERS = ['seeder-a', 'seeder-b'];
const DEMO_SEEDER_QUOTA_BYTES = 10e9;
/** The sets are small and the web seed is local: minutes would mean something is wrong. */
const DEMO_DOWNLOAD_TIMEOUT_MS = 120_000;
/** The example recipes the demo builds, aimed at Commons and pointed at the local stand-in. */
const DEMO_RECIPES = ['sets/paris.yaml', 'sets/birds.yaml', 'sets/paris-centre.yaml'];

/**
 * The README's first command: a real MediaWiki on 127.0.0.1 standing in for Commons
 * (nothing leaves the machine), filled with generated images, and the example sets built
 * from it. Prints where each version is.
 */
export async function runDemo(options: {
  dataDir: string;
  keepRunning: boolean;
  port?: number;
  /** A real wiki's api.php instead of the local stand-in (Commons when online); needs a contact. */
  wikiApiUrl?: string;
  contact?: string;
  logger: Logger;
  out: (line: string) => void;
}): Promise<void> {
  const { out, logger } = options;
  await resetDemoData(options.dataDir);
  let wiki: Awaited<ReturnType<typeof startWiki>> | null = null;
  let closeCatalogue: (() => Promise<void>) | null = null;
  const stop = async () => {
    await closeCatalogue?.();
    await wiki?.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    let apiUrl = options.wikiApiUrl;
    if (!apiUrl) {
      out('starting a local MediaWiki (Debian package, SQLite, php -S behind nginx on 127.0.0.1) as the stand-in for Commons…');
      wiki = await startWiki({ name: 'demo' });
      const fixtures = await fillWiki(wiki);
      out(`wiki ready at ${wiki.baseUrl} with ${fixtures.files.length} files`);
      apiUrl = wiki.apiUrl;
    } else {
      out(`building from ${apiUrl} (the real recipes: this downloads the whole sets, politely, at 25 Mbit/s at most)`);
    }
    let example: { setId: string; fileTitle: string } | undefined;
    for (const file of DEMO_RECIPES) {
      const recipe = await loadRecipe(file);
      // The local stand-in is on this machine: no need for the upload server's politeness cap.
      const result = await buildSet({ recipe, dataDir: options.dataDir, wikiApiUrl: apiUrl, contact: options.contact, logger, maxBytesPerSecond: wiki ? 0 : undefined });
      const m = result.manifest;
      example ??= m.files[0] ? { setId: recipe.id, fileTitle: m.files[0].title } : undefined;
      out(
        `${recipe.id} v${result.version} (${result.status}): ${m.totals.files} files, ${formatSize(m.totals.bytes)}, ` +
          `${m.volumes.length} volumes → ${path.resolve(result.dir)}`,
      );
    }
    out(`verify a version with: node bin/seedbank.js verify ${path.join(options.dataDir, 'sets', 'paris', 'latest')}`);
    const catalogue = await startCatalogueServer({ dataDir: path.join(options.dataDir, 'catalogue'), port: options.port ?? 0, logger });
    closeCatalogue = catalogue.close;
    const token = await createToken(catalogue.store, 'demo');
    // Kept in a file (owner-only) rather than printed, so it does not end up in scrollback or CI logs.
    const tokenFile = path.resolve(options.dataDir, DEMO_TOKEN_FILE);
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    for (const file of DEMO_RECIPES) {
      const id = path.basename(file, '.yaml');
      await publishSet(path.join(options.dataDir, 'sets', id), { catalogueUrl: catalogue.url, token, logger });
    }
    // Two seeders host every set, downloading from the local wiki's web seed; one census
    // round then counts them (both run on this one machine, so they make one copy).
    const seeders: Seeder[] = [];
    closeCatalogue = async () => {
      await Promise.all(seeders.map((sd) => sd.close().catch(() => undefined)));
      await catalogue.close();
    };
    for (const name of DEMO_SEEDERS) {
      const seeder = await Seeder.open({ storage: path.join(options.dataDir, name), quotaBytes: DEMO_SEEDER_QUOTA_BYTES, logger: logger.child({ seeder: name }), userAgent: userAgent({ contact: options.contact, part: 'demo' }) });
      seeders.push(seeder);
      const api = new CatalogueApi(catalogue.url, userAgent({ contact: 'local demo', part: 'demo' }));
      // The demo's catalogue approves its own seeders, as a real one approves operators it knows.
      await addOperator(path.join(options.dataDir, 'catalogue'), { name: `demo ${name}`, operatorKey: seeder.operatorKey.publicKeyHex });
      for (const file of DEMO_RECIPES) {
        const id = path.basename(file, '.yaml');
        const set = await api.set(id);
        const latest = set.versions.reduce((a, b) => (b.version > a.version ? b : a));
        for (const ih of latest.volumes) {
          const torrent = new Uint8Array(await api.torrent(ih));
          await seeder.addVolume(torrent);
          await seeder.whenComplete(ih, DEMO_DOWNLOAD_TIMEOUT_MS);
        }
      }
      out(`seeder ${name} hosts every set (${path.resolve(options.dataDir, name)})`);
    }
    await catalogue.census.runOnce();
    out(`catalogue with tracker: ${catalogue.url}/  (the sets, their versions, volumes, seeders and copies)`);
    const steps = example ?? { setId: 'paris', fileTitle: 'File:Example.jpg' };
    for (const line of demoNextSteps({ catalogueUrl: catalogue.url, dataDir: options.dataDir, tokenFile, ...steps, keepRunning: options.keepRunning })) out(line);
    if (options.keepRunning) {
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await stop();
  }
}

/** Where the demo leaves its catalogue token, inside its data folder. */
const DEMO_TOKEN_FILE = 'catalogue-token.txt';

/** Marks a folder as the demo's own, so a later run may wipe it without asking. */
const DEMO_MARKER = '.seedbank-demo';

/**
 * Each demo run starts a fresh wiki (new port, new upload times), so it starts from empty
 * data too — but only in a folder the demo made itself, never in someone's real data.
 */
async function resetDemoData(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (entries.length > 0) {
    const marked = await stat(path.join(dir, DEMO_MARKER)).then(() => true, () => false);
    if (!marked) {
      throw new SeedbankError('DEMO_DATA_NOT_EMPTY', `${dir} is not empty and was not made by the demo`, { hint: 'pass --data with an empty or new folder' });
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, DEMO_MARKER), 'made by seedbank demo; the next demo run deletes this folder\n');
}
