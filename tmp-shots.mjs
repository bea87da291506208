// Screenshots of a running catalogue's pages at desktop and phone width (not part of the repo).
import { chromium } from 'playwright-core';
const base = process.argv[2];
const out = process.argv[3];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
for (const [label, width] of [['desktop', 1280], ['phone', 390]]) {
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await ctx.newPage();
  for (const [name, path] of [['home', '/'], ['set', '/sets/paris'], ['file', '/files?q=' + encodeURIComponent(process.argv[4] ?? 'eiffel')], ['search', '/files?q=eiffel']]) {
    await page.goto(base + path, { waitUntil: 'networkidle' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.screenshot({ path: `${out}/${name}-${label}.png`, fullPage: name !== 'set' });
    console.log(name, label, 'overflow px', overflow);
  }
  await ctx.close();
}
await browser.close();
