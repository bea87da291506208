// The copy-figure warm-up's worker thread starts here (warm-in-worker.ts): run from the
// TypeScript sources (tests, `node bin/run-ts.js`), the thread registers tsx before it loads
// the worker's module; run from the compiled dist/, the module is plain JavaScript.
import { workerData } from 'node:worker_threads';

if (workerData.module.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.module);
