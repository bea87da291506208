import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { userAgent } from './user-agent.ts';
import { SEEDBANK_VERSION } from '../version.ts';

describe('userAgent', () => {
  it('reads the version from package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SEEDBANK_VERSION).toBe(pkg.version);
  });

  it('names the version, the contact, the project page and the part', () => {
    expect(userAgent({ contact: 'ops@example.org', part: 'seeder' })).toBe(
      `Seedbank/${SEEDBANK_VERSION} (ops@example.org; +https://seedbank.invalid/about) seeder`,
    );
  });

  it('leaves the contact out rather than inventing one', () => {
    expect(userAgent({ part: 'restore' })).toBe(`Seedbank/${SEEDBANK_VERSION} (+https://seedbank.invalid/about) restore`);
    expect(userAgent({ contact: '  ', part: 'restore' })).not.toMatch(/\(\s*;/);
  });
});
