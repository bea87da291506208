import { Command, InvalidArgumentError, Option } from 'commander';
import { durationOption, positiveIntArg, rateOption, required } from '../../shared/cli-args.ts';
import { interruptSignal } from '../../shared/interrupt.ts';
import type { Logger } from '../../shared/log.ts';
import { access } from 'node:fs/promises';
import os from 'node:os';
import { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { requireKnownSets } from '../../shared/api/known-sets.ts';
import { isSeedbankError } from '../../shared/errors.ts';
import { userAgent } from '../../shared/http/user-agent.ts';
import path from 'node:path';
import {
  parseList, parsePort, parseRate, parseShare, parseSizeFlag, seedConfigFromFlags,
  DEFAULT_AUTO_MIN_HOSTING_MS, DEFAULT_KEEP_VERSIONS, DEFAULT_POLL_INTERVAL_MS, DEFAULT_SCRUB_INTERVAL_MS, DEFAULT_SCRUB_SHARE, type SeedFlags,
} from './config.ts';
import { DEFAULT_CONFIG_RELATIVE, loadSeederConfigFile } from './config-file.ts';
import { runWizard } from './wizard.ts';
import { parseKeyHex } from './follow/key-pins.ts';
import { runSeed } from './run-seed.ts';
import { formatStatus, readStatus, STATUS_INTERVAL_MS } from './status-file.ts';
import { DEFAULT_CONNECTIONS_PER_HOST, DEFAULT_WEB_SEED_BYTES_PER_SECOND } from './web-seed/host-limiter.ts';
import { ensureStorage } from './storage-check.ts';

/** Settings the dispatcher hands to this part (read from flags and the environment there). */
export interface SeederCliContext {
  logger: Logger;
  /** Default storage folder (SEEDBANK_STORAGE). */
  storage?: string;
  /** Contact for the web-seed User-Agent (SEEDBANK_CONTACT). */
  contact?: string;
  /** Where results go: stdout, so logs on stderr do not mix in. */
  out: (line: string) => void;
  /** Where the wizard writes the configuration; default ~/.config/seedbank/seeder.yaml. */
  configFile?: string;
}

/** Flags from the file, unless given on the command line (or by the environment). */
function mergeFlags(file: Partial<SeedFlags>, flags: SeedFlags, cmd: Command): SeedFlags {
  const merged: Record<string, unknown> = { ...flags };
  for (const [key, value] of Object.entries(file)) {
    const source = cmd.getOptionValueSource(key);
    if (source !== 'cli' && source !== 'env') merged[key] = value;
  }
  return merged as unknown as SeedFlags;
}

/** True when neither a torrent list nor a complete catalogue setting was given. */
function incomplete(f: SeedFlags): boolean {
  if (f.torrent?.length) return false;
  return !f.catalogue || !f.storage || !f.quota || (!f.auto && !f.sets?.length && !f.tags?.length);
}

const ANSI_UP = (n: number) => `\x1b[${n}A`;
const ANSI_CLEAR_LINE = '\x1b[2K';

const MS_PER_MINUTE = 60_000;

/** A key for --catalogue-key; a usage error that says what a key looks like. */
function parseCatalogueKey(text: string): string {
  try {
    return parseKeyHex(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses set ids the catalogue does not have, listing those it has, so a typo does not leave
 * a seeder running forever hosting nothing. An unreachable catalogue is only a warning: the
 * seeder can follow its sets through the DHT and checks again at every poll.
 */
async function checkSets(url: string, sets: string[], contact: string | undefined, logger: Logger): Promise<void> {
  try {
    await requireKnownSets(new CatalogueApi(url, userAgent({ contact, part: 'seeder' })), sets);
  } catch (err) {
    if (isSeedbankError(err, 'SET_NOT_FOUND')) throw err;
    logger.warn({ err, sets }, 'could not check the set ids against the catalogue; starting anyway');
  }
}

/** Adds `seed` and `status` to the seedbank command. */
export function registerSeederCommands(program: Command, ctx: () => SeederCliContext): void {
  program
    .command('seed')
    .description('host volumes: download them into the storage folder (Commons layout), seed them, optionally serve the tree over HTTP')
    .option('--catalogue <url>', 'follow this catalogue: its sets, versions, takedowns')
    .option('--storage <dir>', 'storage folder; default $SEEDBANK_STORAGE')
    .option('--quota <size>', 'never use more disk than this, e.g. 50GB', parseSizeFlag)
    .option('--sets <ids>', 'follow these sets (comma list)', parseList)
    .option('--tags <tags>', 'follow the sets carrying these tags (comma list)', parseList)
    .option('--auto', 'host the most under-copied volumes that fit the quota, rebalancing as the network changes')
    .option('--keep-versions <n>', 'versions of each followed set kept hosted, the latest included', positiveIntArg, DEFAULT_KEEP_VERSIONS)
    .addOption(durationOption('--poll-interval <duration>', 'time between polls of the catalogue (e.g. 10m, 30s)', DEFAULT_POLL_INTERVAL_MS))
    .addOption(durationOption('--min-hosting <duration>', 'auto mode keeps a volume at least this long (e.g. 1h)', DEFAULT_AUTO_MIN_HOSTING_MS))
    .option('--no-dht', 'no DHT (then new versions are only found through the catalogue)')
    .option('--dht-bootstrap <nodes>', 'DHT bootstrap nodes host:port,... (default: the public routers)', parseList)
    .option('--config <file>', 'read the settings from this YAML or JSON file (flags win over it)')
    .option('--torrent <file...>', 'volume .torrent files to host (instead of following a catalogue)')
    .option('--port <n>', 'TCP port for peers (0 = any free one); the DHT takes the same number over UDP', parsePort, 0)
    .option('--peer-host <address>', 'address the peer port listens on (default every interface)')
    .option('--http <port>', 'serve the tree read-only over HTTP on this port (a mirror and BEP 19 web seed)', parsePort)
    .option('--http-host <address>', 'address the HTTP mirror listens on (default 127.0.0.1; 0.0.0.0 serves every interface)')
    .addOption(rateOption('--max-up <rate>', 'upload cap (e.g. 10Mbps, 2MB/s; 0 = none)', 0))
    .addOption(rateOption('--max-down <rate>', 'download cap (e.g. 50Mbps; 0 = none)', 0))
    .option('--no-web-seeds', "do not download from the torrents' url-list (peers only)")
    .option('--web-seed-connections <n>', 'concurrent requests per web seed host', positiveIntArg, DEFAULT_CONNECTIONS_PER_HOST)
    .addOption(rateOption('--web-seed-max-rate <rate>', 'cap on all web seed downloads together (0 = none)', DEFAULT_WEB_SEED_BYTES_PER_SECOND))
    .option('--scrub-share <share>', 'share of the pieces re-hashed per scrub run (0 = no scrub)', parseShare, DEFAULT_SCRUB_SHARE)
    .addOption(durationOption('--scrub-interval <duration>', 'time between scrub runs (e.g. 1h)', DEFAULT_SCRUB_INTERVAL_MS))
    // Deprecated: the old name in minutes, kept so existing units keep working; says so on stderr.
    .addOption(new Option('--scrub-interval-min <minutes>').argParser(positiveIntArg).hideHelp())
    .option('--catalogue-key <hex>', "the catalogue's ed25519 key (64 hex), pinned before the first contact; a catalogue with another key is refused", parseCatalogueKey)
    .option('--contact <email-or-url>', 'contact for the User-Agent of web-seed requests; default $SEEDBANK_CONTACT')
    .action(async (given: SeedFlags & { scrubIntervalMin?: number }, cmd: Command) => {
      const c = ctx();
      const { scrubIntervalMin, ...rest } = given;
      let flags: SeedFlags = { ...rest, storage: given.storage ?? c.storage, contact: given.contact ?? c.contact };
      if (scrubIntervalMin !== undefined) {
        process.stderr.write(`seedbank: --scrub-interval-min is deprecated; use --scrub-interval ${scrubIntervalMin}m\n`);
        if (cmd.getOptionValueSource('scrubInterval') !== 'cli') flags.scrubInterval = scrubIntervalMin * MS_PER_MINUTE;
      }
      const defaultFile = c.configFile ?? path.join(os.homedir(), DEFAULT_CONFIG_RELATIVE);
      if (flags.config) flags = mergeFlags(await loadSeederConfigFile(flags.config), flags, cmd);
      else if (incomplete(flags) && (await exists(defaultFile))) {
        // What the wizard wrote last time: a bare `seedbank seed` starts the same seeder again.
        c.logger.info({ file: defaultFile }, 'reading the seeder settings the setup wrote');
        flags = mergeFlags(await loadSeederConfigFile(defaultFile), flags, cmd);
      } else if (incomplete(flags) && process.stdin.isTTY) {
        const { answers } = await runWizard({
          input: process.stdin,
          output: process.stdout,
          configFile: defaultFile,
          catalogue: flags.catalogue,
          storage: flags.storage,
          userAgent: userAgent({ contact: flags.contact, part: 'seeder' }),
        });
        flags = { ...flags, catalogue: answers.catalogue, storage: answers.storage, quota: parseSizeFlag(answers.quota), sets: answers.sets, tags: answers.tags, auto: answers.auto };
        if (!answers.dht) flags.dht = false;
      }
      const config = seedConfigFromFlags(flags);
      await ensureStorage(config.storage);
      if (config.source.kind === 'catalogue') await checkSets(config.source.url, config.source.sets, flags.contact, c.logger);
      const interrupt = interruptSignal();
      try {
        await runSeed(config, { logger: c.logger, out: c.out, signal: interrupt.signal });
      } finally {
        interrupt.dispose();
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
      const storage = required(opts.storage ?? c.storage, '--storage <dir>', 'SEEDBANK_STORAGE');
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
