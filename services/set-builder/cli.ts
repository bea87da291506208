import { stat } from 'node:fs/promises';
import path from 'node:path';
import { interruptSignal } from '../../shared/interrupt.ts';
import { Command, Option } from 'commander';
import { positiveIntArg, rateOption, required } from '../../shared/cli-args.ts';
import { DEFAULT_MAX_BYTES_PER_SECOND, DEFAULT_MAX_CONNECTIONS_PER_HOST } from '../../shared/http/polite-client.ts';
import { loadRecipe } from '../../shared/formats/recipe.ts';
import type { Logger } from '../../shared/log.ts';
import { createProgress } from '../../shared/progress.ts';
import { formatDuration, formatSize } from '../../shared/units.ts';
import { buildSet } from './build.ts';
import { publishPath, type PublishOutcome } from './publish.ts';
import { verifyVersion } from './verify.ts';
import { MANIFEST_FORMAT_CHOICES, SPLIT_ABOVE_FILES, type ManifestFormatChoice } from './version-writer.ts';
import { SeedbankError } from '../../shared/errors.ts';

/** True when the path is a folder this process can stat. */
async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then((s) => s.isDirectory(), () => false);
}

/** Settings the dispatcher hands to this part (read from flags and the environment there). */
export interface BuilderCliContext {
  logger: Logger;
  contact?: string;
  dataDir?: string;
  /** Publishing token for the catalogue (SEEDBANK_TOKEN). */
  token?: string;
  /** Where results go: stdout, so logs on stderr do not mix in. */
  out: (line: string) => void;
}

function describePublish(o: PublishOutcome, url: string): string {
  return o.status === 'published'
    ? `${o.setId} v${o.version}: published to ${url} (${o.uploadedFiles} files uploaded, ${formatSize(o.uploadedBytes)})`
    : `${o.setId} v${o.version}: already in the catalogue at ${url}; nothing to do`;
}

