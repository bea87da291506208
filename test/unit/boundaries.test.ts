// The boundary check (.dependency-cruiser.cjs, run by `npm run check:boundaries` in .ci/run)
// run on a small made-up tree: every house rule must reject its forbidden import and let the
// allowed ones through, so a rule that silently stops matching fails here.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const run = promisify(execFile);
const DEPCRUISE = path.join(REPO_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** file → what it imports; every target exists in the tree. */
const TREE: Record<string, string[]> = {
  'shared/units.ts': [],
  'shared/bad-shared.ts': ['../services/set-builder/build.ts'],
  'shared/units.test.ts': ['../test/helpers/peer.ts'],
  'services/set-builder/build.ts': ['../../shared/units.ts'],
  'services/set-builder/cli.ts': ['./build.ts'],
  'services/set-builder/bad-builder.ts': ['../tracker-web/census.ts'],
  'services/tracker-web/census.ts': ['../../shared/units.ts'],
  'services/tracker-web/bad-catalogue.ts': ['../../clients/seeder/host.ts'],
  'clients/seeder/host.ts': ['./volume.ts'],
  'clients/seeder/volume.ts': [],
  'clients/seeder/download-api.ts': ['./host.ts'],
  'clients/seeder/bad-seeder.ts': ['../../test/helpers/peer.ts'],
  'clients/restore/restore.ts': ['../seeder/download-api.ts'],
  'clients/restore/bad-restore.ts': ['../seeder/volume.ts'],
  'bin/cli.ts': ['../services/set-builder/cli.ts', '../deploy/local/demo.ts'],
  'bin/bad-bin.ts': ['../services/set-builder/build.ts'],
  'deploy/local/demo.ts': ['../../services/set-builder/build.ts'],
  'test/helpers/peer.ts': ['../../clients/seeder/host.ts'],
  'test/unit/x.test.ts': ['../helpers/peer.ts', '../../services/tracker-web/census.ts'],
  'bench/x.bench.ts': ['../test/helpers/peer.ts'],
};

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'seedbank-boundaries-'));
  for (const [file, imports] of Object.entries(TREE)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), `${imports.map((i) => `import '${i}';`).join('\n')}\nexport const x = 1;\n`);
  }
  await writeFile(path.join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('boundary check', () => {
  it('reports exactly the forbidden imports, each under its rule', async () => {
    const args = [DEPCRUISE, '--config', path.join(REPO_ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err', 'shared', 'services', 'clients', 'bin', 'deploy', 'test', 'bench'];
    const err = await run(process.execPath, args, { cwd: root }).then(
      () => null,
      (e: { code: number; stdout: string }) => e,
    );
    expect(err, 'the checker passed a tree with forbidden imports').not.toBeNull();
    const found = [...err!.stdout.matchAll(/error ([a-z-]+): (\S+) → (\S+)/g)].map((m) => `${m[1]}: ${m[2]} → ${m[3]}`).sort();
    expect(found).toEqual(
      [
        'bin-only-dispatches: bin/bad-bin.ts → services/set-builder/build.ts',
        'parts-never-import-each-other: services/set-builder/bad-builder.ts → services/tracker-web/census.ts',
        'parts-never-import-each-other: services/tracker-web/bad-catalogue.ts → clients/seeder/host.ts',
        'production-never-imports-test-code: clients/seeder/bad-seeder.ts → test/helpers/peer.ts',
        'restore-uses-only-the-seeder-download-api: clients/restore/bad-restore.ts → clients/seeder/volume.ts',
        'shared-imports-no-part: shared/bad-shared.ts → services/set-builder/build.ts',
      ].sort(),
    );
    expect(err!.code).toBe(found.length);
  });
});
