// The build's page store (services/set-builder/listing/page-store.ts): pages keyed by arrival
// number with a title index, on a real LMDB file in a temp folder.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPageStore } from '../../services/set-builder/listing/page-store.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-page-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the page store', () => {
  it('gives back every page by title, the last put of a title winning; refuses a title never put; removes its folder on close', async () => {
    const folder = path.join(dir, 'pages');
    const store = await openPageStore(folder);
    const page = (i: number, v = 1) => `  <page>\n    <title>File:Ünïcode ${i}.jpg</title>\n    <id>${i}</id>\n    <text>${'x'.repeat(i % 3000)} v${v}</text>\n  </page>\n`;
    for (let i = 0; i < 3000; i++) store.put(`File:Ünïcode ${(i * 7919) % 3001}.jpg`, page(i));
    store.put('File:Ünïcode 0.jpg', page(0, 2));
    await store.flushed();
    for (const i of [1, 2, 1500, 2999]) expect(store.get(`File:Ünïcode ${(i * 7919) % 3001}.jpg`)).toBe(page(i));
    expect(store.get('File:Ünïcode 0.jpg')).toBe(page(0, 2));
    expect(store.has('File:Ünïcode 1.jpg')).toBe(true);
    expect(store.has('File:Nowhere.jpg')).toBe(false);
    expect(() => store.get('File:Nowhere.jpg')).toThrow(/no description page was kept for File:Nowhere.jpg/);
    await store.close();
    await expect(stat(folder)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
