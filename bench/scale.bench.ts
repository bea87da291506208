// npm run bench:scale -- [--files 100000] [--synthetic-files 1000000] [--sections dumps,api,synthetic] [--keep]
// Issue 12's scale figures, each build in a child process measured by GNU time (peak RSS),
// printed with its ratio to the target: (a) a --files set from a bulk-filled MariaDB wiki's
// dump run, (b) the same set through the wiki's API, both with --media-from (so the media are
// not fetched over HTTP one by one), target peak RSS ≤ 500 MB at 100,000 files; (c) a
// --synthetic-files set from synthetic dumps, target ≤ 1.5 GB at 1,000,000. Everything runs on
// 127.0.0.1; nothing reaches the internet. Sections live in bench/scale/sections.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createContext } from './scale/context.ts';
import { requireGnuTime } from './scale/measured-build.ts';
import { printSection, seconds } from './scale/report.ts';
import { SECTIONS } from './scale/sections.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    'synthetic-files': { type: 'string', default: '1000000' },
    sections: { type: 'string', default: SECTIONS.map((s) => s.id).join(',') },
    keep: { type: 'boolean', default: false },
  },
});

/** A positive whole number from an option, or a message naming the option. */
function count(name: string, text: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number of files, not "${text}"`);
  return n;
}

const wanted = values.sections.split(',').map((s) => s.trim()).filter((s) => s !== '');
const unknown = wanted.filter((id) => !SECTIONS.some((s) => s.id === id));
if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}: the sections are ${SECTIONS.map((s) => s.id).join(', ')}`);
requireGnuTime();

const workDir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-bench-scale-'));
const { ctx, close } = createContext({
  files: count('files', values.files),
  syntheticFiles: count('synthetic-files', values['synthetic-files']),
  workDir,
  cacheDir: path.join(os.tmpdir(), 'seedbank-bench-cache'),
  sections: wanted,
});
const out = (line: string) => process.stdout.write(`${line}\n`);
out(`# bench:scale: ${wanted.join(', ')}; node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const started = performance.now();
let failed = 0;
try {
  for (const section of SECTIONS.filter((s) => wanted.includes(s.id))) {
    try {
      const result = await section.run(ctx);
      failed += result.rows.filter((r) => !r.ok).length;
      printSection(section.title, result, out);
    } catch (err) {
      // A section that could not even measure (its fixture failed) is reported, and the next one runs.
      failed++;
      out(`\n## ${section.title}\n\nFAILED before measuring: ${(err as Error).stack ?? String(err)}`);
    }
  }
} finally {
  await close();
  if (values.keep) out(`\nkept ${workDir}`);
  else await rm(workDir, { recursive: true, force: true });
}
out(`\nbench:scale done in ${seconds(performance.now() - started)}${failed > 0 ? `; ${failed} failed` : ''}`);
if (failed > 0) process.exitCode = 1;
