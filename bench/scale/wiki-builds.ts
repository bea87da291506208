/**
 * Sections (a) and (b): a set of every file of the bulk-filled MariaDB wiki (Category:Paris
 * and its three subcategories), built (a) from the wiki's own dump run (mysqldump +
 * dumpBackup.php --current) and (b) through its API. Both take the originals from the wiki's
 * upload folder with --media-from, so 100k files are not fetched over HTTP one by one; the
 * listing, the volumes and the manifest are what is measured.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeDumpRun, type DumpRunFiles } from '../../deploy/local/wiki/dump-run.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { SCALE_ROOT } from '../../deploy/local/wiki/scale-data.ts';
import { fillWikiInBulk, type ScaleFill } from '../../deploy/local/wiki/scale-fill.ts';
import { verifyScaleWiki, type ScaleCheck } from '../../deploy/local/wiki/scale-verify.ts';
import type { ScaleContext, ScaleRow, ScaleSection } from './context.ts';
import { measuredBuild, type MeasuredBuild } from './measured-build.ts';
import { megabytes, RSS_TARGET_100K_BYTES, seconds } from './report.ts';

const RUN_DATE = '20261201';
const SET_ID = 'scale-paris';
/** Paris → 3 subcategories: depth 1 reaches every file; 2 leaves room for the tree to grow. */
const CATEGORY_DEPTH = 2;
/** Volume and piece sizes of the scale sets (a 100k set of 1-3 KiB files is about 200 MB: a few volumes). */
export const SCALE_VOLUME_LIMIT = '64MB';
export const SCALE_PIECE_LENGTH = '256KiB';

/** The filled wiki and its dump run, shared by both sections. */
interface FixtureWiki {
  wiki: Wiki;
  fill: ScaleFill;
  check: ScaleCheck;
  /** Null when only the API section runs: dumpBackup.php takes minutes and that build does not read it. */
  run: DumpRunFiles | null;
  recipeFile: string;
}

async function fixtureWiki(ctx: ScaleContext): Promise<FixtureWiki> {
  return ctx.shared('wiki', async () => {
    const { files, workDir } = ctx.options;
    ctx.log('starting a MediaWiki on MariaDB…');
    const wiki = await startWiki({ name: 'Scale Wiki', database: 'mariadb' });
    try {
      ctx.log(`filling it with ${files.toLocaleString('en')} files in bulk…`);
      const fill = await fillWikiInBulk(wiki, { files, log: ctx.log });
      ctx.log(`filled in ${seconds(fill.timings.totalMs)}; checking through the API…`);
      const check = await verifyScaleWiki(wiki, fill);
      const withDumps = ctx.options.sections.includes('dumps');
      ctx.log(`the API sees them (${check.apiRequests} requests, ${seconds(check.ms)})${withDumps ? '; writing the dump run…' : ''}`);
      const run = withDumps ? await writeDumpRun(wiki, path.join(workDir, 'wiki-run'), RUN_DATE) : null;
      const recipeFile = path.join(workDir, `${SET_ID}.json`);
      await writeFile(recipeFile, JSON.stringify({
        id: SET_ID, title: 'Paris at scale', wiki: wiki.apiUrl,
        selection: { categories: [{ name: SCALE_ROOT, depth: CATEGORY_DEPTH }] },
        volumeSizeLimit: SCALE_VOLUME_LIMIT, pieceLength: SCALE_PIECE_LENGTH,
      }, null, 2));
      return { wiki, fill, check, run, recipeFile };
    } catch (err) {
      await wiki.stop();
      throw err;
    }
  }, (f) => f.wiki.stop());
}

/** The info hashes of a built version's volumes, when its manifest can be read whole (null if not). */
async function volumeHashes(dataDir: string): Promise<string[] | null> {
  try {
    const m = JSON.parse(await readFile(path.join(dataDir, 'sets', SET_ID, 'v1', 'manifest.json'), 'utf8')) as { volumes?: Array<{ infoHash?: string }> };
    const hashes = (m.volumes ?? []).map((v) => v.infoHash ?? '');
    return hashes.length > 0 && hashes.every((h) => h !== '') ? hashes.sort() : null;
  } catch {
    return null; // another manifest format (split manifests) or no build: nothing to compare
  }
}

/** "dump read: page… 310 MB at 12 s → built … 1718 MB at 700 s": the RSS reached at each phase. */
export function milestoneNote(b: MeasuredBuild): string {
  const steps = b.milestones.map((m) => `${m.msg.startsWith('dump read') ? m.msg : m.msg.slice(0, 48)} (${megabytes(m.rssBytes)} at ${seconds(m.atMs)})`);
  return `RSS reached by phase (sampled every 0.5 s): ${steps.length > 0 ? steps.join(' → ') : 'no phase logged'}`;
}

/** Why a build failed, in a line: its fatal error (V8's out-of-memory line, a thrown error) before the stack, and the last phase it reached. */
function failureSummary(b: MeasuredBuild): string {
  const fatal = b.lastLog.find((l) => /FATAL ERROR|out of memory|Invalid string length|^\w*Error\b|^seedbank: /.test(l.trim()));
  const phase = b.milestones.at(-1);
  return [
    `exit ${b.exitCode ?? b.signal}`,
    fatal ? fatal.trim() : `last log: ${b.lastLog.slice(-3).join(' | ')}`,
    ...(phase ? [`last phase reached: ${phase.msg} (${megabytes(phase.rssBytes)} at ${seconds(phase.atMs)})`] : []),
  ].join('; ');
}

