/**
 * The catalogue's commands: `seedbank serve`, `seedbank catalogue token create`,
 * `seedbank catalogue rotate-key`. (`seedbank publish` is the builder's side of publishing
 * and lives with the builder, which never imports the catalogue.)
 */
import { WARM_UP_PLACES, type WarmUpPlace } from './redundancy/warm-protocol.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { durationOption, durationOrZeroArg, rateOption, required } from '../../shared/cli-args.ts';
import type { Logger } from '../../shared/log.ts';
import { formatDurationShort, formatSizeShort } from '../../shared/units.ts';
import { createToken, TOKEN_SCOPES, type TokenScope } from './auth/tokens.ts';
import { censusConcurrencyOption, countOption, nodeListOption, portOption, sizeOption } from './cli-options.ts';
import { DEFAULT_CENSUS_CONCURRENCY } from './census/index.ts';
import { DEFAULT_VERIFIED_CACHE_BYTES } from './census/verified-pieces.ts';
import { DEFAULT_REPUT_INTERVAL_MS } from './dht/pointer-publisher.ts';
import { DEFAULT_CENSUS_INTERVAL_MS, DEFAULT_CENSUS_ROUND_BUDGET_MS } from './redundancy/census-runner.ts';
import { DEFAULT_BACKGROUND_NICE, DEFAULT_HOST, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_PORT, DEFAULT_START_WARM_MS, startCatalogueServer } from './server.ts';
import { DEFAULT_WARM_UP_REQUESTS } from './web/code-warm-up.ts';
import { DEFAULT_ANNOUNCE_INTERVAL_MS } from './tracker/catalogue-tracker.ts';
import { DEFAULT_SAMPLE_INTERVAL_MS } from './tracker/swarm-sampler.ts';
import { CatalogueStore } from './store/catalogue-store.ts';
import { LMDB_FOLDER } from './store/open-lmdb.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { readTakedownList, updateTakedownList } from './takedown/takedown-file.ts';
import { COPY_MODES, type CopyMode } from './operators/copy-figures.ts';
import { registerOperatorCommands } from './operators/operator-cli.ts';
import { registerCensusWorkerCommand } from './census-work/worker-cli.ts';

/** Settings the dispatcher hands to this part (read from flags and the environment there). */
export interface CatalogueCliContext {
  logger: Logger;
  dataDir?: string;
  /** Operator contact for the User-Agent (SEEDBANK_CONTACT) and token (SEEDBANK_TOKEN), for census-worker. */
  contact?: string;
  token?: string;
  /** Where results go: stdout, so logs on stderr do not mix in. */
  out: (line: string) => void;
}

interface ServeOptions {
  data?: string;
  port: number;
  host: string;
  publicUrl?: string;
  trustProxy?: boolean;
  maxUpload?: number;
  sampleInterval?: number;
  announceInterval?: number;
  dht?: boolean;
  dhtBootstrap?: string[];
  dhtPort?: number;
  dhtReputInterval?: number;
  censusInterval?: number;
  censusConcurrency?: number;
  censusRoundBudget?: number;
  censusMaxRate?: number;
  censusCache?: number;
  censusWorkers?: boolean;
  census: boolean;
  copies: CopyMode;
  copyWarmUp: WarmUpPlace;
  startWarmUp: number;
  warmUpRequests: number;
  backgroundNice: number;
  trackerPeersPerAddress?: number;
  trackerAnnouncesPerMinute?: number;
}

function dataDirOf(opts: { data?: string }, c: CatalogueCliContext): string {
  return required(opts.data ?? c.dataDir, '--data <dir>', 'SEEDBANK_DATA');
}

/**
 * Opens the catalogue store of an existing data folder. A mistyped --data must not quietly
 * make a new empty store (a token there would publish nowhere): only `serve` and an explicit
 * `--init` create one.
 */
