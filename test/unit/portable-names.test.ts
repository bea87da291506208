// Issue 11, section 3: stored names that stock clients or disks rewrite, the volume layout that
// keeps them apart (manifest /2), and /1 manifests still reading byte for byte.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commonsPath } from '../../shared/commons-path.ts';
import { isSeedbankError } from '../../shared/errors.ts';
import { MANIFEST_FORMAT, parseManifest, serializeManifest, type Manifest } from '../../shared/formats/manifest.ts';
import { nameProblems, unportablePaths } from '../../shared/formats/portable-name.ts';
import { assignVolumes, assignVolumesApart } from '../../shared/formats/volume-rule.ts';
import { silentLogger } from '../../shared/log.ts';
import { closeHashWorkers, createVolumeTorrent } from '../../shared/torrent/index.ts';
import { buildVolumes, volumeOrder } from '../../services/set-builder/volumes.ts';
import type { ListedFile } from '../../services/set-builder/listing/listed-file.ts';
import { SetStore } from '../../services/set-builder/store.ts';
import { renderUnportableNames } from '../../services/tracker-web/pages/render-unportable.ts';
import { unportableNamesView } from '../../services/tracker-web/views/unportable-model.ts';

describe('portable names', () => {
  it('passes what every client writes as is: punctuation legal on Windows, accents, other scripts, emoji', () => {
    for (const name of ["Notre-Dame_(west_façade),_1890's_&_today.jpg", 'Hash#1_100%.png', 'Москва.jpg', 'Emoji_😀.jpg', 'Con_trol.jpg', 'Null.jpg', 'COM10.jpg', 'A..b.jpg', 'a'.repeat(255)]) {
      expect(nameProblems(name), name).toEqual([]);
    }
  });

  it('names each rule a name breaks', () => {
    expect(nameProblems('Why?.jpg')).toEqual(['reserved-character']);
    expect(nameProblems('"Quoted".jpg')).toEqual(['reserved-character']);
    for (const c of ['<', '>', ':', '\\', '|', '*']) expect(nameProblems(`A${c}b.jpg`), c).toEqual(['reserved-character']);
    expect(nameProblems('Tab\there.jpg')).toEqual(['control-character']);
    expect(nameProblems('Ends_with_a_dot.')).toEqual(['edge-space-or-dot']);
    expect(nameProblems('Ends with space ')).toEqual(['edge-space-or-dot']);
    expect(nameProblems(' Starts with space.jpg')).toEqual(['edge-space-or-dot']);
    for (const n of ['CON.jpg', 'nul', 'Aux.tar.gz', 'Com1.png', 'LPT9.jpg', 'Com¹.jpg', 'Prn .jpg']) expect(nameProblems(n), n).toEqual(['device-name']);
    expect(nameProblems(`${'é'.repeat(128)}.jpg`)).toEqual(['too-long']);
    expect(nameProblems('Nul.a?.')).toEqual(['reserved-character', 'edge-space-or-dot', 'device-name']);
  });

  it('puts every member of a case or normalisation twin group apart, only within one folder', () => {
    const nfc = 'Café.jpg'.normalize('NFC');
    const nfd = 'Café.jpg'.normalize('NFD');
    const found = unportablePaths([
      '1/1a/Paris.jpg', '1/1a/PARIS.jpg', '1/1a/paris.JPG', // one group of three
      `2/2b/${nfc}`, `2/2b/${nfd}`, // same letters, two normalisations
      '3/3c/Fine.jpg', '4/4d/FINE.jpg', // twins by case, but in other folders: no collision on disk
      '5/5e/Why?.jpg',
    ]);
    expect(Object.fromEntries(found)).toEqual({
      '1/1a/Paris.jpg': ['case-or-normalisation-twin'],
      '1/1a/PARIS.jpg': ['case-or-normalisation-twin'],
      '1/1a/paris.JPG': ['case-or-normalisation-twin'],
      [`2/2b/${nfc}`]: ['case-or-normalisation-twin'],
      [`2/2b/${nfd}`]: ['case-or-normalisation-twin'],
      '5/5e/Why?.jpg': ['reserved-character'],
    });
  });
});

