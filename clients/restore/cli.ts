import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { interruptSignal } from '../../shared/interrupt.ts';
import path from 'node:path';
import { Command, Option } from 'commander';
import { durationOption, positiveIntArg, rateOption } from '../../shared/cli-args.ts';
import { userAgent as seedbankUserAgent } from '../../shared/http/user-agent.ts';
import { openVersionManifest } from '../../shared/formats/version-manifest.ts';
import { SeedbankError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { formatDuration } from '../../shared/units.ts';
import { parseRate } from '../seeder/download-api.ts';
import { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { requireKnownSets } from '../../shared/api/known-sets.ts';
import { restoreVersionIntoWiki } from './into-wiki/into-wiki.ts';
import { TargetWiki } from './into-wiki/target-wiki.ts';
import { imageDumpCoverage } from './coverage/coverage.ts';
import { DEFAULT_DRILL_SAMPLE, runDrill } from './drill.ts';
import { formatCategoryCopies, formatCoverage, formatFileCopies } from './format-copies.ts';
import { summariseRestore } from './restore-report.ts';
import { DEFAULT_STALL_TIMEOUT_MS, restoredPathsOf, restoreSet, type RestoreLayout } from './restore.ts';
import { titleMatcher } from './title-glob.ts';
import { parseSetRef } from './version-metadata.ts';

/** Settings the dispatcher hands to this part. */
export interface RestoreCliContext {
  logger: Logger;
  /** Contact for the User-Agent (SEEDBANK_CONTACT). */
  contact?: string;
  /** Catalogue token (SEEDBANK_TOKEN). */
  token?: string;
  out: (line: string) => void;
}

function userAgent(contact: string | undefined): string {
  return seedbankUserAgent({ contact, part: 'restore' });
}

/** A usage error on one flag: says what was wrong and what to do. */
function usage(message: string, hint: string): SeedbankError {
  return new SeedbankError('CONFIG_INVALID', message, { hint });
}

interface RestoreFlags {
  catalogue: string;
  out: string;
  webseed: boolean;
  layout: RestoreLayout;
  only?: string;
  stallTimeout: number;
  maxDown: number;
  json?: boolean;
  intoWiki?: string;
  user?: string;
  password?: string;
}

/** Adds `restore`, `drill`, `copies` and `coverage` to the seedbank command. */
export function registerRestoreCommands(program: Command, ctx: () => RestoreCliContext): void {
  program
    .command('restore')
    .description('restore a set version from peers and web seeds, verify every file against the signed manifest, write a report')
    .argument('<set>', 'SET or SET@VERSION (default the latest version)')
    .requiredOption('--catalogue <url>', 'the catalogue to restore from')
    .requiredOption('--out <dir>', 'output folder (re-run into the same folder to resume)')
    .option('--no-webseed', 'peers only: do not download from the wiki')
    .addOption(new Option('--layout <layout>', 'commons: DIR/commons/a/ab/Name; title: DIR/files/Name with spaces.jpg').choices(['commons', 'title']).default('commons'))
    .option('--only <pattern>', 'only files whose title matches this glob (e.g. "*Eiffel*"); fetches only their volumes')
    .addOption(durationOption('--stall-timeout <duration>', 'give up on what is left when nothing arrives for this long', DEFAULT_STALL_TIMEOUT_MS))
    .addOption(rateOption('--max-down <rate>', 'download cap (e.g. 50Mbps; 0 = none)', 0))
    .option('--json', 'print the report as JSON instead of the summary')
    .option('--into-wiki <api-url>', "then upload the files and their pages into this MediaWiki (its api.php)")
    .option('--user <name@bot>', 'bot password user name for --into-wiki (Special:BotPasswords; needs edit and upload grants)')
    .option('--password <password>', 'bot password for --into-wiki')
    .action(async (ref: string, flags: RestoreFlags) => {
      const c = ctx();
      const { setId, version } = parseSetRef(ref);
      if (flags.intoWiki && (!flags.user || !flags.password)) {
        throw new SeedbankError('CONFIG_MISSING', `missing setting ${flags.user ? '--password <password>' : '--user <name@bot>'}: --into-wiki needs a bot password`, {
          hint: 'pass --user NAME@BOT and --password (from Special:BotPasswords, with edit and upload grants)',
        });
      }
      const { signal, dispose } = interruptSignal();
      try {
        const report = await restoreSet({
          catalogue: new CatalogueApi(flags.catalogue, userAgent(c.contact)),
          setId,
          version,
          outDir: flags.out,
          layout: flags.layout,
          webSeeds: flags.webseed,
          only: flags.only,
          stallTimeoutMs: flags.stallTimeout,
          maxDownloadBytesPerSecond: flags.maxDown,
          userAgent: userAgent(c.contact),
          logger: c.logger,
          signal,
        });
        if (flags.json) c.out(JSON.stringify(report, null, 2));
        else summariseRestore(report).forEach((l) => c.out(l));
        if (flags.intoWiki) {
          const manifest = await openVersionManifest(flags.out);
          const match = flags.only ? titleMatcher(flags.only) : () => true;
          const bad = new Set(report.problems.map((p) => p.title));
          const wiki = await TargetWiki.login({ apiUrl: flags.intoWiki, username: flags.user!, password: flags.password!, userAgent: userAgent(c.contact), logger: c.logger });
          const r = await restoreVersionIntoWiki({
            wiki,
            apiUrl: flags.intoWiki,
            setId,
            version: report.version,
            outDir: flags.out,
            manifest,
            wanted: (f) => match(f.title) && !bad.has(f.title),
            pathOf: await restoredPathsOf(path.resolve(flags.out), flags.layout, manifest),
            logger: c.logger,
          });
          c.out(`Into ${flags.intoWiki}: ${r.uploaded} uploaded, ${r.pagesUpdated} pages updated, ${r.skipped} already there; ${r.conflicts.length} conflicts, ${r.differences.length} differences after checking`);
          for (const x of r.conflicts) c.out(`  CONFLICT ${x.title}: ${x.reason}`);
          for (const d of r.differences) c.out(`  DIFFERS ${d.title}: ${d.problem}`);
          if (!r.ok) throw new SeedbankError('WIKI_RESTORE_INCOMPLETE', `${r.differences.length} file(s) or page(s) in the wiki do not match ${setId} v${report.version}`, { hint: 'see into-wiki-report.json' });
        }
        if (!report.ok) {
          const names = report.problems.slice(0, 10).map((p) => p.title).join(', ');
          throw new SeedbankError('RESTORE_INCOMPLETE', `${report.missing} missing and ${report.wrong} wrong of ${report.files} files${names ? `: ${names}` : ''}`, {
            hint: report.stopped === 'aborted' ? 'run the same command again to resume' : 'see restore-report.json; run again later or with web seeds to fetch the rest',
          });
        }
      } finally {
        dispose();
      }
    });

  program
    .command('drill')
    .description('restore a random sample of files from peers only, time it and report it to the catalogue')
    .requiredOption('--catalogue <url>', 'the catalogue to drill against')
    .option('--sample <n>', 'files per drill', positiveIntArg, DEFAULT_DRILL_SAMPLE)
    .option('--set <id>', 'drill this set (default: a random published set each time)')
    .addOption(durationOption('--every <duration>', 'repeat forever at this interval (90s, 30m, 6h, 1d)'))
    .option('--token <token>', 'catalogue token to report with; default $SEEDBANK_TOKEN')
    .addOption(durationOption('--stall-timeout <duration>', 'a drill fails when nothing arrives for this long', DEFAULT_STALL_TIMEOUT_MS))
    .action(async (flags: { catalogue: string; sample: number; set?: string; every?: number; token?: string; stallTimeout: number }) => {
      const c = ctx();
      const catalogue = new CatalogueApi(flags.catalogue, userAgent(c.contact));
      // A mistyped --set is a usage error, not a failed drill to report (and repeat with --every).
      if (flags.set) await requireKnownSets(catalogue, [flags.set]);
      const { signal, dispose } = interruptSignal();
      let lastReported = false;
      try {
        for (;;) {
          const { body, reported } = await runDrill({
            catalogue,
            setId: flags.set ?? null,
            sample: flags.sample,
            token: flags.token ?? c.token,
            stallTimeoutMs: flags.stallTimeout,
            userAgent: userAgent(c.contact),
            logger: c.logger,
            signal,
          });
          c.out(`${body.ok ? 'Drill OK' : 'Drill FAILED'}: ${body.setId} v${body.version}, ${body.filesOk} of ${body.filesChecked} sampled files restored from peers in ${formatDuration(body.seconds * 1000)}` +
            `${body.copiesSeen ? `; catalogue copies min ${body.copiesSeen.min}, median ${body.copiesSeen.median}` : ''}${reported ? '; reported' : '; not reported'}`);
          if (body.error) c.out(`  ${body.error}`);
          lastReported = reported;
          process.exitCode = body.ok ? 0 : 1;
          if (!flags.every || signal.aborted) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, flags.every);
            signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
          });
          if (signal.aborted) break;
        }
        if (process.exitCode === 1) throw new SeedbankError('DRILL_FAILED', 'the restore drill failed', {
          hint: lastReported ? 'see the log above; the catalogue shows it too' : 'see the log above; it was not reported to the catalogue (pass --token or set SEEDBANK_TOKEN)',
        });
      } finally {
        dispose();
      }
    });

  program
    .command('copies')
    .description('how many verified copies of a file exist, on which networks, in which sets')
    .argument('<file>', 'a title (File:Name.jpg) or a SHA-1')
    .requiredOption('--catalogue <url>', 'the catalogue to ask')
    .option('--json', 'print the answer as JSON')
    .action(async (key: string, flags: { catalogue: string; json?: boolean }) => {
      const c = ctx();
      const answer = await new CatalogueApi(flags.catalogue, userAgent(c.contact)).fileCopies(key);
      if (flags.json) c.out(JSON.stringify(answer, null, 2));
      else formatFileCopies(answer).forEach((l) => c.out(l));
    });

  program
    .command('coverage')
    .description("copy coverage of a category, or of a whole wiki from its image table dump (*-image.sql.gz)")
    .requiredOption('--catalogue <url>', 'the catalogue to ask')
    .option('--category <name>', 'copy figures of the files directly in one category (not its subcategories), spelt as on the wiki')
    .option('--image-dump <file>', "a wiki's image table dump, gzipped or not")
    .option('--missing-list <file>', 'where to list the files without any copy (tab-separated name, size, sha1)', 'uncovered-files.tsv')
    .option('--json', 'print the figures as JSON')
    .action(async (flags: { catalogue: string; category?: string; imageDump?: string; missingList: string; json?: boolean }) => {
      const c = ctx();
      if (!flags.category && !flags.imageDump) throw new SeedbankError('CONFIG_MISSING', 'missing setting --category <name> or --image-dump <file>', { hint: 'pass one of them' });
      if (flags.category && flags.imageDump) throw usage('--category and --image-dump were both given', 'pass only one of --category NAME or --image-dump FILE');
      // Before the catalogue is asked (a large export) and before the missing list is created.
      if (flags.imageDump) await readableFile(flags.imageDump, '--image-dump');
      const catalogue = new CatalogueApi(flags.catalogue, userAgent(c.contact));
      if (flags.category) {
        const answer = await catalogue.categoryCopies(flags.category);
        if (flags.json) c.out(JSON.stringify(answer, null, 2));
        else formatCategoryCopies(answer).forEach((l) => c.out(l));
        return;
      }
      const copies = await catalogue.exportCopies();
      c.logger.info({ files: copies.size }, 'loaded the catalogue copy counts');
      const report = await imageDumpCoverage({ dumpFile: flags.imageDump!, copies, missingListFile: flags.missingList });
      if (flags.json) c.out(JSON.stringify(report, null, 2));
      else formatCoverage(report).forEach((l) => c.out(l));
    });
}

/** Fails with one clear line when an input file named by a flag cannot be read. */
async function readableFile(file: string, flag: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SeedbankError('INPUT_UNREADABLE', `cannot read ${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`, {
      hint: `check the path given to ${flag}`,
      context: { file, code },
      cause: err,
    });
  }
}
