// bin/seedbank.js on a small made-up tree: it must run the compiled dispatcher only when
// dist/ is complete (dist/BUILT written) and newer than every source file, else the sources.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const run = promisify(execFile);
let root: string;

async function launch(): Promise<string> {
  const { stdout } = await run(process.execPath, [path.join(root, 'bin', 'seedbank.js')], { cwd: root });
  return stdout.trim();
}

/** Sets a file's modification time to `secondsAgo` before now. */
async function age(file: string, secondsAgo: number): Promise<void> {
  const t = new Date(Date.now() - secondsAgo * 1000);
  await utimes(file, t, t);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'seedbank-launcher-'));
  await mkdir(path.join(root, 'bin'));
  await mkdir(path.join(root, 'shared', 'torrent'), { recursive: true });
  await mkdir(path.join(root, 'dist', 'bin'), { recursive: true });
  await copyFile(path.join(REPO_ROOT, 'bin', 'seedbank.js'), path.join(root, 'bin', 'seedbank.js'));
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(path.join(root, 'bin', 'cli.ts'), "const from: string = 'sources';\nconsole.log(from);\n");
  await writeFile(path.join(root, 'shared', 'torrent', 'hash-worker.mjs'), '');
  await writeFile(path.join(root, 'shared', 'units.test.ts'), '');
  await writeFile(path.join(root, 'dist', 'bin', 'cli.js'), "console.log('compiled');\n");
  for (const f of ['bin/cli.ts', 'shared/torrent/hash-worker.mjs']) await age(path.join(root, f), 60);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('bin/seedbank.js', () => {
  it('runs the sources while the build is incomplete (no dist/BUILT)', async () => {
    expect(await launch()).toBe('sources');
  });

  it('runs the compiled code once the build is newer than every source', async () => {
    await writeFile(path.join(root, 'dist', 'BUILT'), 'now\n');
    expect(await launch()).toBe('compiled');
  });

  it('ignores test files but goes back to the sources when any shipped file changes after the build', async () => {
    await utimes(path.join(root, 'shared', 'units.test.ts'), new Date(), new Date(Date.now() + 10_000));
    expect(await launch()).toBe('compiled');
    await utimes(path.join(root, 'shared', 'torrent', 'hash-worker.mjs'), new Date(), new Date(Date.now() + 10_000));
    expect(await launch()).toBe('sources');
  });
});