/** Adds `build`, `publish` and `verify` to the seedbank command. */
export function registerBuilderCommands(program: Command, ctx: () => BuilderCliContext): void {
  program
    .command('build')
    .description('build the next version of a set from its recipe')
    .argument('<recipe>', 'recipe file, e.g. sets/paris.yaml')
    .option('--data <dir>', 'data folder (media tree, versions, keys); default $SEEDBANK_DATA')
    .option('--wiki <api-url>', "the wiki's api.php, overriding the recipe (for mirrors and tests)")
    .option('--contact <email-or-url>', 'contact for the User-Agent (required for Wikimedia); default $SEEDBANK_CONTACT')
    .option('--max-connections <n>', 'connections to the upload server', positiveIntArg, DEFAULT_MAX_CONNECTIONS_PER_HOST)
    .addOption(rateOption('--max-rate <rate>', 'bandwidth cap to the upload server (25Mbps, 3MB/s, 0 = none)', DEFAULT_MAX_BYTES_PER_SECOND))
    .option('--tracker <url...>', 'tracker announce URLs to write into the torrents')
    .option('--full-listing', 'walk every category again instead of reading the changes since the last version')
    .option('--media-from <dir>', 'a local mirror of the upload tree (DIR/a/ab/Name, like wikipedia/commons): files with the wiki\'s SHA-1 are hard-linked or copied from it instead of downloaded')
    .option('--dumps <dir>', 'list the selection from the dump run in <dir> (<wiki>-<YYYYMMDD>-image.sql.gz, ...) instead of the API')
    .option('--upload-base <url>', 'with --dumps: where the originals are served, the folder above commons/ (default for Commons: https://upload.wikimedia.org/wikipedia/)')
    .addOption(
      new Option('--manifest-format <format>', `whole (one manifest.json), split (seedbank-manifest/3: per-volume lists and pages), or auto (split above ${SPLIT_ABOVE_FILES.toLocaleString('en')} files)`)
        .choices(MANIFEST_FORMAT_CHOICES)
        .default('auto'),
    )
    .option('--publish <catalogue-url>', 'after the build, publish every version the catalogue lacks')
    .option('--token <token>', 'publishing token for --publish; default $SEEDBANK_TOKEN')
    .action(async (recipeFile: string, opts: { data?: string; wiki?: string; contact?: string; maxConnections: number; maxRate: number; tracker?: string[]; fullListing?: boolean; dumps?: string; uploadBase?: string; publish?: string; token?: string; mediaFrom?: string; manifestFormat: ManifestFormatChoice }) => {
      const c = ctx();
      const dataDir = required(opts.data ?? c.dataDir, '--data <dir>', 'SEEDBANK_DATA');
      if (opts.mediaFrom !== undefined && !(await isDirectory(opts.mediaFrom))) {
        throw new SeedbankError('INPUT_UNREADABLE', `--media-from ${opts.mediaFrom} is not a readable folder`, {
          hint: 'give the folder that holds the a/ab/ folders of the upload tree (e.g. …/wikipedia/commons)',
        });
      }
      const recipe = await loadRecipe(recipeFile);
      const interrupt = interruptSignal();
      try {
        const r = await buildSet({
          recipe,
          dataDir,
          wikiApiUrl: opts.wiki,
          contact: opts.contact ?? c.contact,
          maxConnections: opts.maxConnections,
          maxBytesPerSecond: opts.maxRate,
          trackers: opts.tracker ?? [],
          fullListing: opts.fullListing,
          mediaFrom: opts.mediaFrom,
          dumps: opts.dumps ? { dir: opts.dumps, uploadBase: opts.uploadBase } : undefined,
          manifestFormat: opts.manifestFormat,
          logger: c.logger,
          signal: interrupt.signal,
        });
        const m = r.head;
        const ch = r.changes;
        c.out(
          r.status === 'unchanged'
            ? `${recipe.id}: no change since v${r.version}; nothing built (${r.dir})`
            : [
                `${recipe.id} v${r.version}: ${m.totals.files} files${r.format === 'split' ? ' (split manifest)' : ''}, ${formatSize(m.totals.bytes)}, ${m.volumes.length} volumes (${r.stats.volumesHashed} hashed, ${r.stats.volumesReused} unchanged)`,
                `  changes: ${ch.added.length} added, ${ch.removed.length} removed, ${ch.changed.length} changed, ${ch.renamed.length} renamed, ${ch.pagesUpdated.length} pages updated`,
                ...(m.snapshot.fromDump ? [`  listed from the ${m.snapshot.fromDump.wiki} dump run of ${m.snapshot.fromDump.run} (revisions up to ${m.snapshot.fromDump.maxRevisionId})`] : []),
                `  downloaded ${r.stats.media.downloaded} files (${formatSize(r.stats.media.downloadedBytes)}), ${r.stats.apiRequests} API requests, ${m.skipped.length} skipped, in ${formatDuration(r.stats.elapsedMs)}`,
                ...m.skipped.map((s) => `  skipped ${s.title}: ${s.reason}`),
                r.dir,
              ].join('\n'),
        );
        if (opts.publish) {
          const outcomes = await publishPath(path.dirname(r.dir), { catalogueUrl: opts.publish, token: opts.token ?? c.token, contact: opts.contact ?? c.contact, logger: c.logger });
          for (const o of outcomes) c.out(describePublish(o, opts.publish));
        }
      } finally {
        interrupt.dispose();
      }
    });

  program
    .command('publish')
    .description('publish a built version (DATA/sets/<id>/vN) or every missing version of a set (DATA/sets/<id>) to a catalogue')
    .argument('<dir>', 'a version folder or a set folder')
    .requiredOption('--catalogue <url>', "the catalogue's base URL")
    .option('--token <token>', 'publishing token; default $SEEDBANK_TOKEN')
    .action(async (dir: string, opts: { catalogue: string; token?: string }) => {
      const c = ctx();
      const outcomes = await publishPath(dir, { catalogueUrl: opts.catalogue, token: opts.token ?? c.token, contact: c.contact, logger: c.logger });
      for (const o of outcomes) c.out(describePublish(o, opts.catalogue));
    });

  program
    .command('verify')
    .description('re-hash a set version against its manifest, signature and torrents')
    .argument('<version-dir>', 'e.g. DATA/sets/paris/v1 (or DATA/sets/paris/latest)')
    .option('--json', 'print the report as JSON')
    .action(async (versionDir: string, opts: { json?: boolean }) => {
      const c = ctx();
      const progress = createProgress('verifying', c.logger);
      const report = await verifyVersion(versionDir, { progress }).finally(() => progress.stop());
      if (opts.json) c.out(JSON.stringify(report, null, 2));
      else {
        for (const p of report.problems) c.out(`✗ ${p.kind} ${p.subject}: ${p.detail}`);
        c.out(
          `${report.setId} v${report.version}: ${report.files} files, ${formatSize(report.bytes)}, ${report.piecesChecked} pieces checked` +
            (report.archived ? `, ${report.archived} superseded files found in the archive` : '') +
            `: ${report.problems.length === 0 ? 'all good' : `${report.problems.length} problems`}`,
        );
      }
      if (report.problems.length > 0) process.exitCode = 1;
    });
}
