import { describe, expect, it } from 'vitest';
import { closestMatches, didYouMean } from './closest-match.ts';

describe('closestMatches', () => {
  it('puts a case-only difference first, then near typos, and leaves far names out', () => {
    const known = ['Eiffel Tower', 'Views from the Eiffel Tower', 'Paris', 'Birds'];
    expect(closestMatches('eiffel tower', known)[0]).toBe('Eiffel Tower');
    expect(closestMatches('pariss', ['paris', 'birds', 'unrelated'])).toEqual(['paris']);
    expect(closestMatches('zzz', known)).toEqual([]);
    expect(didYouMean('Eiffel_Tower', known)).toMatch(/^ Did you mean "Eiffel Tower"/);
    expect(didYouMean('zzz', known)).toBe('');
  });
});
