// Relays do not count as copies (issue 10, item 3). A real Seedbank seeder on loopback, three
// TCP relays on 127.0.5.1, 127.0.6.1 and 127.0.7.1 that store nothing and forward to it, the
// same seeder announced on a second address of its own, a second Seedbank seeder whose volume
// is still downloading (its connections are webtorrent's), and plain webtorrent seeders that
// prove no key. A real catalogue's tracker gets every announce and its census audits them all.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seeder } from '../../clients/seeder/host.ts';
import { formatStatus } from '../../clients/seeder/status-file.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { CopyIndex } from '../../services/tracker-web/redundancy/copy-index.ts';
import { addOperator, ApprovedOperators, readOperatorList } from '../../services/tracker-web/operators/operator-list.ts';
import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import { FOUR_FILE_PIECE_LENGTH as PIECE_LENGTH, FOUR_FILES as FILES, makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';
import { loadOrCreateOperatorKey } from '../../shared/operator/index.ts';
import { announceFrom } from '../helpers/announce.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { startSeeder as startPlainSeeder, type Seeder as PlainSeeder } from '../helpers/peers/webtorrent-seeder.ts';
import { runCli } from '../helpers/run-cli.ts';

const RELAY_HOSTS = ['127.0.5.1', '127.0.6.1', '127.0.7.1'];
const SEEDER_HOST = '127.0.0.2';
const SEEDER_SECOND_HOST = '127.0.0.3';
const PARTIAL_HOST = '127.0.0.4';
const PLAIN_HOST = '127.0.0.9';
const COMPLETE_TIMEOUT_MS = 60_000;
const REGISTRY_WAIT_MS = 10_000;

let work: string;
let content: Buffer;
let fixture: VolumeFixture;
const writeTree = (dir: string, omit: string[] = []) => fixture.writeTree(dir, omit);
let torrent: Buffer;
let parsed: ParsedVolumeTorrent;
let sha1s: string[];
let catalogue: CatalogueServer;
let seeder: Seeder;
let partial: Seeder;
const plain: PlainSeeder[] = [];
const relays: net.Server[] = [];
const sockets = new Set<net.Socket>();


/** A relay: a few lines of TCP forwarding, storing nothing. */
async function startRelay(host: string, to: number): Promise<number> {
  const server = net.createServer((inbound) => {
    const outbound = net.connect({ host: '127.0.0.1', port: to });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  relays.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as net.AddressInfo).port;
}

async function announce(host: string, port: number): Promise<void> {
  const reply = await announceFrom(catalogue.url, host, parsed.infoHash, port);
  expect(reply, `announce from ${host}`).not.toContain('failure');
}

interface FileCopiesBody {
  copies: number;
  copiesMode: string;
  approvedCopies: number;
  anyCopies: number;
  hosts: string[];
  networks: string[];
  notIndependent: string[];
  notApproved: string[];
  unproven: string[];
  operators: Array<{ operatorKey: string; name: string | null; hosts: string[] }>;
}

async function fileCopies(sha1: string): Promise<FileCopiesBody> {
  const res = await fetch(`${catalogue.url}/api/copies/file/${sha1}`, { signal: AbortSignal.timeout(20_000) });
  expect(res.status).toBe(200);
  return (await res.json()) as FileCopiesBody;
}

/** Polls until `check` holds (the server re-reads the operator list within a second). */
async function eventually<T>(what: string, get: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + REGISTRY_WAIT_MS;
  for (;;) {
    const v = await get();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${REGISTRY_WAIT_MS} ms waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-operators-'));
  fixture = await makeVolumeFixture(work, FILES, PIECE_LENGTH);
  ({ content, torrent, parsed } = fixture);
  let at = 0;
  sha1s = FILES.map((f) => createHash('sha1').update(content.subarray(at, (at += f.length))).digest('hex'));

  const dataDir = path.join(work, 'catalogue');
  catalogue = await startCatalogueServer({ dataDir, port: 0, census: { autoStart: false, timeoutMs: 10_000 }, copies: 'approved' });
  await putHandVersion(catalogue.store, { setId: 'relays', keysDir: path.join(work, 'keys'), torrent, parsed, sha1s });

  // The real seeder: its volume is complete on disk, so the seed server serves it.
  const storage = path.join(work, 'seeder');
  await writeTree(storage);
  seeder = await Seeder.open({ storage, quotaBytes: 1e9, trackers: false, webSeeds: false, pex: false, dht: false });
  await seeder.addVolume(torrent);
  await seeder.whenComplete(parsed.infoHash, COMPLETE_TIMEOUT_MS);
  // A second Seedbank seeder missing Delta, web seeds off: its volume stays with webtorrent.
  const partialStorage = path.join(work, 'partial');
  await writeTree(partialStorage, ['d/de/Delta.jpg']);
  partial = await Seeder.open({ storage: partialStorage, quotaBytes: 1e9, trackers: false, webSeeds: false, pex: false, dht: false });
  await partial.addVolume(torrent);
  // Two plain webtorrent seeders (no operator key) on one address.
  for (const name of ['plain-1', 'plain-2']) {
    await writeTree(path.join(work, name));
    plain.push(await startPlainSeeder({ torrent, dir: path.join(work, name) }));
  }

  await announce(SEEDER_HOST, seeder.port);
  await announce(SEEDER_SECOND_HOST, seeder.port); // the same seeder on a second address of its own
  for (const host of RELAY_HOSTS) await announce(host, await startRelay(host, seeder.port));
  await announce(PARTIAL_HOST, partial.port);
  for (const p of plain) await announce(PLAIN_HOST, p.port);

  await addOperator(dataDir, { name: 'Seeder A', operatorKey: seeder.operatorKey.publicKeyHex });
  await catalogue.census.runOnce();
}, 180_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(relays.map((r) => new Promise<void>((resolve) => r.close(() => resolve()))));
  await Promise.allSettled([seeder?.close(), partial?.close(), ...plain.map((p) => p.close())]);
  await catalogue?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('operator identity on the seeder', () => {
  it('keeps one operator key in STORAGE/.seedbank/operator-key and shows it in the status', async () => {
    const fromFile = await loadOrCreateOperatorKey(seeder.storage);
    const status = seeder.status();
    expect(status.operatorKey).toBe(fromFile.publicKeyHex);
    expect(status.operatorKey).toMatch(/^[0-9a-f]{64}$/);
    expect(partial.status().operatorKey).not.toBe(status.operatorKey);
    const lines = formatStatus({ ...status, pid: 1, startedAt: new Date().toISOString(), updatedAt: new Date().toISOString() });
    expect(lines.join('\n')).toContain(`operator key ${status.operatorKey}`);
  });
});

describe('the census with relays', () => {
  it('records the key each audited peer proved: relays and the second address prove the real seeder\'s', () => {
    const results = catalogue.census.results(parsed.infoHash);
    const key = (host: string) => results.find((r) => r.host === host)?.operatorKey;
    for (const host of [SEEDER_HOST, SEEDER_SECOND_HOST, ...RELAY_HOSTS]) {
      expect(results.find((r) => r.host === host)?.audited?.ok, host).toBe(true);
      expect(key(host), host).toBe(seeder.operatorKey.publicKeyHex);
    }
    // Proven on a webtorrent connection: the partial seeder's volume is not on its seed server.
    expect(key(PARTIAL_HOST)).toBe(partial.operatorKey.publicKeyHex);
    expect(results.filter((r) => r.host === PLAIN_HOST).map((r) => [r.audited?.ok, r.operatorKey])).toEqual([[true, null], [true, null]]);
  });

  it('approved mode: one approved copy, and the relays and second address named as not independent', async () => {
    const delta = await fileCopies(sha1s[3]!); // held by the seeder (5 addresses) and the plain seeders
    expect(delta.hosts).toHaveLength(6); // what used to be "6 copies"
    expect(delta).toMatchObject({ copiesMode: 'approved', copies: 1, approvedCopies: 1 });
    expect(delta.notIndependent.sort()).toEqual([SEEDER_SECOND_HOST, ...RELAY_HOSTS].sort());
    expect(delta.operators).toEqual([{ operatorKey: seeder.operatorKey.publicKeyHex, name: 'Seeder A', hosts: [SEEDER_HOST, SEEDER_SECOND_HOST, ...RELAY_HOSTS] }]);
    expect(delta.notApproved).toEqual([PLAIN_HOST]);
    const set = (await (await fetch(`${catalogue.url}/api/copies/set/relays`)).json()) as { copiesMode: string; min: number; otherMin: number };
    expect(set).toMatchObject({ copiesMode: 'approved', min: 1, otherMin: 2 }); // any mode: Gamma and Delta have 2
    const page = await (await fetch(`${catalogue.url}/sets/relays`)).text();
    expect(page).toContain('Copies, approved operators (min / median)');
    expect(page).toMatch(/Any audited host \(min\)<\/dt><dd id="set-other-copies">2/);
  });

  it('any mode: the seeder counts once however reached, hosts without a key once per address and shown apart', async () => {
    const delta = await fileCopies(sha1s[3]!);
    expect(delta.anyCopies).toBe(2); // the seeder (5 addresses, one key) + 127.0.0.9 (two ports, no key)
    expect(delta.unproven).toEqual([PLAIN_HOST]);
    const alpha = await fileCopies(sha1s[0]!); // the partial seeder holds Alpha too
    expect(alpha.anyCopies).toBe(3);
    expect(alpha.approvedCopies).toBe(1);
    const anyIndex = new CopyIndex(catalogue.store, catalogue.census, { counting: { mode: 'any', operators: () => new ApprovedOperators([]) } });
    expect(anyIndex.file(sha1s[3]!)).toMatchObject({ copies: 2, copiesMode: 'any' });
    expect(anyIndex.volumeCopies(parsed.infoHash)).toBe(2);
  });

  it('counts an operator approved by network (a host that cannot prove a key), and the file page shows both figures and who is not independent', async () => {
    const cli = await runCli(['catalogue', 'operator', 'add', '--name', 'Library B', '--network', `${PLAIN_HOST}/32`, '--data', path.join(work, 'catalogue')]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(readOperatorList(path.join(work, 'catalogue')).map((o) => o.name)).toEqual(['Seeder A', 'Library B']);
    const delta = await eventually('the network operator to count', () => fileCopies(sha1s[3]!), (b) => b.approvedCopies === 2);
    expect(delta).toMatchObject({ copies: 2, anyCopies: 2, notApproved: [] });
    const page = await (await fetch(`${catalogue.url}/files?q=${sha1s[3]}`)).text();
    expect(page).toContain('Copies (approved operators)');
    expect(page).toMatch(/id="file-other-copies">2/);
    for (const host of RELAY_HOSTS) expect(page).toContain(host);
    const bad = await runCli(['catalogue', 'operator', 'add', 'nothex', '--name', 'X', '--data', path.join(work, 'catalogue')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/64 hex digits/);
  });
});
