import { describe, expect, it } from 'vitest';
import { MAX_WORD_BYTES, MAX_WORDS_PER_TITLE, capWord, foldText, indexWords, queryWords } from './title-words.ts';

describe('folding', () => {
  it('lower-cases without a locale, drops accents and maps letters that do not decompose', () => {
    expect(foldText('Trocadéro ÉCOLE')).toBe('trocadero ecole');
    expect(foldText('Łódź Straße Øresund Æbeltoft İstanbul')).toBe('lodz strasse oresund aebeltoft istanbul');
    // Compatibility forms: a ligature, full-width letters and digits, a superscript.
    expect(foldText('ﬁle ＥＩＦＦＥＬ ２０１９ m²')).toBe('file eiffel 2019 m2');
    expect(foldText('ΟΔΟΣ')).toBe('οδοσ');
  });
});

describe('index words', () => {
  it('splits a title into its distinct folded words, without the File: namespace, sorted', () => {
    expect(indexWords('File:Eiffel Tower from Trocadéro.png')).toEqual(['eiffel', 'from', 'png', 'tower', 'trocadero']);
    expect(indexWords('File:Paris_-_Paris (1900), 2.JPG')).toEqual(['1900', '2', 'jpg', 'paris']);
    expect(indexWords('File:...')).toEqual([]);
  });

  it('starts a word at every character of Han and kana runs, so a query can begin mid-run', () => {
    const words = indexWords('File:東京タワー2020.jpg');
    expect(words).toContain('東京タワー2020');
    expect(words).toContain('京タワー2020');
    expect(words).toContain('タワー2020');
    expect(words).toContain('2020');
    expect(words).toContain('jpg');
  });

  it('caps word length in UTF-8 bytes and the number of words per title', () => {
    const long = 'é'.repeat(100);
    expect(Buffer.byteLength(capWord(foldText(long)), 'utf8')).toBeLessThanOrEqual(MAX_WORD_BYTES);
    expect(capWord('ü'.repeat(30))).toBe('ü'.repeat(MAX_WORD_BYTES / 2));
    const many = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
    expect(indexWords(`File:${many}.jpg`)).toHaveLength(MAX_WORDS_PER_TITLE);
  });
});

describe('query words', () => {
  it('keeps the folded words in the order typed, once each; punctuation only separates', () => {
    expect(queryWords('  Eiffel,  TOUR eiffel ')).toEqual(['eiffel', 'tour']);
    expect(queryWords('File:Trocadéro')).toEqual(['file', 'trocadero']);
    expect(queryWords('?!… — ()')).toEqual([]);
    expect(queryWords('京タ')).toEqual(['京タ']);
  });
});
