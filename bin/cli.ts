import { Command, CommanderError } from 'commander';
import { errorMessage, isSeedbankError } from '../shared/errors.ts';
import { createLogger } from '../shared/log.ts';
import { readEnv } from './config.ts';
import { SEEDBANK_VERSION } from '../shared/version.ts';

// The dispatcher: parses arguments, hands each command to its part, renders errors once.
const env = readEnv();
const logger = createLogger({ level: env.logLevel });
const program = new Command('seedbank')
  .description('Seedbank: keep Wikimedia Commons safe in many hands, over BitTorrent')
  .version(SEEDBANK_VERSION)
  .showHelpAfterError()
  .exitOverride();

const token = process.env.SEEDBANK_TOKEN || undefined;
const out = (l: string) => process.stdout.write(`${l}\n`);

// Each part's commands are loaded only when asked for (all of them for help or an unknown
// word): a seeder daemon then carries no web server, database, image library or wiki client,
// about 40 MB less resident memory.
const PARTS: Record<string, readonly string[]> = {
  builder: ['build', 'publish', 'verify'],
  catalogue: ['serve', 'catalogue'],
  seeder: ['seed', 'status'],
  restore: ['restore', 'drill', 'copies', 'coverage'],
};
const asked = process.argv.slice(2).find((a) => !a.startsWith('-'));
const wanted = (part: string) => asked === undefined || !Object.values(PARTS).flat().includes(asked) || PARTS[part]!.includes(asked);
if (wanted('builder')) (await import('../services/set-builder/cli.ts')).registerBuilderCommands(program, () => ({ logger, contact: env.contact, dataDir: env.dataDir, token, out }));
if (wanted('catalogue')) (await import('../services/tracker-web/cli.ts')).registerCatalogueCommands(program, () => ({ logger, dataDir: env.dataDir, out }));
if (wanted('seeder')) (await import('../clients/seeder/cli.ts')).registerSeederCommands(program, () => ({ logger, storage: env.storage, contact: env.contact, out }));
if (wanted('restore')) (await import('../clients/restore/cli.ts')).registerRestoreCommands(program, () => ({ logger, contact: env.contact, token, out }));

program
  .command('demo')
  .description('start a local MediaWiki, fill it, build the example sets from it and print where they are')
  .option('--data <dir>', 'data folder', 'data/demo')
  .option('--keep-running', 'keep the wiki and the catalogue running until Ctrl-C')
  .option('--port <n>', 'port of the catalogue (default: any free port)', (v: string) => Number(v))
  .option('--wiki <api-url>', "build from this wiki instead of the local stand-in (e.g. Commons' api.php when online)")
  .option('--contact <email-or-url>', 'contact for the User-Agent (required for Wikimedia); default $SEEDBANK_CONTACT')
  .action(async (opts: { data: string; keepRunning?: boolean; port?: number; wiki?: string; contact?: string }) => {
    const { runDemo } = await import('../deploy/local/demo.ts');
    await runDemo({
      dataDir: opts.data,
      keepRunning: Boolean(opts.keepRunning),
      port: opts.port,
      wikiApiUrl: opts.wiki,
      contact: opts.contact ?? env.contact,
      logger,
      out: (l) => process.stdout.write(`${l}\n`),
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`seedbank: ${errorMessage(err)}\n`);
    if (!isSeedbankError(err)) logger.error({ err }, 'unexpected error');
    process.exitCode = isSeedbankError(err) ? 1 : 70;
  }
}
