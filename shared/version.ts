import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How many folders up from this file we look for the project's package.json (source or compiled layout). */
const PACKAGE_SEARCH_DEPTH = 4;

/**
 * Reads the version from the project's package.json once. Searched upwards rather than at a
 * fixed relative path so the same code works from the sources and from a compiled copy.
 */
function readPackageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < PACKAGE_SEARCH_DEPTH; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'seedbank' && typeof pkg.version === 'string') return pkg.version;
    }
    dir = dirname(dir);
  }
  // A copy without its package.json still runs; the version then says so instead of lying.
  return '0.0.0-unknown';
}

/** Seedbank's version, from package.json: used by `--version`, User-Agents and seeder reports. */
export const SEEDBANK_VERSION: string = readPackageVersion();

/** The project page people can read to find out what is fetching their files. */
export const PROJECT_URL = 'https://seedbank.invalid/about';
