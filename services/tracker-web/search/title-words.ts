/**
 * How a file title becomes the words the search index holds, and how a query becomes the
 * prefixes it looks for. Both sides fold the same way, so "eiffel" finds "Eiffel", "trocadero"
 * finds "Trocadéro", "lodz" finds "Łódź" and "strasse" finds "Straße": compatibility
 * decomposition (NFKD, which also turns ligatures and full-width forms into plain letters),
 * combining marks dropped, lower case without a locale, and a few letters that do not
 * decompose mapped by hand. A word is a run of letters and digits; in scripts written without
 * spaces (Han, kana) every character starts a word, so a query can begin mid-run.
 */

/** Folded words are cut to this many UTF-8 bytes in the index; longer query words are cut the same way. */
export const MAX_WORD_BYTES = 40;
/** Words indexed per title at most: a title is at most 255 bytes, this keeps a pathological one from writing hundreds of keys. */
export const MAX_WORDS_PER_TITLE = 32;
/** The namespace every Commons file title carries; not worth a word of its own in every entry. */
export const FILE_NAMESPACE = 'File:';

/** Letters that neither NFKD nor lower-casing bring to a base letter, as people type them without the mark. */
const EXTRA_FOLDS: Record<string, string> = {
  ß: 'ss', ẞ: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ħ: 'h', ı: 'i', ŧ: 't', ŋ: 'ng', ĸ: 'q', ſ: 's', ς: 'σ',
};
const EXTRA_FOLD_PATTERN = new RegExp(`[${Object.keys(EXTRA_FOLDS).join('')}]`, 'g');
const COMBINING_MARKS = /\p{M}+/gu;
const PLAIN_ASCII = /^[\x00-\x7f]*$/;
const WORD_RUNS = /[\p{L}\p{N}]+/gu;
/** Scripts written without spaces between words: each character may begin a word. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3005\u30fc]/u; // with 々 and ー, which are Common script

/** Folds text for matching: NFKD, marks dropped, lower case (no locale), the extra folds applied. */
export function foldText(text: string): string {
  // Most titles are plain ASCII: nothing to decompose, strip or map (a search reads thousands per request).
  if (PLAIN_ASCII.test(text)) return text.toLowerCase();
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().replace(EXTRA_FOLD_PATTERN, (c) => EXTRA_FOLDS[c]!);
}

/** Cuts a word to MAX_WORD_BYTES of UTF-8 without splitting a character. */
export function capWord(word: string): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short words need no counting.
  if (word.length * 3 <= MAX_WORD_BYTES || Buffer.byteLength(word, 'utf8') <= MAX_WORD_BYTES) return word;
  let out = '';
  let bytes = 0;
  for (const ch of word) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > MAX_WORD_BYTES) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** The part of a title that holds words: without its "File:" namespace. */
export function titleText(title: string): string {
  return title.startsWith(FILE_NAMESPACE) ? title.slice(FILE_NAMESPACE.length) : title;
}

/** The folded runs of letters and digits in a text, in order, repeats kept. */
function runs(text: string): string[] {
  return foldText(text).match(WORD_RUNS) ?? [];
}

/**
 * The distinct index words of a title, sorted, each cut to MAX_WORD_BYTES, at most
 * MAX_WORDS_PER_TITLE of them (the first ones in the title win). In unspaced scripts every
 * position of a run starts a word (the rest of the run), so "東京タワー" can be found by "京".
 */
export function indexWords(title: string): string[] {
  const words = new Set<string>();
  outer: for (const run of runs(titleText(title))) {
    if (!UNSPACED.test(run)) {
      words.add(capWord(run));
      if (words.size >= MAX_WORDS_PER_TITLE) break;
      continue;
    }
    const chars = [...run];
    for (let i = 0; i < chars.length; i++) {
      // Latin-like runs start a word only at their beginning; next to Han or kana every character does.
      if (i > 0 && !UNSPACED.test(chars[i]!) && !UNSPACED.test(chars[i - 1]!)) continue;
      words.add(capWord(chars.slice(i).join('')));
      if (words.size >= MAX_WORDS_PER_TITLE) break outer;
    }
  }
  return [...words].sort();
}

/**
 * The distinct folded prefixes a query asks for, in the order typed: every one must begin a
 * word of a matching title. Punctuation and spaces only separate; a query without letters
 * or digits has none.
 */
export function queryWords(query: string): string[] {
  return [...new Set(runs(query).map(capWord))];
}

/** True when some of `words` (a title's index words) begins with `prefix`. */
export function hasWordStartingWith(words: readonly string[], prefix: string): boolean {
  return words.some((w) => w.startsWith(prefix));
}