describe('the volume rule with unportable names apart', () => {
  const files = Array.from({ length: 300 }, (_, i) => ({ name: i % 37 === 0 ? `File_${i}?.jpg` : `File_${i}.jpg`, size: 1000 }));
  const apart = (f: { name: string }) => nameProblems(f.name).length > 0;

  it('keeps the main trie of a /1 layout and moves only the unportable files, into u-leaves', () => {
    const v1 = assignVolumes(files, 40_000, null);
    const v2 = assignVolumesApart(files, 40_000, v1.map((l) => l.prefix), apart);
    const main = v2.filter((l) => l.portable);
    const kept = v2.filter((l) => !l.portable);
    expect(main.map((l) => l.prefix)).toEqual(v1.map((l) => l.prefix));
    expect(kept.map((l) => l.prefix)).toEqual(['u']);
    expect(kept[0]!.files.map((f) => f.name).sort()).toEqual(files.filter(apart).map((f) => f.name).sort());
    for (const [i, leaf] of main.entries()) {
      expect(leaf.files).toEqual(v1[i]!.files.filter((f) => !apart(f)));
    }
    // A later version from the /2 layout is the same layout.
    expect(assignVolumesApart(files, 40_000, v2.map((l) => l.prefix), apart)).toEqual(v2);
  });

  it('splits the second trie by the same bits when it outgrows the limit', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ name: `Q${i}?.jpg`, size: 1000 }));
    const leaves = assignVolumesApart(many, 40_000, null, apart);
    expect(leaves.filter((l) => l.portable).map((l) => l.files.length)).toEqual([0]);
    const kept = leaves.filter((l) => !l.portable);
    expect(kept.length).toBeGreaterThan(2);
    for (const l of kept) expect(l.prefix).toMatch(/^u[01]+$/);
  });
});

