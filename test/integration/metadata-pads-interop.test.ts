// A padded split metadata torrent (BEP 47 pads, shared/torrent/metadata-layout.ts) between our
// seeder's MetadataHost (webtorrent 2.8, which knows nothing of pads: the host writes their
// zeros before adding the torrent) and Debian's transmission-daemon on 127.0.0.1: Transmission
// downloads every part from our seeder byte for byte, and this says whether it wrote the pads
// to disk (Transmission 3 treats them as plain files; 4 knows BEP 47). No wiki is needed: the
// parts are random bytes under the contract's names.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomMetadataParts } from '../helpers/metadata-parts.ts';
import { MetadataHost } from '../../clients/seeder/follow/metadata-host.ts';
import { createClient, type WTClient } from '../../clients/seeder/webtorrent-api.ts';
import { metadataTorrentBytes, paddedMetadataInfo } from '../../shared/torrent/metadata-layout.ts';
import { isSeeding, startTransmission, type Transmission } from '../helpers/peers/transmission.ts';

const PIECE = 16 * 1024;
const TIMEOUT_MS = 60_000;
const parts = randomMetadataParts(PIECE);

let work: string;
let client: WTClient | undefined;
let transmission: Transmission | undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-pads-interop-'));
});

afterAll(async () => {
  await transmission?.close();
  if (client) await new Promise<void>((r) => client!.destroy(() => r()));
  await rm(work, { recursive: true, force: true });
});

describe('a padded metadata torrent with other clients', () => {
  it('transmission-daemon downloads every part from our seeder, byte for byte', async () => {
    const root = path.join(work, 'seeder');
    const dir = path.join(root, 'pads-v1');
    for (const [name, bytes] of parts) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), bytes);
    }
    const { info, entries } = await paddedMetadataInfo(dir, 'pads-v1', [...parts.keys()], PIECE);
    const torrent = metadataTorrentBytes(info);
    expect(entries.filter((e) => e.pad).length).toBeGreaterThan(0);

    // Our seeder: the MetadataHost writes the pads and seeds everything it holds.
    client = await createClient({ torrentPort: 0, trackers: false, pex: false, downloadLimit: -1, uploadLimit: -1, maxConns: 20, dht: false, listen: true });
    const host = new MetadataHost(client, root);
    await host.saveTorrent(torrent, 'pads', 1);
    await host.host('pads', 1, [...parts.keys()]);
    const t = (await client.get(createHash('sha1').update(info).digest('hex')))!;
    expect(t.files.every((f) => f.done), 'our seeder holds every file (pads written by the host)').toBe(true);

    transmission = await startTransmission(path.join(work, 'transmission'));
    const into = path.join(work, 'transmission-data');
    await mkdir(into, { recursive: true });
    const id = await transmission.add(torrent, into);
    t.addPeer(`127.0.0.1:${transmission.peerPort}`);
    await transmission.waitFor(id, 'the padded metadata torrent to download from our seeder', isSeeding, TIMEOUT_MS);
    for (const [name, bytes] of parts) expect((await readFile(path.join(into, 'pads-v1', ...name.split('/')))).equals(bytes), name).toBe(true);
    const written = (await readdir(path.join(into, 'pads-v1'), { recursive: true })).map(String).filter((n) => n.startsWith('.pad'));
    console.log(`transmission: every part downloaded from our seeder; pads on its disk: ${written.length ? written.join(', ') : 'none (it knows BEP 47)'}`);
  }, 120_000);
});
