// Checks every catalogue page test makes of a page it opened: nothing went wrong in it, and
// the accessibility basics hold.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { PageProblems } from './browser.ts';

/** Fails unless the page logged no console error, threw nothing and opened no dialog. */
export function expectClean(problems: PageProblems): void {
  expect(problems).toEqual({ consoleErrors: [], pageErrors: [], dialogs: [] });
}

/** Accessibility basics checked in the page: landmarks, one h1, table headers, alt, labels, unique ids. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const h1s = document.querySelectorAll('h1').length;
    if (h1s !== 1) found.push(`${h1s} h1 elements`);
    if (!document.documentElement.lang) found.push('no lang');
    for (const landmark of ['header', 'nav', 'main', 'footer']) if (!document.querySelector(landmark)) found.push(`no <${landmark}>`);
    document.querySelectorAll('table').forEach((t, i) => {
      if (!t.querySelector('thead th[scope=col]')) found.push(`table ${i} has no column headers`);
      if (!t.querySelector('caption')) found.push(`table ${i} has no caption`);
    });
    document.querySelectorAll('img').forEach((img) => {
      if (!img.getAttribute('alt')) found.push(`image ${img.getAttribute('src')} has no alt text`);
    });
    document.querySelectorAll('input, select, textarea').forEach((el) => {
      const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label');
      if (!labelled) found.push(`control ${el.getAttribute('name')} has no label`);
    });
    document.querySelectorAll('svg[role=img]').forEach((svg) => {
      const ids = (svg.getAttribute('aria-labelledby') ?? '').split(' ').filter(Boolean);
      if (ids.length === 0 || ids.some((id) => !document.getElementById(id)?.textContent)) found.push(`svg ${svg.id} is not labelled`);
    });
    const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (dupes.length > 0) found.push(`duplicate ids: ${dupes.join(', ')}`);
    return found;
  });
}
