/**
 * Section (c): a set of a million files (--synthetic-files) listed from a synthetic dump run
 * (synthetic-run.ts: the scale fixture's files as image/page/categorylinks SQL dumps and a
 * pages-articles XML), media from a --media-from tree. No wiki runs: a dump build does not
 * ask the API, and the upload base points at a closed loopback port, so a file missing from
 * the tree fails loudly instead of being fetched. A failed build is reported with the peak RSS
 * and the last log lines it reached.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SCALE_ROOT } from '../../deploy/local/wiki/scale-data.ts';
import type { ScaleSection } from './context.ts';
import { measuredBuild } from './measured-build.ts';
import { RSS_TARGET_1M_BYTES, megabytes, seconds } from './report.ts';
import { syntheticRun, SYNTHETIC_WIKI } from './synthetic-run.ts';
import { buildRow, milestoneNote, SCALE_PIECE_LENGTH, SCALE_VOLUME_LIMIT } from './wiki-builds.ts';

/** Nothing listens on the discard port of 127.0.0.1 here: what reaches for it fails at once, on loopback. */
const NOWHERE = 'http://127.0.0.1:9';
const SET_ID = 'scale-synthetic';

/** The synthetic run, shared with later sections (a seeder following one of its volumes). */
export function sharedSyntheticRun(ctx: Parameters<ScaleSection['run']>[0]) {
  return ctx.shared('synthetic-run', () => {
    ctx.log(`synthetic dump run of ${ctx.options.syntheticFiles.toLocaleString('en')} files (cached in ${ctx.options.cacheDir})…`);
    return syntheticRun(ctx.options.cacheDir, ctx.options.syntheticFiles, ctx.log);
  });
}

export const syntheticSection: ScaleSection = {
  id: 'synthetic',
  title: 'Build from synthetic dumps (no wiki)',
  async run(ctx) {
    const run = await sharedSyntheticRun(ctx);
    const dataDir = path.join(ctx.options.workDir, 'data-synthetic');
    await mkdir(dataDir, { recursive: true });
    const recipeFile = path.join(ctx.options.workDir, `${SET_ID}.json`);
    await writeFile(recipeFile, JSON.stringify({
      id: SET_ID, title: 'Paris at scale (synthetic)', wiki: `${NOWHERE}/api.php`,
      selection: { categories: [{ name: SCALE_ROOT, depth: 2 }] },
      volumeSizeLimit: SCALE_VOLUME_LIMIT, pieceLength: SCALE_PIECE_LENGTH,
    }, null, 2));
    ctx.log('building from the synthetic dumps…');
    const b = await measuredBuild([recipeFile, '--data', dataDir, '--dumps', run.runDir, '--upload-base', `${NOWHERE}/wikipedia/`, '--media-from', run.mediaDir], { workDir: ctx.options.workDir });
    const row = buildRow(`${run.files.toLocaleString('en')} files from synthetic dumps`, b, RSS_TARGET_1M_BYTES, run.files);
    for (const r of b.dumpReads) row.figures[`read ${r.dump}`] = `${r.items.toLocaleString('en')} in ${seconds(r.ms)}`;
    if (!row.ok && b.dumpReads.length > 0) row.figures.reached = `${b.dumpReads.length} dump reads done (last: ${b.dumpReads.at(-1)!.dump})`;
    return {
      rows: [row],
      notes: [
        milestoneNote(b),
        `synthetic run (${SYNTHETIC_WIKI}): ${run.files.toLocaleString('en')} files, ${megabytes(run.mediaBytes)} of media, ${run.reused ? `reused from the cache (generated earlier in ${seconds(run.generatedMs)})` : `generated in ${seconds(run.generatedMs)}`}: ${run.runDir}`,
        'media: from the synthetic --media-from tree (hard links, SHA-1 checked); the upload base is a closed loopback port',
      ],
    };
  },
};
