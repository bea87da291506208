import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/temp-dirs.ts';
import { commonsPath, fileNameFromTitle, originalUrl, splitOriginalUrl } from '../../shared/commons-path.ts';
import { canonicalJson } from '../../shared/canonical-json.ts';
import { bep44SignedBytes, makePointer, pointerValue, verifyPointer } from '../../shared/formats/pointer.ts';
import { inShard, loadRecipe, parseRecipe, shardRange } from '../../shared/formats/recipe.ts';
import { loadOrCreateSetKey, verifyBytes } from '../../shared/signing.ts';
import { parseRate, parseSize } from '../../shared/units.ts';
import { isSeedbankError } from '../../shared/errors.ts';

const tempDir = useTempDirs();

describe('Commons layout', () => {
  it('puts a file where MediaWiki does (md5 of the name with underscores)', () => {
    // The example on mediawiki.org's Manual:$wgHashedUploadDirectory.
    expect(commonsPath('Example.jpg')).toBe('a/a9/Example.jpg');
    expect(fileNameFromTitle('File:île de la Cité.jpg')).toBe('Île_de_la_Cité.jpg');
  });

  it('splits a reported URL into upload base and path, and builds it back percent-encoded', () => {
    const url = 'https://upload.wikimedia.org/wikipedia/commons/3/3f/Notre-Dame_%28west%29%2C_1890%27s_%26_today.jpg';
    const split = splitOriginalUrl(url)!;
    expect(split).toEqual({ uploadBase: 'https://upload.wikimedia.org/wikipedia/', root: 'commons', path: "3/3f/Notre-Dame_(west),_1890's_&_today.jpg" });
    expect(originalUrl(split.uploadBase, split.path)).toBe(
      "https://upload.wikimedia.org/wikipedia/commons/3/3f/Notre-Dame_(west)%2C_1890's_%26_today.jpg",
    );
    expect(splitOriginalUrl('https://example.org/images/foo.jpg')).toBeNull();
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });
});

