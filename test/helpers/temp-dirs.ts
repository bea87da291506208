import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/**
 * Temporary folders for one test file, all removed when the file's tests end (whatever their
 * outcome), so a run of the suite leaves nothing behind in the system's temp folder.
 * Call at the top level of a test file or inside a describe block.
 */
export function useTempDirs(): (prefix: string) => Promise<string> {
  const made: string[] = [];
  afterAll(async () => {
    await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (prefix: string) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), `seedbank-${prefix}-`));
    made.push(dir);
    return dir;
  };
}
