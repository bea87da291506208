/**
 * The first-run wizard of `seedbank seed` on a terminal: three questions (catalogue, storage
 * folder and quota, which sets), then the answers are written as a configuration file so the
 * next start (or a systemd unit) needs no flags.
 */
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { SeedbankError } from '../../shared/errors.ts';
import { parseSize, formatSize } from '../../shared/units.ts';
import { parseList } from './config.ts';
import { writeSeederConfigFile, type WizardAnswers } from './config-file.ts';

/** The catalogue's set list is offered as a hint if it answers this fast. */
const SET_LIST_TIMEOUT_MS = 5_000;
/** Suggested quota: this share of the free space. */
const DEFAULT_QUOTA_SHARE = 0.5;

/** Streams and defaults of one wizard run. */
export interface WizardIo {
  input: Readable;
  output: Writable;
  /** Where the configuration goes (e.g. ~/.config/seedbank/seeder.yaml). */
  configFile: string;
  catalogue?: string;
  storage?: string;
  /** Treat the input as a terminal (keys, Ctrl-C); default: whether the output is one. Tests set it. */
  terminal?: boolean;
}

/** Free bytes on the filesystem that would hold `dir` (its nearest existing ancestor). */
export async function freeSpaceFor(dir: string): Promise<number | null> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      const s = await statfs(d);
      return s.bavail * s.bsize;
    } catch {
      if (path.dirname(d) === d) return null;
    }
  }
}

async function setHint(catalogue: string): Promise<string> {
  try {
    const res = await fetch(`${catalogue}/api/sets`, { signal: AbortSignal.timeout(SET_LIST_TIMEOUT_MS) });
    const body = (await res.json()) as { sets?: Array<{ id: string; tags: string[] }> };
    return (body.sets ?? []).map((s) => `${s.id}${s.tags.length ? ` [${s.tags.join(', ')}]` : ''}`).join(', ');
  } catch {
    return '';
  }
}

/** Asks the three questions, writes the configuration file and returns the answers and where they were written. */
export async function runWizard(io: WizardIo): Promise<{ answers: WizardAnswers; file: string }> {
  const rl = createInterface({ input: io.input, output: io.output, ...(io.terminal === undefined ? {} : { terminal: io.terminal }) });
  // Ctrl-C (which readline receives as a key on a terminal) or the end of the input stops the
  // wizard before anything is written; the dispatcher turns INTERRUPTED into exit 130.
  const stop = new AbortController();
  rl.on('SIGINT', () => stop.abort());
  rl.on('close', () => stop.abort());
  const say = (line: string) => io.output.write(`${line}\n`);
  const ask = async (question: string, fallback?: string): Promise<string> => {
    for (;;) {
      let answer: string;
      try {
        if (stop.signal.aborted) throw stop.signal.reason;
        answer = await rl.question(`${question}${fallback ? ` [${fallback}]` : ''}: `, { signal: stop.signal });
      } catch (err) {
        if (stop.signal.aborted) throw new SeedbankError('INTERRUPTED', 'setup stopped before it was complete; nothing was written', { cause: err });
        throw err;
      }
      const a = answer.trim();
      if (a || fallback) return a || fallback!;
    }
  };
  try {
    say('No configuration yet: three questions, then this seeder starts (Ctrl-C to stop).');
    let catalogue = '';
    for (;;) {
      catalogue = (await ask('1. Catalogue URL', io.catalogue)).replace(/\/+$/, '');
      if (/^https?:\/\/[^/]+/.test(catalogue)) break;
      say('   a URL like https://catalogue.example.org, please');
    }
    const storage = path.resolve(await ask('2. Storage folder', io.storage));
    const free = await freeSpaceFor(storage);
    say(`   free space there: ${free === null ? 'unknown' : formatSize(free)}`);
    let quota = '';
    for (;;) {
      quota = await ask('   Quota (most disk this seeder may use)', free ? formatSize(Math.floor(free * DEFAULT_QUOTA_SHARE)).replace(' ', '') : undefined);
      const bytes = parseSize(quota);
      if (bytes && bytes > 0 && (free === null || bytes <= free)) break;
      say(bytes && free !== null ? `   only ${formatSize(free)} are free there` : '   a size like 50GB or 500MiB, please');
    }
    const hint = await setHint(catalogue);
    if (hint) say(`   sets in this catalogue: ${hint}`);
    const which = await ask('3. Which sets? set ids (paris,birds), tags (tag:nature), or auto for the most at-risk ones', 'auto');
    const items = parseList(which);
    const auto = items.includes('auto');
    const answers: WizardAnswers = {
      catalogue,
      storage,
      quota,
      auto,
      tags: items.filter((i) => i.startsWith('tag:')).map((i) => i.slice(4)).filter(Boolean),
      sets: items.filter((i) => i !== 'auto' && !i.startsWith('tag:')),
    };
    let file = io.configFile;
    try {
      await writeSeederConfigFile(file, answers);
    } catch {
      // No writable home (a service account): keep it next to the storage.
      file = path.join(storage, 'seeder.yaml');
      await writeSeederConfigFile(file, answers);
    }
    say(`Configuration written to ${file}; next time: seedbank seed --config ${file}`);
    return { answers, file };
  } finally {
    rl.close();
  }
}
