/**
 * A catalogue starting on a format-3 store (a copy: the upgrade writes to it): how long until it
 * listens, how long the background position fill takes, and file rows read meanwhile.
 * `node bin/run-ts.js bench/catalogue/upgrade-start.ts COPY_OF_A_FORMAT_3_DATA_DIR`
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startCatalogueServer } from '../../services/tracker-web/server.ts';
import { formatStartPhases, StartTrace } from './start-trace.ts';

const POLL_MS = 1_000;
const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: upgrade-start.ts COPY_OF_A_FORMAT_3_DATA_DIR');
const trace = new StartTrace();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const server = await startCatalogueServer({ dataDir, port: 0, census: { autoStart: false }, onStartPhase: (p) => trace.mark(p) });
const listening = performance.now() - t0;
await new Promise((resolve) => setImmediate(resolve));
console.log(`listening after ${(listening / 1000).toFixed(2)} s (load ${os.loadavg()[0]!.toFixed(2)}); position fill pending: ${server.store.positionFillPending()}`);
for (const line of formatStartPhases(trace.phases())) console.log(line);
// A set page's rows while the fill runs: what a visitor sees meanwhile.
const sets = server.store.setIds();
let reads = 0;
let missing = 0;
while (server.store.positionFillPending()) {
  await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  const id = sets[reads % sets.length]!;
  const page = server.store.setFiles.page(id, 1, 0, 5);
  for (const row of page) if (!server.store.setFiles.get(id, 1, row.title)) missing++;
  reads += page.length;
}
const cpu = process.cpuUsage(cpu0);
console.log(`position fill done ${((performance.now() - t0) / 1000).toFixed(1)} s after start (process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, load ${os.loadavg()[0]!.toFixed(2)}); ${reads} rows read by title meanwhile, ${missing} not found`);
await server.close();
