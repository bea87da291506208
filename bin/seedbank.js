#!/usr/bin/env node
// Thin launcher: runs the compiled dispatcher (dist/bin/cli.js, from `npm run build`) when it is
// there and newer than every source file, else the TypeScript sources through tsx. Compiled code
// starts faster and leaves the TypeScript loader (tens of MB) out of long-running processes.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const BUILT = path.join(ROOT, 'dist', 'BUILT');
/** What the build compiles or copies: a change to any of these makes dist/ stale. */
const SOURCE_DIRS = ['bin', 'shared', 'services', 'clients', 'deploy', 'types'];
const SOURCE_FILE = /\.(ts|mjs|php)$/;
const TEST_FILE = /\.test\.ts$/;

/** Newest modification time (ms) of the source files; 0 when the sources are not shipped. */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (SOURCE_FILE.test(e.name) && !TEST_FILE.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(BUILT).mtimeMs;
  } catch {
    return 0;
  }
}

const built = builtAt();
if (built > 0 && built >= Math.max(...SOURCE_DIRS.map((d) => newestSource(path.join(ROOT, d))))) {
  await import(pathToFileURL(path.join(ROOT, 'dist', 'bin', 'cli.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./cli.ts');
}
