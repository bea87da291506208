/**
 * Runs a piece of the catalogue bench under the inspector's CPU profiler in the catalogue
 * process and prints where its time went (self time by origin and function, inclusive time of
 * the functions of interest).
 */
import os from 'node:os';
import path from 'node:path';
import { fmtS, get, log } from './http-timing.ts';
import { summarizeProfile } from './profile-summary.ts';
import type { ChildMessage, ParentMessage } from './serve-child.ts';

/** Functions whose inclusive time the page profiles report. */
export const PAGE_FUNCTIONS = [
  'filesBySha1@catalogue-store.ts',
  'listSets@catalogue-store.ts',
  'manifest@catalogue-store.ts',
  'parseManifest@manifest.ts',
  'summarizeSet@set-summaries.ts',
  'set@copy-index.ts',
  'file@copy-index.ts',
  'holders@copy-index.ts',
  'layout@census-runner.ts',
  'fileModel@file-model.ts',
  'setModel@set-model.ts',
  'homeModel@home-model.ts',
  'renderSet@render-set.ts',
  'renderHome@render-home.ts',
];

/** Profiles `fn` (which makes requests and says what it did) in the catalogue at `url`. */
export async function profiled(server: { request: (m: ParentMessage) => Promise<ChildMessage | null> }, url: string, title: string, inclusive: string[], fn: () => Promise<string>): Promise<void> {
  log(`\n## Profile: ${title} (inspector CPU profiler in the catalogue process, 1 ms sampling)`);
  const file = path.join(os.tmpdir(), `seedbank-catalogue-bench-${title.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${Date.now()}.cpuprofile`);
  const probe = await get(`${url}/healthz`);
  if (probe.ms > 500) log(`  (the catalogue took ${fmtS(probe.ms)} to answer /healthz before profiling: its event loop was busy)`);
  await server.request({ kind: 'profile-start' });
  await new Promise((res) => setTimeout(res, 300));
  const what = await fn();
  const reply = await server.request({ kind: 'profile-stop', file });
  if (reply?.kind !== 'profiled') throw new Error(`profiling failed: ${JSON.stringify(reply)}`);
  const p = await summarizeProfile(file, inclusive);
  const busy = p.totalMs - p.idleMs;
  const pc = (ms: number) => `${((100 * ms) / busy).toFixed(1)}%`.padStart(6);
  log(`  ${what}; ${fmtS(p.totalMs)} sampled, ${fmtS(busy)} busy`);
  log('  busy time by origin (self time):');
  for (const [o, ms] of p.origins.slice(0, 10)) log(`    ${pc(ms)}  ${o}`);
  log('  top functions (self time):');
  for (const [f, ms] of p.functions.slice(0, 16)) log(`    ${pc(ms)}  ${f}`);
  log('  inclusive time (share of busy time spent inside):');
  for (const [f, ms] of p.inclusive) log(`    ${pc(ms)}  ${f}`);
  log(`  profile: ${file} (open in Chrome DevTools)`);
}
