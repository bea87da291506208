// node --expose-gc bin/run-ts.js bench/dump-listing-memory.bench.ts --run DIR [--root Paris] [--depth 2]
// Peak heap and RSS of the dump listing alone (no downloads, no manifest) over a dump run
// folder, e.g. bench:scale's cached synthetic run: the figure the builder's listing sets for
// its whole build. Prints one line per dump read with the peak reached by its end.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDumpRun } from '../shared/dumps/dump-run-folder.ts';
import { parseRecipe } from '../shared/formats/recipe.ts';
import { listSelectionFromDumps } from '../services/set-builder/listing/dump-listing.ts';
import { openPageStore } from '../services/set-builder/listing/page-store.ts';

const { values } = parseArgs({ options: { run: { type: 'string' }, root: { type: 'string', default: 'Paris' }, depth: { type: 'string', default: '2' } } });
if (values.run === undefined) throw new Error('give --run DIR, a dump run folder (bench:scale caches one in /tmp/seedbank-bench-cache/scale-synthetic-v1-N/run)');
let peakRss = 0;
let peakHeap = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
};
const timer = setInterval(sample, 50);
const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
const dir = await mkdtemp(path.join(os.tmpdir(), 'listing-mem-'));
const pages = await openPageStore(path.join(dir, 'pages'));
try {
  const recipe = parseRecipe({ id: 'mem', title: 'mem', wiki: 'http://127.0.0.1:9/api.php', selection: { categories: [{ name: values.root, depth: Number(values.depth) }] } });
  const run = await openDumpRun(values.run, ['image', 'page', 'categorylinks', 'pages-articles'], ['linktarget', 'geo_tags']);
  const t = performance.now();
  const listing = await listSelectionFromDumps(run, recipe, {
    uploadBase: 'http://127.0.0.1:9/wikipedia/',
    pages,
    // The listing logs its memory at each dump read's end (and, under --expose-gc, the live heap after a full GC).
    logger: { info: (o: { dump?: string; heapUsedMB?: number; externalMB?: number; arrayBuffersMB?: number; liveHeapMB?: number; liveExternalMB?: number; rssAnonMB?: number; rssFileMB?: number }) => { sample(); if (o.dump) console.log(`${o.dump}: peak so far heap ${mb(peakHeap)}, rss ${mb(peakRss)}; at its end heap ${o.heapUsedMB} MB, external ${o.externalMB} MB (array buffers ${o.arrayBuffersMB} MB), live heap ${o.liveHeapMB ?? '? (run with --expose-gc)'} MB, live external ${o.liveExternalMB ?? '?'} MB, rss anon ${o.rssAnonMB} MB, rss file ${o.rssFileMB} MB; load ${os.loadavg()[0]!.toFixed(1)}`); }, warn: () => {}, error: () => {}, debug: () => {}, child() { return this; } } as never,
  });
  sample();
  console.log(`listed ${listing.selection.files.length.toLocaleString('en')} files in ${((performance.now() - t) / 1000).toFixed(1)} s; peak heap ${mb(peakHeap)}, peak rss ${mb(peakRss)}`);
  // With node --expose-gc: what the listing's result alone holds (peak heap above counts garbage not yet collected).
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    console.log(`live heap holding the listing: ${mb(process.memoryUsage().heapUsed)}`);
  }
} finally {
  clearInterval(timer);
  await pages.close();
  await rm(dir, { recursive: true, force: true });
}