describe('the builder: a version after a /1 one moves unportable files out, every other volume keeps its info hash', () => {
  let work: string;
  let store: SetStore;
  const SET = 'names';
  const PIECE = 16 * 1024;
  const LIMIT = 12_000;
  const listed: ListedFile[] = [];
  const unportable = new Set<string>();

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-portable-'));
    store = new SetStore(work);
    for (let i = 0; i < 60; i++) {
      const name = i === 3 ? `Question_${i}?.jpg` : i === 41 ? `"Quoted"_${i}.jpg` : `Plain_${i}.jpg`;
      const p = commonsPath(name);
      const bytes = Buffer.alloc(700 + i * 13, i);
      await mkdir(path.dirname(store.mediaPath(p)), { recursive: true });
      await writeFile(store.mediaPath(p), bytes);
      if (nameProblems(name).length > 0) unportable.add(p);
      listed.push({
        name, path: p, size: bytes.length, sha1: createHash('sha1').update(bytes).digest('hex'), title: `File:${name}`, mime: 'image/jpeg',
        uploadTimestamp: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`, pageId: i + 1, revisionId: i + 1, license: null, author: null,
        categories: [], coordinates: null, url: '', uploadBase: 'http://127.0.0.1/wikipedia/',
      });
    }
  });

  afterAll(async () => {
    await closeHashWorkers();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** v1 as the /1 builder made it: one trie, names mixed. */
  async function buildV1(): Promise<Manifest> {
    const dir = store.versionDir(SET, 1);
    await mkdir(path.join(dir, 'volumes'), { recursive: true });
    const leaves = assignVolumes(listed, LIMIT, null);
    const volumes: Manifest['volumes'] = [];
    for (const leaf of leaves) {
      if (leaf.files.length === 0) continue;
      const ordered = [...leaf.files].sort(volumeOrder);
      const t = await createVolumeTorrent({ files: ordered.map((f) => ({ path: f.path, length: f.size, absPath: store.mediaPath(f.path), sha1Hex: f.sha1 })), pieceLength: PIECE, urlList: ['http://127.0.0.1/wikipedia/'] });
      await writeFile(path.join(dir, `volumes/${t.infoHash}.torrent`), t.torrent);
      volumes.push({ infoHash: t.infoHash, prefix: leaf.prefix, pieceLength: PIECE, pieces: t.pieces.length / 20, size: t.totalBytes, files: ordered.length, torrent: `volumes/${t.infoHash}.torrent` });
    }
    return { format: 'seedbank-manifest/1', version: 1, volumes, volumeLayout: leaves.map((l) => l.prefix) } as Manifest;
  }

  it('reuses each /1 volume that held no unportable name, rebuilds those that did, and puts the unportable ones in portable:false volumes', async () => {
    const v1 = await buildV1();
    const v1Files = new Map(assignVolumes(listed, LIMIT, null).map((l) => [l.prefix, l.files]));
    const opts = { limitBytes: LIMIT, pieceLength: PIECE, trackers: [], logger: silentLogger };
    await mkdir(path.join(work, 'scratch2', 'volumes'), { recursive: true });
    const v2 = await buildVolumes(store, SET, listed, v1, { ...opts, scratch: path.join(work, 'scratch2') });

    const mixed = v1.volumes.filter((v) => v1Files.get(v.prefix)!.some((f) => unportable.has(f.path)));
    const clean = v1.volumes.filter((v) => !mixed.includes(v));
    expect(mixed.length).toBeGreaterThan(0);
    expect(clean.length).toBeGreaterThan(0);
    const byPrefix = new Map(v2.volumes.map((b) => [b.volume.prefix, b]));
    for (const v of clean) {
      expect(byPrefix.get(v.prefix)?.volume.infoHash, `volume ${v.prefix}`).toBe(v.infoHash);
      expect(byPrefix.get(v.prefix)?.reused).toBe(true);
    }
    for (const v of mixed) expect(byPrefix.get(v.prefix)?.volume.infoHash, `volume ${v.prefix}`).not.toBe(v.infoHash);

    const apart = v2.volumes.filter((b) => b.volume.portable === false);
    expect(apart.map((b) => b.volume.prefix)).toEqual(['u']);
    expect(apart.flatMap((b) => Array.from(b.files, (f) => f.path)).sort()).toEqual([...unportable].sort());
    for (const b of v2.volumes.filter((x) => x.volume.portable)) for (const f of b.files) expect(unportable.has(f.path)).toBe(false);
    expect(v2.layout).toContain('u');
  });
});

describe('manifest formats', () => {
  const ih = 'ab'.repeat(20);
  const base = (): Manifest => ({
    format: MANIFEST_FORMAT,
    set: { id: 's', title: 'S', description: '', tags: [], copyTarget: 3, publicKey: 'cd'.repeat(32) },
    version: 1,
    recipe: {},
    source: { wiki: 'w', siteName: 'w', generator: 'g', uploadBase: 'http://127.0.0.1/wikipedia/', articleUrl: 'a' },
    snapshot: { builtAt: '2026-01-01T00:00:00Z', maxRevisionId: 1, maxLogId: 1, dumpRun: '' },
    parent: null,
    files: [{ title: 'File:A.jpg', path: 'a/ab/A.jpg', size: 1, sha1: 'ef'.repeat(20), mime: 'image/jpeg', uploadTimestamp: '', pageId: 1, revisionId: 1, license: null, author: null, categories: [], coordinates: null, volume: ih }],
    volumes: [{ infoHash: ih, prefix: '', pieceLength: 16384, pieces: 1, size: 1, files: 1, torrent: `volumes/${ih}.torrent`, portable: true }],
    volumeLayout: ['', 'u'],
    changes: { added: ['File:A.jpg'], removed: [], changed: [], renamed: [], pagesUpdated: [] },
    skipped: [],
    pages: { file: 'pages.xml.gz', sha256: '0'.repeat(64), size: 0, count: 0 },
    totals: { files: 1, bytes: 1 },
  });
  const v1Text = (): string => {
    const m = base();
    const { portable: _p, ...volume } = m.volumes[0]!;
    return serializeManifest({ ...m, format: 'seedbank-manifest/1', volumes: [volume], volumeLayout: [''] });
  };
  const refusal = (text: string): string => {
    try {
      parseManifest(text);
    } catch (err) {
      expect(isSeedbankError(err, 'MANIFEST_INVALID')).toBe(true);
      return `${(err as Error).message} | ${(err as { hint?: string }).hint ?? ''}`;
    }
    throw new Error('the manifest was accepted');
  };

  it('writes /2 and reads it back', () => {
    expect(MANIFEST_FORMAT).toBe('seedbank-manifest/2');
    const text = serializeManifest(base());
    expect(serializeManifest(parseManifest(text))).toBe(text);
  });

  it('still reads a /1 manifest into the same shape, and serialises it back to its own bytes (its signature and hash hold)', () => {
    const text = v1Text();
    const m = parseManifest(text);
    expect(m.format).toBe('seedbank-manifest/1');
    expect(m.volumes[0]!.portable).toBeUndefined();
    expect(m.files[0]!.volume).toBe(ih);
    expect(serializeManifest(m)).toBe(text);
  });

  it('refuses what neither format allows: /2 without portable or with a wrong one, /1 with /2 fields, and a newer format', () => {
    const noFlag = base();
    delete noFlag.volumes[0]!.portable;
    expect(refusal(serializeManifest(noFlag))).toMatch(/must have portable: true/);
    const wrong = base();
    wrong.volumes[0] = { ...wrong.volumes[0]!, prefix: 'u', portable: true };
    expect(refusal(serializeManifest(wrong))).toMatch(/prefix "u".*portable: false/);
    expect(refusal(v1Text().replace('"volumeLayout":[""]', '"volumeLayout":["","u"]'))).toMatch(/"u" is a \/2 prefix/);
    expect(refusal(serializeManifest({ ...base(), format: 'seedbank-manifest/1' as never }))).toMatch(/"portable", which \/1 does not know/);
    expect(refusal(serializeManifest({ ...base(), format: 'seedbank-manifest/4' as never }))).toMatch(/seedbank-manifest\/4.*reads seedbank-manifest\/1, seedbank-manifest\/2, seedbank-manifest\/3.*newer Seedbank/);
    expect(refusal(serializeManifest({ ...base(), format: 'seedbank-manifest/3' as never }))).toMatch(/split manifest.*openVersionManifest/);
  });
});

describe('the set page note', () => {
  const file = (title: string, p: string, volume: string) => ({
    title, path: p, size: 1, sha1: 'ef'.repeat(20), mime: 'image/jpeg', uploadTimestamp: '', pageId: 1, revisionId: 1, license: null, author: null, categories: [], coordinates: null, volume,
  });
  const vol = (infoHash: string, prefix: string, files: number, portable?: boolean) => ({
    infoHash, prefix, pieceLength: 16384, pieces: 1, size: files, files, torrent: `volumes/${infoHash}.torrent`, ...(portable === undefined ? {} : { portable }),
  });
  const [a, b, u] = ['aa'.repeat(20), 'bb'.repeat(20), 'cc'.repeat(20)];

  it('names the apart volumes of a /2 version with their counts', () => {
    const m = { format: MANIFEST_FORMAT, files: [file('File:Plain.jpg', '1/1a/Plain.jpg', a), file('File:Why?.jpg', '2/2b/Why?.jpg', u), file('File:"Q".jpg', '3/3c/"Q".jpg', u)], volumes: [vol(a, '', 1, true), vol(u, 'u', 2, false)] } as unknown as Manifest;
    const view = unportableNamesView(m)!;
    expect(view).toEqual({ files: 2, keptApart: true, volumes: [{ infoHash: u, files: 2 }], examples: ['File:Why?.jpg', 'File:"Q".jpg'] });
    const page = String(renderUnportableNames(view));
    expect(page).toContain('<strong id="unportable-count">2</strong> files have names');
    expect(page).toContain(`data-info-hash="${u}"`);
    expect(page).toContain('kept in 1 volume of their own');
    expect(page).toContain('File:&quot;Q&quot;.jpg');
  });

  it('finds them in a /1 version by the rules, names the ordinary volumes they are mixed into, and says nothing when there are none', () => {
    const files = [file('File:Plain.jpg', '1/1a/Plain.jpg', a), file('File:Why?.jpg', '2/2b/Why?.jpg', a), file('File:Nul.jpg', '3/3c/Nul.jpg', b)];
    const m = { format: 'seedbank-manifest/1', files, volumes: [vol(a, '0', 2), vol(b, '1', 1)] } as unknown as Manifest;
    const view = unportableNamesView(m)!;
    expect(view).toMatchObject({ files: 2, keptApart: false, volumes: [{ infoHash: a, files: 1 }, { infoHash: b, files: 1 }] });
    expect(String(renderUnportableNames(view))).toContain('from the next version on they are kept in volumes of their own');
    expect(unportableNamesView({ ...m, files: [files[0]!] })).toBeUndefined();
    expect(renderUnportableNames(undefined)).toBe('');
  });
});
