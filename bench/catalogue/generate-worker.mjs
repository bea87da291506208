// A worker thread of the catalogue bench's generator pool (generate-pool.ts): builds the
// synthetic versions of the set indexes it is asked for (TypeScript through tsx, as bin/run-ts.js).
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { buildVersion } = await import('./synthetic.ts');
parentPort.on('message', ({ id, from, to }) => {
  const out = [];
  for (let i = from; i < to; i++) out.push(buildVersion(i, workerData.filesPerSet, workerData.sampleSize));
  parentPort.postMessage({ id, out });
});
