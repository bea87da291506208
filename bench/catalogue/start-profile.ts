/**
 * A CPU profile of one catalogue start on a store (no census observations written, no requests):
 * `node bin/run-ts.js bench/catalogue/start-profile.ts DATA_DIR OUT.cpuprofile`, then
 * `node bin/run-ts.js bench/catalogue/profile-summary.ts OUT.cpuprofile` for where the start's CPU goes.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { startCatalogueServer } from '../../services/tracker-web/server.ts';
import { formatStartPhases, StartTrace } from './start-trace.ts';

const [dataDir, out] = process.argv.slice(2);
if (!dataDir || !out) throw new Error('usage: start-profile.ts DATA_DIR OUT.cpuprofile');
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 500 });
await session.post('Profiler.start');
const trace = new StartTrace();
const server = await startCatalogueServer({ dataDir, port: 0, census: { autoStart: false }, onStartPhase: (p) => trace.mark(p) });
const { profile } = await session.post('Profiler.stop');
await writeFile(out, JSON.stringify(profile));
await new Promise((resolve) => setImmediate(resolve));
for (const line of formatStartPhases(trace.phases())) console.log(line);
await server.close();
