/**
 * The catalogue bench's tracker section: announces per second through our tracker, through
 * opentracker, and through two Node ceilings, all with the same wrk script.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { log } from './http-timing.ts';
import { stopGroup } from './processes.ts';
import { startServer } from './serve-child.ts';
import { checkAnnounce, runWrk, scrapeCounts, startOpentracker, wrkScript, type WrkResult } from './tracker-wrk.ts';

const WRK_WARMUP_SECONDS = 2;
/** Our tracker's announce rate over opentracker's that passes. */
export const TARGET_RATIO = 0.5;

/** What the tracker section measured. */
export interface TrackerFigures {
  ours: WrkResult;
  theirs: WrkResult;
  hashes: number;
  ceilings: Array<[string, WrkResult]>;
}

/** Runs the section against the catalogue at `url`. */
export async function measureTracker(o: { url: string; entry: string; work: string; hashes: string[]; seconds: number; threads: number; connections: number; ceiling: boolean }): Promise<TrackerFigures> {
  const script = path.join(o.work, 'announce.lua');
  await writeFile(script, wrkScript(o.hashes));
  const w = { threads: o.threads, connections: o.connections };
  log(`  ${o.hashes.length} published volume info hashes, ${o.connections} connections, ${o.threads} wrk thread(s), ${o.seconds} s each after a ${WRK_WARMUP_SECONDS} s warm-up`);
  const measure = async (name: string, base: string) => {
    await runWrk(base, script, WRK_WARMUP_SECONDS, w);
    const r = await runWrk(base, script, o.seconds, w);
    const swarm = name.startsWith('Node') ? '' : `; one swarm now holds ${await scrapeCounts(base, o.hashes[0]!)}`;
    log(`  ${name.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} announces/s (${r.requests} in ${o.seconds} s, latency p50 ${r.p50}, p99 ${r.p99}, non-2xx ${r.non2xx}, socket errors: ${r.socketErrors})${swarm}`);
    return r;
  };
  await checkAnnounce(o.url, o.hashes[0]!);
  const ours = await measure('our tracker', o.url);
  const ot = await startOpentracker(o.work, o.hashes);
  let theirs: WrkResult;
  try {
    theirs = await measure('opentracker', ot.url);
  } finally {
    await ot.stop();
  }
  const ceilings: Array<[string, WrkResult]> = [];
  if (o.ceiling) {
    for (const mode of ['bare', 'express']) {
      const c = await startServer(o.entry, ['--ceiling', mode]);
      try {
        ceilings.push([mode, await measure(`Node ceiling: ${mode === 'bare' ? 'bare node:http' : 'Express 5'}, fixed reply`, c.ready.url)]);
      } finally {
        await stopGroup(c.child);
      }
    }
  }
  log(`  ratio ours/opentracker: ${(ours.rps / theirs.rps).toFixed(2)}x (target ≥ ${TARGET_RATIO}x)`);
  return { ours, theirs, hashes: o.hashes.length, ceilings };
}

/** The tracker rows of the results table. */
export function printTracker(t: TrackerFigures, connections: number, seconds: number): void {
  const ratio = t.ours.rps / t.theirs.rps;
  log('\n| announces | n | p50 | p99 | rate |');
  log('| --- | ---: | ---: | ---: | --- |');
  log(`| our tracker (wrk ${connections} conns, ${seconds} s) | ${t.ours.requests} | ${t.ours.p50} | ${t.ours.p99} | ${t.ours.rps.toFixed(0)}/s |`);
  log(`| opentracker, same script, same ${t.hashes} hashes | ${t.theirs.requests} | ${t.theirs.p50} | ${t.theirs.p99} | ${t.theirs.rps.toFixed(0)}/s |`);
  log(`| **ratio ours / opentracker** (≥ ${TARGET_RATIO}x) | | | | ${ratio.toFixed(2)}x ${ratio >= TARGET_RATIO ? '✓' : '✗'} |`);
  for (const [mode, w] of t.ceilings) log(`| (ceiling) ${mode === 'bare' ? 'bare node:http' : 'Express 5'}, fixed 50-peer reply | ${w.requests} | ${w.p50} | ${w.p99} | ${w.rps.toFixed(0)}/s = ${(w.rps / t.theirs.rps).toFixed(2)}x |`);
}