function existingStore(dataDir: string, init = false): CatalogueStore {
  if (!init && !existsSync(path.join(dataDir, LMDB_FOLDER))) {
    throw new SeedbankError('CATALOGUE_STORE_MISSING', `${path.resolve(dataDir)} holds no catalogue store (no ${LMDB_FOLDER} folder)`, { context: { dataDir } });
  }
  return CatalogueStore.open(dataDir);
}

/** Runs until SIGINT or SIGTERM, then closes everything. */
async function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(s);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Adds `serve` and `catalogue …` to the seedbank command. */
export function registerCatalogueCommands(program: Command, ctx: () => CatalogueCliContext): void {
  program
    .command('serve')
    .description('run the catalogue: web API, metadata web seed, BitTorrent tracker (HTTP and UDP), DHT pointers')
    .option('--data <dir>', 'catalogue data folder (LMDB store, staged uploads); default $SEEDBANK_DATA')
    .option('--port <n>', 'HTTP port, also the UDP tracker port (0: any free port)', portOption, DEFAULT_PORT)
    .option('--host <address>', 'address to listen on', DEFAULT_HOST)
    .option('--public-url <url>', 'public base URL behind a reverse proxy (for web-seed URLs)')
    .option('--trust-proxy', 'take client addresses from the last X-Forwarded-For entry, the one your reverse proxy appended (only behind your own proxy)')
    .addOption(new Option('--max-upload <size>', 'largest file a publish may upload').argParser(sizeOption).default(DEFAULT_MAX_UPLOAD_BYTES, formatSizeShort(DEFAULT_MAX_UPLOAD_BYTES)))
    .addOption(durationOption('--sample-interval <duration>', 'how often swarm counts are sampled into the history', DEFAULT_SAMPLE_INTERVAL_MS))
    .addOption(durationOption('--announce-interval <duration>', 'announce interval told to BitTorrent clients', DEFAULT_ANNOUNCE_INTERVAL_MS))
    .option('--dht', 'put set pointers into the DHT (with the public bootstrap routers unless --dht-bootstrap)')
    .option('--dht-bootstrap <host:port,...>', 'DHT bootstrap nodes; turns the DHT on', nodeListOption)
    .option('--dht-port <n>', 'UDP port of the DHT node (0: any free port)', portOption, 0)
    .addOption(durationOption('--dht-reput-interval <duration>', 'how often every pointer is put again', DEFAULT_REPUT_INTERVAL_MS))
    .addOption(durationOption('--census-interval <duration>', 'how often every known peer is audited', DEFAULT_CENSUS_INTERVAL_MS))
    .option('--census-concurrency <n>', 'piece transfers at once; peers waiting to unchoke hold none', censusConcurrencyOption, DEFAULT_CENSUS_CONCURRENCY)
    .addOption(durationOption('--census-round-budget <duration>', 'longest census round; peers not reached go first next round', DEFAULT_CENSUS_ROUND_BUDGET_MS))
    .addOption(rateOption('--census-max-rate <rate>', 'cap on what all census audits download together (e.g. 100Mbps; 0 = none)', 0))
    .addOption(new Option('--census-cache <size>', 'verified pieces kept to challenge other peers with one 16 KiB block instead of a whole piece (0: whole pieces only)').argParser(sizeOption).default(DEFAULT_VERIFIED_CACHE_BYTES, formatSizeShort(DEFAULT_VERIFIED_CACHE_BYTES)))
    .option('--census-workers', 'also hand census work to `seedbank census-worker` processes (census-scoped tokens) in leases')
    .option('--no-census', 'do not audit peers (copies then stay at zero)')
    .option('--copies <mode>', 'what the headline copy count counts: any (each audited address and operator once) or approved (distinct approved operators only)', (v: string) => {
      if (!(COPY_MODES as readonly string[]).includes(v)) throw new InvalidArgumentError(`one of ${COPY_MODES.join(', ')}`);
      return v as CopyMode;
    }, 'any')
    .option('--copy-warm-up <where>', 'where the copy figures are recomputed after a start and every census round: auto (a worker thread on a machine of 4 or more cores, else the main thread), thread, or main', (v: string) => {
      if (!(WARM_UP_PLACES as readonly string[]).includes(v)) throw new InvalidArgumentError(`one of ${WARM_UP_PLACES.join(', ')}`);
      return v as WarmUpPlace;
    }, 'auto')
    .addOption(new Option('--start-warm-up <duration>', 'how long a start may spend bringing the copy figures up to date (and loading the tracked torrents) before it serves (requests that come meanwhile wait); the rest goes on in the background (0: all of it)').argParser(durationOrZeroArg).default(DEFAULT_START_WARM_MS, formatDurationShort(DEFAULT_START_WARM_MS)))
    .option('--warm-up-requests <n>', 'copy lookups a start answers to itself, on loopback, before it serves (requests that come meanwhile wait), so that the first visitors meet compiled code (0: none)', countOption(0, 100_000), DEFAULT_WARM_UP_REQUESTS)
    .option('--background-nice <n>', 'how far below the event loop (in nice values) the catalogue\'s other threads run: V8\'s compiler and garbage-collector helpers, libuv\'s pool; under contention requests get a core first (0: as the event loop; Linux)', countOption(0, 19), DEFAULT_BACKGROUND_NICE)
    .option('--tracker-peers-per-address <n>', 'peers one address (IPv6: one /64) may hold in a swarm; more replace its oldest (default 8)', countOption(1, 10_000))
    .option('--tracker-announces-per-minute <n>', 'announces one address may send per minute, also its burst (default 600; 0: no limit)', countOption(0, 1_000_000))
    .action(async (opts: ServeOptions) => {
      const c = ctx();
      const dhtOn = Boolean(opts.dht || opts.dhtBootstrap);
      const server = await startCatalogueServer({
        dataDir: dataDirOf(opts, c),
        port: opts.port,
        host: opts.host,
        logger: c.logger,
        publicUrl: opts.publicUrl,
        trustProxy: opts.trustProxy,
        maxUploadBytes: opts.maxUpload,
        sampleIntervalMs: opts.sampleInterval,
        announceIntervalMs: opts.announceInterval,
        dht: dhtOn ? { bootstrap: opts.dhtBootstrap, port: opts.dhtPort, reputIntervalMs: opts.dhtReputInterval } : null,
        trackerPeersPerAddress: opts.trackerPeersPerAddress,
        trackerAnnouncesPerMinute: opts.trackerAnnouncesPerMinute,
        census: opts.census ? { intervalMs: opts.censusInterval, concurrency: opts.censusConcurrency, roundBudgetMs: opts.censusRoundBudget, maxBytesPerSecond: opts.censusMaxRate, verifiedCacheBytes: opts.censusCache, workers: opts.censusWorkers ? {} : null } : null,
        copies: opts.copies,
        copyWarmUpOnWorker: opts.copyWarmUp === 'auto' ? undefined : opts.copyWarmUp === 'thread',
        startWarmMs: opts.startWarmUp,
        warmUpRequests: opts.warmUpRequests,
        backgroundNice: opts.backgroundNice,
      });
      const dhtAddress = server.dht?.address();
      c.out(`catalogue listening on ${server.url} (tracker: ${server.url}/announce and udp://${server.url.slice('http://'.length)}/announce)`);
      if (dhtAddress) c.out(`DHT node on udp ${dhtAddress.address}:${dhtAddress.port}`);
      const signal = await untilSignal();
      c.logger.info({ signal }, 'closing the catalogue');
      await server.close();
    });

  registerCensusWorkerCommand(program, ctx);

  const catalogue = program.command('catalogue').description("manage a catalogue's data folder (works while the server runs)");
  const token = catalogue.command('token').description('publishing tokens');
  token
    .command('create')
    .description('make a publishing token; only its SHA-256 is stored, the token is printed on the last line')
    .option('--data <dir>', 'catalogue data folder; default $SEEDBANK_DATA')
    .option('--label <text>', 'who or what the token is for', 'publisher')
    .addOption(new Option('--scope <scope>', 'publish (sets and drills) or census (census-worker only; cannot publish)').choices(TOKEN_SCOPES).default('publish'))
    .option('--init', 'create a new, empty catalogue store in --data if it holds none (serve does too)')
    .action(async (opts: { data?: string; label: string; init?: boolean; scope: TokenScope }) => {
      const c = ctx();
      const store = existingStore(dataDirOf(opts, c), opts.init);
      try {
        const t = await createToken(store, opts.label, Date.now(), opts.scope);
        c.out(`${opts.scope} token for "${opts.label}" (shown once; pass it as --token or SEEDBANK_TOKEN):`);
        c.out(t);
      } finally {
        await store.close();
      }
    });

  catalogue
    .command('rotate-key')
    .description("replace a set's registered signing key (after a key loss); its next version must be signed by the new key")
    .argument('<set>', 'set id')
    .argument('<new-key-hex>', 'the new raw ed25519 public key, 64 hex digits (the publicKey of the new manifest)')
    .option('--data <dir>', 'catalogue data folder; default $SEEDBANK_DATA')
    .action(async (setId: string, newKey: string, opts: { data?: string }) => {
      const c = ctx();
      const store = existingStore(dataDirOf(opts, c));
      try {
        const old = await store.rotateKey(setId, newKey.toLowerCase());
        c.out(old === newKey.toLowerCase() ? `${setId}: the key was already ${newKey}` : `${setId}: key ${old} replaced by ${newKey.toLowerCase()}`);
      } finally {
        await store.close();
      }
    });

  registerOperatorCommands(catalogue, () => ({ out: ctx().out, dataDir: (opts) => dataDirOf(opts, ctx()) }));

  const takedown = catalogue.command('takedown').description('the signed takedown list seeders apply (legal takedowns only: a wiki deletion stays in old versions)');
  takedown
    .command('add')
    .description('list a file by SHA-1; seeders delete it everywhere and stop serving it')
    .argument('<sha1>', "the file's SHA-1, 40 hex digits")
    .requiredOption('--reason <text>', 'why (a court order, an OTRS ticket…)')
    .option('--title <title>', 'the file title, for people reading the list')
    .option('--data <dir>', 'catalogue data folder; default $SEEDBANK_DATA')
    .action(async (sha1: string, opts: { reason: string; title?: string; data?: string }) => {
      const c = ctx();
      if (!/^[0-9a-f]{40}$/i.test(sha1)) throw new InvalidArgumentError(`"${sha1}" is not a SHA-1 (40 hex digits)`);
      const list = await updateTakedownList(dataDirOf(opts, c), { add: { sha1: sha1.toLowerCase(), reason: opts.reason, title: opts.title, addedAt: new Date().toISOString() } });
      c.out(`takedown list serial ${list.serial}: ${list.entries.length} files`);
    });
  takedown
    .command('remove')
    .argument('<sha1>', "the file's SHA-1")
    .option('--data <dir>', 'catalogue data folder; default $SEEDBANK_DATA')
    .action(async (sha1: string, opts: { data?: string }) => {
      const c = ctx();
      const list = await updateTakedownList(dataDirOf(opts, c), { removeSha1: sha1.toLowerCase() });
      c.out(`takedown list serial ${list.serial}: ${list.entries.length} files`);
    });
  takedown
    .command('list')
    .option('--data <dir>', 'catalogue data folder; default $SEEDBANK_DATA')
    .action(async (opts: { data?: string }) => {
      const c = ctx();
      const list = await readTakedownList(dataDirOf(opts, c));
      for (const e of list.entries) c.out(`${e.sha1}  ${e.addedAt}  ${e.title ?? ''}  ${e.reason}`);
      c.out(`serial ${list.serial}, ${list.entries.length} files, signed by ${list.publicKey}`);
    });
}
