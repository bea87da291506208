import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demoNextSteps, shellWord } from '../../deploy/local/demo-next-steps.ts';

const facts = {
  catalogueUrl: 'http://127.0.0.1:41234',
  dataDir: 'data/demo',
  tokenFile: '/home/me/seedbank/data/demo/catalogue-token.txt',
  setId: 'paris',
  fileTitle: "File:Eiffel Tower (l'été).jpg",
  keepRunning: true,
};

describe('the demo next steps', () => {
  it('gives the token file and seed, restore, copies and drill commands against the real catalogue URL', () => {
    const text = demoNextSteps(facts).join('\n');
    expect(text).toContain('http://127.0.0.1:41234/');
    expect(text).toContain('export SEEDBANK_TOKEN=$(cat /home/me/seedbank/data/demo/catalogue-token.txt)');
    expect(text).toContain('catalogue token create --data data/demo/catalogue');
    for (const command of ['seed', 'restore paris', 'copies', 'drill']) {
      expect(text).toMatch(new RegExp(`node bin/seedbank\\.js ${command} .*--catalogue http://127\\.0\\.0\\.1:41234`));
    }
    expect(text).toContain('--sets paris');
    expect(text).toMatch(/Ctrl-C stops them/);
  });

  it('says the commands need --keep-running when the catalogue stops with the demo', () => {
    expect(demoNextSteps({ ...facts, keepRunning: false }).at(-1)).toMatch(/--keep-running/);
  });

  it('quotes a title so a shell passes it through unchanged', () => {
    const copies = demoNextSteps(facts).find((l) => l.includes('seedbank.js copies '))!;
    const word = copies.split('seedbank.js copies ')[1]!.split(' --catalogue')[0]!;
    const echoed = execFileSync('sh', ['-c', `printf '%s' ${word}`], { encoding: 'utf8' });
    expect(echoed).toBe(facts.fileTitle);
    expect(shellWord('paris')).toBe('paris');
  });
});
