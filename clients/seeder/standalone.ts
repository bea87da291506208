/**
 * Runs the seeder's commands without the dispatcher (`node bin/run-ts.js clients/seeder/standalone.ts seed ...`):
 * what the tests start as a real process, and a fallback until `seedbank seed` is registered.
 */
import { Command, CommanderError } from 'commander';
import { errorMessage, isSeedbankError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/log.ts';
import { registerSeederCommands } from './cli.ts';

const logger = createLogger({ level: process.env.SEEDBANK_LOG_LEVEL ?? 'info' });
const program = new Command('seedbank').exitOverride().showHelpAfterError();
registerSeederCommands(program, () => ({
  logger,
  storage: process.env.SEEDBANK_STORAGE || undefined,
  contact: process.env.SEEDBANK_CONTACT || undefined,
  out: (l) => process.stdout.write(`${l}\n`),
}));
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode;
  else {
    process.stderr.write(`seedbank: ${errorMessage(err)}\n`);
    process.exitCode = isSeedbankError(err) ? 1 : 70;
  }
}