/** A report row from a measured build. */
export function buildRow(label: string, b: MeasuredBuild, rssTargetBytes: number, expectedFiles: number): ScaleRow {
  const ok = b.exitCode === 0;
  const figures: ScaleRow['figures'] = { ...b.figures };
  if (b.cpuSeconds !== null) figures['CPU time'] = `${b.cpuSeconds.toFixed(1)} s`;
  if (ok && b.figures.files !== undefined && b.figures.files !== expectedFiles) figures.mismatch = `${b.figures.files} files built, ${expectedFiles} expected`;
  return {
    label,
    ok: ok && figures.mismatch === undefined,
    wallMs: b.wallMs,
    peakRssBytes: b.peakRssBytes,
    rssTargetBytes,
    figures,
    error: ok ? (figures.mismatch as string | undefined) : failureSummary(b),
  };
}

function fixtureNotes(f: FixtureWiki): string[] {
  const t = f.fill.timings;
  const r = f.run?.timings;
  const n = f.fill.files;
  return [
    `fixture: ${n.toLocaleString('en')} files (${(f.fill.bytes / 1e6).toFixed(0)} MB) bulk-filled in ${seconds(t.totalMs)} (rows + media in one transaction: ${seconds(t.sqlAndMediaMs)}, ${Math.round(n / (t.sqlAndMediaMs / 1000)).toLocaleString('en')} files/s; category pages and templates before: ${seconds(t.pagesMs)}; closing edit: ${seconds(t.snapshotEditMs)})`,
    `API check: allimages ${f.check.allImages.toLocaleString('en')} (SHA-1 and size of each), categorymembers ${JSON.stringify(f.check.members)}, ${f.check.sampled} sampled files' imageinfo, text and served bytes: ${f.check.apiRequests} requests in ${seconds(f.check.ms)}`,
    ...(r ? [`dump run: mysqldump of 4 tables ${seconds(r.tablesMs)}, dumpBackup.php --current ${seconds(r.xmlMs)} (${Math.round(n / (r.xmlMs / 1000)).toLocaleString('en')} pages/s), checksums ${seconds(r.checksumsMs)}`] : []),
    `media: both builds take the originals from the wiki's upload folder with --media-from (hard links, SHA-1 checked), not over HTTP`,
  ];
}

/** (a) the set built from the fixture wiki's dump run. */
export const dumpsSection: ScaleSection = {
  id: 'dumps',
  title: 'Build from the wiki\'s dumps (--dumps)',
  async run(ctx) {
    const f = await fixtureWiki(ctx);
    if (!f.run) throw new Error('the fixture wiki was made without its dump run');
    const dataDir = path.join(ctx.options.workDir, 'data-dumps');
    await mkdir(dataDir, { recursive: true });
    ctx.log('building from the dumps…');
    const b = await measuredBuild([f.recipeFile, '--data', dataDir, '--dumps', f.run.dir, '--upload-base', f.wiki.uploadBaseUrl, '--media-from', f.fill.uploadDir], { workDir: ctx.options.workDir });
    const row = buildRow(`${f.fill.files.toLocaleString('en')} files from dumps`, b, RSS_TARGET_100K_BYTES, f.fill.files);
    for (const r of b.dumpReads) row.figures[`read ${r.dump}`] = `${r.items.toLocaleString('en')} in ${seconds(r.ms)}`;
    return { rows: [row], notes: [`dumps build: ${milestoneNote(b)}`, ...fixtureNotes(f)] };
  },
};

/** (b) the same set built through the wiki's API. */
export const apiSection: ScaleSection = {
  id: 'api',
  title: 'Build through the API',
  async run(ctx) {
    const f = await fixtureWiki(ctx);
    const dataDir = path.join(ctx.options.workDir, 'data-api');
    await mkdir(dataDir, { recursive: true });
    ctx.log('building through the API…');
    const b = await measuredBuild([f.recipeFile, '--data', dataDir, '--media-from', f.fill.uploadDir], { workDir: ctx.options.workDir });
    const row = buildRow(`${f.fill.files.toLocaleString('en')} files through the API`, b, RSS_TARGET_100K_BYTES, f.fill.files);
    if (b.figures.apiRequests !== undefined && b.figures.files) row.figures['API requests per 1,000 files'] = ((b.figures.apiRequests / b.figures.files) * 1000).toFixed(1);
    const notes: string[] = [`API build: ${milestoneNote(b)}`];
    const [fromDumps, fromApi] = await Promise.all([volumeHashes(path.join(ctx.options.workDir, 'data-dumps')), volumeHashes(dataDir)]);
    if (fromDumps && fromApi) notes.push(`same volumes as the dump build: ${JSON.stringify(fromDumps) === JSON.stringify(fromApi) ? `yes (${fromApi.length} info hashes equal)` : 'NO: the info hashes differ'}`);
    if (!ctx.options.sections.includes('dumps')) notes.push(...fixtureNotes(f));
    return { rows: [row], notes };
  },
};
