import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeederConfigFile } from './config-file.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'seeder-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(yaml: string): Promise<Awaited<ReturnType<typeof loadSeederConfigFile>>> {
  const file = path.join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return loadSeederConfigFile(file);
}

describe('the seeder configuration file speaks the same grammar as the flags', () => {
  it('reads durations, sizes and rates with units', async () => {
    expect(await load('quota: 1G\npollInterval: 10m\nminHosting: 1h30m\nscrubInterval: 2h\nwebSeedMaxRate: 10Mbps\nmaxDown: 0\n')).toMatchObject({
      quota: 1e9, pollInterval: 600_000, minHosting: 5_400_000, scrubInterval: 7_200_000, webSeedMaxRate: 1_250_000, maxDown: 0,
    });
  });

  it('refuses a duration without a unit, naming the field and asking for a unit', async () => {
    await expect(load('pollInterval: 10\n')).rejects.toThrow(/pollInterval: "10" has no unit/);
  });

  it('still reads the deprecated scrubIntervalMin (minutes) as scrubInterval', async () => {
    expect(await load('scrubIntervalMin: 30\n')).toEqual({ scrubInterval: 1_800_000 });
    expect(await load('scrubIntervalMin: 30\nscrubInterval: 1h\n')).toEqual({ scrubInterval: 3_600_000 });
  });
});
