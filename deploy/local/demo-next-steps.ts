import path from 'node:path';

/** What the demo knows at its end, to print commands that work as pasted. */
export interface DemoFacts {
  /** The running catalogue, e.g. http://127.0.0.1:8080. */
  catalogueUrl: string;
  /** The demo's data folder (as given; commands are run from the same folder). */
  dataDir: string;
  /** The file holding the demo's catalogue token. */
  tokenFile: string;
  /** A set the demo published, and one title in it (for `copies`). */
  setId: string;
  fileTitle: string;
  /** True when the catalogue keeps running after these lines (`--keep-running`). */
  keepRunning: boolean;
}

/** The command that runs seedbank from a checkout, as the README says. */
const SEEDBANK = 'node bin/seedbank.js';

/** Quotes a word for a POSIX shell only when it needs it (titles have spaces, quotes, parentheses). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The demo's last lines: where the token is and the seed, restore, copies and drill commands, with the real URLs. */
export function demoNextSteps(f: DemoFacts): string[] {
  const cat = shellWord(f.catalogueUrl);
  const sub = (name: string) => shellWord(path.join(f.dataDir, name));
  const lines = [
    '',
    'next steps (copy and paste; run them from this folder):',
    `  catalogue       ${f.catalogueUrl}/  (JSON API under ${f.catalogueUrl}/api/)`,
    `  catalogue token in ${f.tokenFile}; make another with: ${SEEDBANK} catalogue token create --data ${sub('catalogue')} --label me`,
    `    export SEEDBANK_TOKEN=$(cat ${shellWord(f.tokenFile)})`,
    `  host a set      ${SEEDBANK} seed --catalogue ${cat} --storage ${sub('my-seeder')} --quota 1GB --sets ${shellWord(f.setId)} --no-dht`,
    `  restore a set   ${SEEDBANK} restore ${shellWord(f.setId)} --catalogue ${cat} --out ${sub('restored')}`,
    `  count copies    ${SEEDBANK} copies ${shellWord(f.fileTitle)} --catalogue ${cat}`,
    `  restore drill   ${SEEDBANK} drill --catalogue ${cat} --set ${shellWord(f.setId)}   (reports with $SEEDBANK_TOKEN)`,
  ];
  lines.push(
    f.keepRunning
      ? 'the wiki and the catalogue keep running; Ctrl-C stops them'
      : 'the wiki and the catalogue stop now: run the demo with --keep-running to try these commands against them',
  );
  return lines;
}
