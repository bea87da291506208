/**
 * Synthetic Commons-like file titles for the search bench: words drawn from a vocabulary with
 * Zipf-like frequencies (a head of real title words, a long tail of made-up ones, some with
 * accents), years, camera codes and an extension, from a seeded PRNG so every run and machine
 * gets the same titles.
 */
import { prng } from '../../shared/prng.ts';

/** Words that head real Commons titles, roughly in order of frequency. */
const HEAD_WORDS = (
  'de la the of in and view from le des du st church street paris map station house park river castle bridge ' +
  'old new north south east west saint city hall museum tower square building village centre center road lake ' +
  'panorama interior exterior detail night winter summer spring autumn train bus tram airport harbour port beach ' +
  'mountain valley forest garden palace cathedral chapel monument statue memorial grave cemetery school university ' +
  'library theatre market hotel restaurant shop sign flag coat arms portrait painting drawing photograph photo ' +
  'london berlin roma wien praha madrid lisboa amsterdam bruxelles münchen köln zürich genève kraków łódź são ' +
  'eiffel trocadéro louvre seine montmartre notre dame versailles arc triomphe élysées champs'
).split(' ');
/** Syllables for the tail: made-up words that look like names and places from many languages. */
const SYLLABLES = 'ka ra mo ne li sa to vi da be lu ri na go ze pa mi ko te ha ju sé ö ñ an el or um ish berg dorf ville burg stadt ford'.split(' ');
const EXTENSIONS: Array<[string, number]> = [['jpg', 0.78], ['png', 0.08], ['svg', 0.06], ['tif', 0.03], ['pdf', 0.02], ['ogg', 0.02], ['webm', 0.01]];
/** Zipf exponent: word frequency falls as 1/rank^s, as in natural text. */
const ZIPF_EXPONENT = 1.05;

/** A title generator with its vocabulary (index = rank, 0 most frequent). */
export interface TitleGenerator {
  vocabulary: string[];
  /** The title of file number i (the same i gives the same title). */
  title(i: number): string;
}

function makeTail(count: number, rand: () => number): string[] {
  const seen = new Set(HEAD_WORDS);
  const out: string[] = [];
  while (out.length < count) {
    const n = 2 + Math.floor(rand() * 3);
    let w = '';
    for (let k = 0; k < n; k++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    w = w[0]!.toUpperCase() + w.slice(1);
    if (!seen.has(w)) {
      seen.add(w);
      out.push(w);
    }
  }
  return out;
}

/** Builds the generator: `vocabularySize` words, the head ones first. */
export function titleGenerator(vocabularySize: number, seed = 14): TitleGenerator {
  const rand = prng(seed);
  const vocabulary = [...HEAD_WORDS, ...makeTail(Math.max(0, vocabularySize - HEAD_WORDS.length), rand)];
  const cumulative = new Float64Array(vocabulary.length);
  let total = 0;
  for (let r = 0; r < vocabulary.length; r++) cumulative[r] = total += 1 / Math.pow(r + 1, ZIPF_EXPONENT);
  const pick = (u: number): string => {
    const target = u * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo]!;
  };
  return {
    vocabulary,
    title(i) {
      const r = prng(i * 2654435761 + seed);
      const words: string[] = [];
      const n = 2 + Math.floor(r() * 6);
      for (let k = 0; k < n; k++) words.push(pick(r()));
      const extra = r();
      // Many real titles are told apart by a year or a camera's file number.
      if (extra < 0.3) words.push(String(1850 + Math.floor(r() * 176)));
      else if (extra < 0.55) words.push(`IMG_${String(i).padStart(6, '0')}`);
      else if (extra < 0.7) words.push(`(${i})`);
      let u = r();
      const ext = EXTENSIONS.find(([, p]) => (u -= p) < 0)?.[0] ?? 'jpg';
      const name = words.join(' ');
      return `File:${name[0]!.toUpperCase()}${name.slice(1)}.${ext}`;
    },
  };
}
