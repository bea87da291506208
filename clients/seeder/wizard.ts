/**
 * The first-run wizard of `seedbank seed` on a terminal: four questions (catalogue, storage
 * folder and quota, which sets, whether to use the public DHT), then the answers are written as a configuration file so the
 * next start (or a systemd unit) needs no flags.
 */
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { didYouMean } from '../../shared/closest-match.ts';
import { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { listSetIds } from '../../shared/api/known-sets.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { userAgent } from '../../shared/http/user-agent.ts';
import { parseSize, formatSize } from '../../shared/units.ts';
import { parseList } from './config.ts';
import { writeSeederConfigFile, type WizardAnswers } from './config-file.ts';

/** The catalogue's set list is offered as a hint if each of its pages answers this fast. */
const SET_LIST_TIMEOUT_MS = 5_000;
/** Sets the wizard names before "and N more": a line a person reads. */
const MAX_SHOWN_SETS = 30;
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
  /** User-Agent of the request for the catalogue's set list. */
  userAgent?: string;
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

/** The catalogue's sets (id and tags), every page of them, or null when it does not answer in time (it is only a hint). */
async function catalogueSets(catalogue: string, agent: string | undefined): Promise<Array<{ id: string; tags: string[] }> | null> {
  try {
    const api = new CatalogueApi(catalogue, agent ?? userAgent({ part: 'seeder' }), { timeoutMs: SET_LIST_TIMEOUT_MS, maxRetries: 0 });
    return (await api.sets()).map((x) => ({ id: x.id, tags: x.tags }));
  } catch {
    return null;
  }
}

/** "paris [city], birds", the first MAX_SHOWN_SETS of them and how many more. */
function showSets(known: Array<{ id: string; tags: string[] }>): string {
  const shown = known.slice(0, MAX_SHOWN_SETS).map((x) => `${x.id}${x.tags.length ? ` [${x.tags.join(', ')}]` : ''}`);
  return `${shown.join(', ') || 'none yet'}${known.length > MAX_SHOWN_SETS ? ` (and ${known.length - MAX_SHOWN_SETS} more)` : ''}`;
}

/** The answers that name a set or tag the catalogue does not have, each with what is close. */
export function unknownChoices(items: string[], known: Array<{ id: string; tags: string[] }>): string[] {
  const ids = known.map((k) => k.id);
  const tags = known.flatMap((k) => k.tags);
  const wrong: string[] = [];
  for (const item of items) {
    if (item === 'auto') continue;
    const isTag = item.startsWith('tag:');
    const name = isTag ? item.slice(4) : item;
    const pool = isTag ? tags : ids;
    if (!pool.includes(name)) wrong.push(`${isTag ? 'tag ' : ''}"${name}"${didYouMean(name, pool) || ` (the ${isTag ? 'tags' : 'sets'} are: ${listSetIds([...new Set(pool)])})`}`);
  }
  return wrong;
}

/** Asks until the answer is yes or no. */
async function askYesNo(ask: (q: string, fallback?: string) => Promise<string>, question: string, fallback: 'y' | 'n'): Promise<boolean> {
  for (;;) {
    const a = (await ask(question, fallback)).toLowerCase();
    if (a === 'y' || a === 'yes') return true;
    if (a === 'n' || a === 'no') return false;
  }
}

/** Asks the four questions, writes the configuration file and returns the answers and where they were written. */
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
    say('No configuration yet: four questions, then this seeder starts (Ctrl-C to stop).');
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
    const known = await catalogueSets(catalogue, io.userAgent);
    if (known) say(`   sets in this catalogue: ${showSets(known)}`);
    let items: string[] = [];
    for (;;) {
      items = parseList(await ask('3. Which sets? set ids (paris,birds), tags (tag:nature), or auto for the most at-risk ones', 'auto'));
      // Checked against the list just shown: a typo would otherwise host nothing, forever.
      const wrong = known ? unknownChoices(items, known) : [];
      if (wrong.length === 0) break;
      say(`   not in this catalogue: ${wrong.join('; ')}`);
    }
    const auto = items.includes('auto');
    say('4. To find peers, and to follow new versions when the catalogue is down, this seeder joins the');
    say('   public BitTorrent DHT: it contacts the public bootstrap routers (router.bittorrent.com and others)');
    say('   and other DHT nodes learn its address and the volumes it hosts.');
    const dht = await askYesNo(ask, '   Use the public DHT? (y/n)', 'y');
    const answers: WizardAnswers = {
      catalogue,
      storage,
      quota,
      auto,
      dht,
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
    say(file === io.configFile ? `Configuration written to ${file}; next time \`seedbank seed\` reads it (flags override it)` : `Configuration written to ${file}; next time: seedbank seed --config ${file}`);
    return { answers, file };
  } finally {
    rl.close();
  }
}
