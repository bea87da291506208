import { Command, CommanderError } from 'commander';
import { portArg } from '../shared/cli-args.ts';
import { errorMessage, EXIT, exitCodeOf, isSeedbankError } from '../shared/errors.ts';
import { createLogger, type Logger } from '../shared/log.ts';
import { SEEDBANK_VERSION } from '../shared/version.ts';
import { readEnv, seederConfigPath } from './config.ts';

// The dispatcher: parses arguments, hands each command to its part, renders errors once.

/** Exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = EXIT.INTERRUPTED;
/** Exit code of an error nobody anticipated (sysexits' EX_SOFTWARE). */
const EXIT_UNEXPECTED = 70;

// A reader that stops early (`seedbank status | head`) closes the pipe: that is not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// Each part's commands are loaded only when asked for (all of them for help or an unknown
// word): a seeder daemon then carries no web server, database, image library or wiki client,
// about 40 MB less resident memory.
const PARTS: Record<string, readonly string[]> = {
  builder: ['build', 'publish', 'verify'],
  catalogue: ['serve', 'catalogue', 'census-worker'],
  seeder: ['seed', 'status'],
  restore: ['restore', 'drill', 'copies', 'coverage'],
};

/** Builds the command tree; nothing runs yet. */
async function buildProgram(logger: Logger, env: ReturnType<typeof readEnv>, onCommanderError: () => void): Promise<Command> {
  const program = new Command('seedbank')
    .description('Seedbank: keep Wikimedia Commons safe in many hands, over BitTorrent')
    .version(SEEDBANK_VERSION)
    .showHelpAfterError('(run the command with --help for its options)')
    // Commander prints its own usage errors through here; errors thrown by actions are not
    // printed by commander and are rendered below, so every failure shows exactly one line.
    .configureOutput({ outputError: (text, write) => (onCommanderError(), write(text)) })
    .exitOverride();

  const token = process.env.SEEDBANK_TOKEN || undefined;
  const out = (l: string) => process.stdout.write(`${l}\n`);
  const asked = process.argv.slice(2).find((a) => !a.startsWith('-'));
  const wanted = (part: string) => asked === undefined || !Object.values(PARTS).flat().includes(asked) || PARTS[part]!.includes(asked);
  if (wanted('builder')) (await import('../services/set-builder/cli.ts')).registerBuilderCommands(program, () => ({ logger, contact: env.contact, dataDir: env.dataDir, token, out }));
  if (wanted('catalogue')) (await import('../services/tracker-web/cli.ts')).registerCatalogueCommands(program, () => ({ logger, dataDir: env.dataDir, contact: env.contact, token, out }));
  if (wanted('seeder')) (await import('../clients/seeder/cli.ts')).registerSeederCommands(program, () => ({ logger, storage: env.storage, contact: env.contact, configFile: seederConfigPath(), out }));
  if (wanted('restore')) (await import('../clients/restore/cli.ts')).registerRestoreCommands(program, () => ({ logger, contact: env.contact, token, out }));

  program
    .command('demo')
    .description('start a local MediaWiki, fill it, build the example sets from it and print where they are')
    .option('--data <dir>', 'data folder', 'data/demo')
    .option('--keep-running', 'keep the wiki and the catalogue running until Ctrl-C')
    .option('--port <n>', 'port of the catalogue (default: any free port)', portArg)
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
        out,
      });
    });
  return program;
}

/** Prints one human line for a failure (and logs the unexpected ones), returning the exit code. */
function renderError(err: unknown, commanderPrinted: boolean, logger: Logger | undefined): number {
  if (err instanceof CommanderError) {
    // Help and --version end this way too, with exit code 0 and nothing to add.
    if (!commanderPrinted && err.exitCode !== 0) process.stderr.write(`seedbank: ${err.message.replace(/^error: /, '')}\n`);
    return err.exitCode === 0 ? 0 : EXIT.USAGE;
  }
  if (isSeedbankError(err, 'INTERRUPTED')) {
    process.stderr.write('\n');
    return EXIT_INTERRUPTED;
  }
  process.stderr.write(`seedbank: ${errorMessage(err)}\n`);
  if (!isSeedbankError(err) || err.kind === 'internal') logger?.error({ err }, 'unexpected error');
  else if (err.kind === 'integrity') logger?.error({ err }, 'refused data that failed its check');
  else logger?.debug({ err }, 'command failed');
  return exitCodeOf(err);
}

let commanderPrinted = false;
let logger: Logger | undefined;
try {
  const env = readEnv();
  logger = createLogger({ level: env.logLevel, format: env.logFormat });
  const program = await buildProgram(logger, env, () => (commanderPrinted = true));
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = renderError(err, commanderPrinted, logger);
}
