#!/usr/bin/env node
// `npm run build`: compiles the shipped code to dist/ (tsconfig.build.json), copies the files the
// code loads by URL (`new URL('./x', import.meta.url)`: the hash worker, the local wiki's router),
// then writes dist/BUILT, which bin/seedbank.js compares with the sources' times to decide
// whether the compiled code is current. An interrupted build leaves no BUILT, so it is not used.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, 'BUILT');
/** `new URL('./file', import.meta.url)` as tsc emits it. */
const URL_REF = /new URL\(\s*["'`](\.{1,2}\/[^"'`]+)["'`]\s*,\s*import\.meta\.url\s*\)/g;

rmSync(DIST, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });

// Every file the compiled code loads by URL must exist beside it; those that are not compiled
// output (.mjs, .php, ...) are copied from the same place in the sources.
const missing = [];
let copied = 0;
for (const js of walk(DIST).filter((f) => f.endsWith('.js'))) {
  for (const [, ref] of readFileSync(js, 'utf8').matchAll(URL_REF)) {
    const target = path.resolve(path.dirname(js), ref);
    if (existsSync(target)) continue;
    const source = path.join(ROOT, path.relative(DIST, target));
    if (!source.startsWith(ROOT + path.sep) || !existsSync(source)) {
      missing.push(`${path.relative(ROOT, js)} loads ${ref}, found neither in dist/ nor at ${path.relative(ROOT, source)}`);
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(source, target);
    copied++;
  }
}
if (missing.length > 0) {
  console.error(`build incomplete:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
console.log(`built dist/ (${copied} file(s) loaded by URL copied)`);

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
