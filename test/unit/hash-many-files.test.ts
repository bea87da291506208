import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-cli.ts';

describe('hashing a volume of many small files', () => {
  it('stays within a low open-file limit (files are closed as soon as they are read)', () => {
    // 2,000 files under a limit of 256 descriptors: holding them all open would fail with EMFILE.
    const r = spawnSync('bash', ['-c', 'ulimit -n 256 && exec node bin/run-ts.js test/fixtures/hash-many-files.ts 2000'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ files: 2000 });
  });
});
