/** `seedbank census-worker`: the command line of a census worker (census-work/worker.ts). */
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { CatalogueApi } from '../../../shared/api/catalogue-api.ts';
import { rateOption, required } from '../../../shared/cli-args.ts';
import { userAgent } from '../../../shared/http/user-agent.ts';
import type { Logger } from '../../../shared/log.ts';
import { loadOrCreateKeyFile } from '../../../shared/signing.ts';
import { formatSizeShort } from '../../../shared/units.ts';
import { DEFAULT_CENSUS_CONCURRENCY } from '../census/index.ts';
import { DEFAULT_VERIFIED_CACHE_BYTES } from '../census/verified-pieces.ts';
import { censusConcurrencyOption, countOption, sizeOption } from '../cli-options.ts';
import { DEFAULT_LEASE_VOLUMES, MAX_LEASE_VOLUMES } from './lease-pool.ts';
import { runCensusWorker } from './worker.ts';

/** Where the worker's signing key lives unless --key says otherwise. */
function defaultKeyFile(): string {
  const config = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(config, 'seedbank', 'census-worker-key');
}

interface WorkerFlags {
  catalogue?: string;
  token?: string;
  name: string;
  key?: string;
  concurrency: number;
  censusMaxRate: number;
  censusCache: number;
  volumesPerLease: number;
  contact?: string;
}

/** Adds `census-worker` to the seedbank command. */
export function registerCensusWorkerCommand(program: Command, ctx: () => { logger: Logger; contact?: string; token?: string; out: (l: string) => void }): void {
  program
    .command('census-worker')
    .description("audit a share of a catalogue's census from this machine: takes leases on volumes, audits their peers, posts signed verdicts")
    .option('--catalogue <url>', 'the catalogue to work for')
    .option('--token <token>', 'a census-scoped token (seedbank catalogue token create --scope census); default $SEEDBANK_TOKEN')
    .option('--name <name>', 'this worker in the catalogue\'s logs and round figures', os.hostname().replace(/[^\w.-]/g, '-').slice(0, 64) || 'worker')
    .option('--key <file>', 'its ed25519 signing key, made on first run; default ~/.config/seedbank/census-worker-key')
    .option('--concurrency <n>', 'piece transfers at once', censusConcurrencyOption, DEFAULT_CENSUS_CONCURRENCY)
    .addOption(rateOption('--census-max-rate <rate>', 'cap on what all audits download together (e.g. 100Mbps; 0 = none)', 0))
    .addOption(new Option('--census-cache <size>', 'verified pieces kept for block challenges (0: whole pieces only)').argParser(sizeOption).default(DEFAULT_VERIFIED_CACHE_BYTES, formatSizeShort(DEFAULT_VERIFIED_CACHE_BYTES)))
    .option('--volumes-per-lease <n>', 'volumes asked for per lease', countOption(1, MAX_LEASE_VOLUMES), DEFAULT_LEASE_VOLUMES)
    .option('--contact <email-or-url>', 'contact for the User-Agent; default $SEEDBANK_CONTACT')
    .action(async (flags: WorkerFlags) => {
      const c = ctx();
      const catalogue = required(flags.catalogue, '--catalogue <url>');
      const token = required(flags.token ?? c.token, '--token <token>', 'SEEDBANK_TOKEN');
      const keyFile = flags.key ?? defaultKeyFile();
      const key = await loadOrCreateKeyFile(keyFile, `delete ${keyFile} to make a new key, then ask for a new census token (the old one is pinned to the old key)`);
      const api = new CatalogueApi(catalogue, userAgent({ contact: flags.contact ?? c.contact, part: 'census-worker' }));
      const stop = new AbortController();
      const onSignal = () => stop.abort(new Error('signal'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      c.logger.info({ catalogue, name: flags.name, key: key.publicKeyHex }, 'census worker started');
      try {
        const posted = await runCensusWorker({
          api, token, key, name: flags.name, logger: c.logger, signal: stop.signal,
          volumesPerLease: flags.volumesPerLease, concurrency: flags.concurrency,
          maxBytesPerSecond: flags.censusMaxRate, verifiedCacheBytes: flags.censusCache,
        });
        c.out(`census worker stopped after posting ${posted} verdicts`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
