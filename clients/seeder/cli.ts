import { Command, InvalidArgumentError } from 'commander';
import type { Logger } from '../../shared/log.ts';
import { parsePort, parseRate, parseShare, parseSizeFlag, seedConfigFromFlags, DEFAULT_SCRUB_INTERVAL_MS, DEFAULT_SCRUB_SHARE, type SeedFlags } from './config.ts';
import { runSeed } from './run-seed.ts';
import { formatStatus, readStatus, STATUS_INTERVAL_MS } from './status-file.ts';
import { DEFAULT_CONNECTIONS_PER_HOST } from './web-seed/host-limiter.ts';

/** Settings the dispatcher hands to this part (read from flags and the environment there). */
export interface SeederCliContext {
  logger: Logger;
  /** Default storage folder (SEEDBANK_STORAGE). */
  storage?: string;
  /** Contact for the web-seed User-Agent (SEEDBANK_CONTACT). */
  contact?: string;
  /** Where results go: stdout, so logs on stderr do not mix in. */
  out: (line: string) => void;
}

const ANSI_UP = (n: number) => `\x1b[${n}A`;
const ANSI_CLEAR_LINE = '\x1b[2K';

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
}

/** Adds `seed` and `status` to the seedbank command. */
export function registerSeederCommands(program: Command, ctx: () => SeederCliContext): void {
  program
    .command('seed')
    .description('host volumes: download them into the storage folder (Commons layout), seed them, optionally serve the tree over HTTP')
    .option('--storage <dir>', 'storage folder; default $SEEDBANK_STORAGE')
    .requiredOption('--quota <size>', 'never use more disk than this, e.g. 50GB', parseSizeFlag)
    .option('--torrent <file...>', 'volume .torrent files to host')
    .option('--port <n>', 'TCP port for peers (0 = any free one)', parsePort, 0)
    .option('--http <port>', 'serve the tree read-only over HTTP on this port (a mirror and BEP 19 web seed)', parsePort)
    .option('--http-host <address>', 'address the HTTP mirror listens on (default every interface)')
    .option('--max-up <rate>', 'upload cap (e.g. 10Mbps, 2MB/s; 0 = none)', parseRate, 0)
    .option('--max-down <rate>', 'download cap (e.g. 50Mbps; 0 = none)', parseRate, 0)
    .option('--no-web-seeds', "do not download from the torrents' url-list (peers only)")
    .option('--web-seed-connections <n>', 'concurrent requests per web seed host', positiveInt, DEFAULT_CONNECTIONS_PER_HOST)
    .option('--scrub-share <share>', 'share of the pieces re-hashed per scrub run (0 = no scrub)', parseShare, DEFAULT_SCRUB_SHARE)
    .option('--scrub-interval-min <minutes>', 'minutes between scrub runs', positiveInt, DEFAULT_SCRUB_INTERVAL_MS / 60_000)
    .option('--contact <email-or-url>', 'contact for the User-Agent of web-seed requests; default $SEEDBANK_CONTACT')
    .action(async (flags: SeedFlags) => {
      const c = ctx();
      const config = seedConfigFromFlags({ ...flags, storage: flags.storage ?? c.storage, contact: flags.contact ?? c.contact });
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runSeed(config, { logger: c.logger, out: c.out, signal: controller.signal });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  program
    .command('status')
    .description("print a seeder's status (updating in place on a terminal)")
    .option('--storage <dir>', 'storage folder; default $SEEDBANK_STORAGE')
    .option('--once', 'print once even on a terminal')
    .option('--json', 'print the status file as JSON')
    .action(async (opts: { storage?: string; once?: boolean; json?: boolean }) => {
      const c = ctx();
      const storage = opts.storage ?? c.storage;
      if (!storage) throw new InvalidArgumentError('--storage DIR is required (or set SEEDBANK_STORAGE)');
      const first = await readStatus(storage);
      if (opts.json) return c.out(JSON.stringify(first, null, 2));
      if (opts.once || !process.stdout.isTTY) return formatStatus(first).forEach((l) => c.out(l));
      let shown = 0;
      const draw = async () => {
        const lines = formatStatus(await readStatus(storage).catch(() => first));
        process.stdout.write((shown ? ANSI_UP(shown) : '') + lines.map((l) => `${ANSI_CLEAR_LINE}${l}\n`).join(''));
        shown = lines.length;
      };
      await draw();
      const timer = setInterval(() => void draw(), STATUS_INTERVAL_MS);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      clearInterval(timer);
    });
}