describe('recipes', () => {
  const good = { id: 'paris', title: 'Paris', selection: { categories: [{ name: 'Category:Paris', depth: 3 }] } };

  it('fills defaults and normalises category names', () => {
    const r = parseRecipe(good);
    expect(r.selection.categories).toEqual([{ name: 'Paris', depth: 3 }]);
    expect(r.copyTarget).toBe(3);
    expect(r.pieceLength).toBe(1 << 20);
    expect(r.wiki).toBe('https://commons.wikimedia.org/w/api.php');
  });

  it('names every bad field in one error', () => {
    let message = '';
    try {
      parseRecipe({ id: 'Not A Slug', title: 'x', selection: { categories: [{ name: 'A', depth: 99 }] }, pieceLength: '3MB', copyTarget: 0, colour: 'red' });
    } catch (err) {
      expect(isSeedbankError(err, 'RECIPE_INVALID')).toBe(true);
      message = (err as Error).message;
    }
    for (const field of ['id:', 'selection.categories.0', 'pieceLength:', 'copyTarget:', '"colour"']) expect(message).toContain(field);
  });

  it('refuses a selection with neither categories nor region, and a region with a bad box', () => {
    expect(() => parseRecipe({ ...good, selection: {} })).toThrow(/at least one category, a region, a shard or usedBy/);
    expect(() => parseRecipe({ ...good, selection: { region: { bbox: { south: 10, west: 0, north: 5, east: 1 } } } })).toThrow(/south must be below/);
  });

  it('takes a shard instead of categories, and refuses a malformed or reversed range or a shard mixed with categories', () => {
    const shard = parseRecipe({ ...good, selection: { shard: ' A0-A7 ', mimeTypes: ['image/*'] } });
    expect(shard.selection.shard).toBe('a0-a7');
    expect(shardRange('a0-a7')).toEqual({ first: 0xa0, last: 0xa7 });
    expect(inShard('a/a0/X.jpg', shardRange('a0-a7'))).toBe(true);
    expect(inShard('a/a8/X.jpg', shardRange('a0-a7'))).toBe(false);
    for (const bad of ['a0', 'a0-a', 'g0-g7', 'a0_a7', '0-ff', 'a0-a7-b0', '']) {
      expect(() => parseRecipe({ ...good, selection: { shard: bad } }), bad).toThrow(/shard must be a range of two-hex-digit upload folders/);
    }
    expect(() => parseRecipe({ ...good, selection: { shard: 'a7-a0' } })).toThrow(/lower folder to the higher/);
    expect(() => parseRecipe({ ...good, selection: { shard: '00-0f', categories: ['Paris'] } })).toThrow(/drop categories and region from a shard recipe/);
  });

  it('takes usedBy (a wiki and namespaces, articles by default) alone, and refuses it mixed with another selection', () => {
    expect(parseRecipe({ ...good, selection: { usedBy: { wiki: 'frwiki' }, mimeTypes: ['image/*'] } }).selection.usedBy).toEqual({ wiki: 'frwiki', namespaces: [0] });
    expect(() => parseRecipe({ ...good, selection: { usedBy: { wiki: 'fr.wikipedia.org' } } })).toThrow(/database name like frwiki/);
    expect(() => parseRecipe({ ...good, selection: { usedBy: { wiki: 'frwiki', namespaces: [] } } })).toThrow(/usedBy\.namespaces/);
    expect(() => parseRecipe({ ...good, selection: { usedBy: { wiki: 'frwiki' }, shard: '00-0f' } })).toThrow(/drop categories, region and shard from a usedBy recipe/);
  });

  it('ships sixteen Commons shard recipes that cover every upload folder exactly once', async () => {
    const owners = new Array<string[]>(256).fill([]).map(() => [] as string[]);
    for (let i = 0; i < 16; i++) {
      const id = `commons-shard-${i.toString(16)}`;
      const recipe = await loadRecipe(path.join('sets', 'shards', `${id}.yaml`));
      expect(recipe.selection.categories).toEqual([]);
      const { first, last } = shardRange(recipe.selection.shard!);
      for (let f = first; f <= last; f++) owners[f]!.push(id);
    }
    expect(owners.map((o) => o.length)).toEqual(new Array(256).fill(1));
  });

  it('reads the shipped recipes, and says which line of broken YAML is wrong', async () => {
    for (const id of ['paris', 'paris-centre', 'birds']) expect((await loadRecipe(path.join('sets', `${id}.yaml`))).id).toBe(id);
    const dir = await tempDir('recipe');
    await writeFile(path.join(dir, 'bad.yaml'), 'id: bad\ntitle: [unclosed\n');
    await expect(loadRecipe(path.join(dir, 'bad.yaml'))).rejects.toThrow(/not valid YAML/);
    await writeFile(path.join(dir, 'other.yaml'), 'id: paris\ntitle: P\nselection: {categories: [Paris]}\n');
    await expect(loadRecipe(path.join(dir, 'other.yaml'))).rejects.toThrow(/file name says "other"/);
    await expect(loadRecipe(path.join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read recipe/);
  });

  it('parses rates in bits and bytes per second', () => {
    expect(parseRate('25Mbps')).toBe(3_125_000);
    expect(parseRate('3MB/s')).toBe(3_000_000);
    expect(parseRate('2MiB/s')).toBe(2 * 2 ** 20);
    expect(parseRate('0')).toBe(0);
    expect(parseRate('fast')).toBeNull();
  });

  it('parses sizes in SI and IEC units', () => {
    expect(parseSize('4GB')).toBe(4e9);
    expect(parseSize('1 MiB')).toBe(1 << 20);
    expect(parseSize('12 parsecs')).toBeNull();
  });
});

describe('set keys and the BEP 44 pointer', () => {
  it('creates the key once with mode 0600 and loads the same key again', async () => {
    const dir = await tempDir('keys');
    const a = await loadOrCreateSetKey(dir, 'paris');
    const b = await loadOrCreateSetKey(dir, 'paris');
    expect(a.publicKeyHex).toBe(b.publicKeyHex);
    expect((await stat(path.join(dir, 'paris.pem'))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(dir, 'paris.pem'), 'utf8')).toContain('PRIVATE KEY');
  });

  it('signs the bytes BEP 44 defines (the bencoded salt, seq, v without the dict markers)', async () => {
    const key = await loadOrCreateSetKey(await tempDir('keys'), 'paris');
    const ih = 'ab'.repeat(20);
    const p = makePointer(key, 'paris', 7, ih);
    // bittorrent-dht derives the same bytes as bencode({salt, seq, v}) minus 'd' ... 'e'.
    const reference = Buffer.from(bencode.encode({ salt: Buffer.from('paris'), seq: 7, v: { ih: Buffer.from(ih, "hex") } })).subarray(1, -1);
    expect(bep44SignedBytes('paris', 7, pointerValue(ih)).equals(reference)).toBe(true);
    expect(verifyBytes(p.k, reference, Buffer.from(p.sig, 'hex'))).toBe(true);
    expect(verifyPointer(p)).toBe(true);
    expect(verifyPointer({ ...p, seq: 8 })).toBe(false);
    expect(verifyPointer({ ...p, ih: 'cd'.repeat(20) })).toBe(false);
  });
});
