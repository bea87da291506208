// What a seeder accepts as a version's metadata torrent before it fetches anything from it:
// the pointer's info hash, the `<set>-v<N>` name, and either a whole version's three files or a
// split version's top files plus lists/ and pages/ parts, nothing else.
import { createHash } from 'node:crypto';
import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { MetadataHost } from '../../clients/seeder/follow/metadata-host.ts';
import type { WTClient } from '../../clients/seeder/webtorrent-api.ts';

const IH = 'c'.repeat(40);

function torrentOf(name: string, files: string[]): { bytes: Uint8Array; infoHash: string } {
  const info = { files: files.map((f) => ({ length: 10, path: f.split('/').map((s) => Buffer.from(s)) })), name: Buffer.from(name), 'piece length': 256 * 1024, pieces: Buffer.alloc(20) };
  return { bytes: bencode.encode({ info }), infoHash: createHash('sha1').update(bencode.encode(info)).digest('hex') };
}

// check() reads only the torrent bytes: no client is needed.
const host = new MetadataHost({} as WTClient, '/nonexistent');

describe('MetadataHost.check', () => {
  it('tells a whole version from a split one', async () => {
    const whole = torrentOf('paris-v2', ['manifest.json', 'manifest.sig', 'pages.xml.gz']);
    expect(await host.check(whole.bytes, 'paris', 2, whole.infoHash)).toBe('whole');
    const split = torrentOf('paris-v3', ['manifest.json', 'manifest.sig', 'changes.ndjson', `lists/${IH}.ndjson`, `pages/${IH}.xml.gz`]);
    expect(await host.check(split.bytes, 'paris', 3, split.infoHash)).toBe('split');
  });

  it('refuses another info hash, another name, a stray file or a split version without its change lists', async () => {
    const ok = torrentOf('paris-v3', ['manifest.json', 'manifest.sig', 'changes.ndjson', `lists/${IH}.ndjson`]);
    await expect(host.check(ok.bytes, 'paris', 3, 'd'.repeat(40))).rejects.toThrow(/the pointer says/);
    await expect(host.check(ok.bytes, 'paris', 4, ok.infoHash)).rejects.toThrow(/is named "paris-v3"/);
    for (const files of [
      ['manifest.json', 'manifest.sig', 'changes.ndjson', `lists/${IH}.ndjson`, '../escape.txt'],
      ['manifest.json', 'manifest.sig', 'changes.ndjson', 'lists/notahash.ndjson'],
      ['manifest.json', 'manifest.sig', `lists/${IH}.ndjson`],
      ['manifest.json', 'manifest.sig', 'pages.xml.gz', 'changes.ndjson'],
    ]) {
      const t = torrentOf('paris-v3', files);
      await expect(host.check(t.bytes, 'paris', 3, t.infoHash), files.join(',')).rejects.toThrow(/neither a whole nor a split/);
    }
  });
});
