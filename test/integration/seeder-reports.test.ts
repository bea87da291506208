// Forged seeder reports against a real catalogue on loopback (issue 10, item 4): unsigned,
// badly signed, stale and replayed reports are refused with their reason; signed reports from a
// host that never announced, or from one host posing as many operators, neither claim volumes
// nor offer space; a claim the census never confirms lapses after its grace, unless its
// download keeps moving (issue 13); progress beyond the volume's size or of an unlisted volume is refused.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import type { OperatorKey } from '../../shared/operator/operator-key.ts';
import { signSeederReport, type ReportFields } from '../../shared/operator/report-signature.ts';
import { closeHashWorkers, createVolumeTorrent, parseVolumeTorrent, type ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import { announceFrom } from '../helpers/announce.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { newOperatorKey } from '../helpers/operator-keys.ts';
import { waitFor } from '../helpers/run-cli.ts';

const FILE = { path: 'a/ab/Alpha.jpg', length: 50_000 };
const PIECE_LENGTH = 16 * 1024;
/** A host that announces (a seeder) and one that never does (a forger). */
const SEEN_HOST = '127.0.0.2';
const NAT_HOST = '127.0.0.4';
const UNSEEN_HOST = '127.0.0.3';
const REPLAY_HOST = '127.0.0.5';
const PROGRESS_HOST = '127.0.0.6';
/** Short enough to watch a claim lapse, long enough for a busy machine to see it first. */
const CLAIM_GRACE_MS = 6_000;
/** The slowest progress that keeps a claim, lowered so a 50 kB volume's bytes can stretch a claim for 50 s. */
const MIN_PROGRESS_BYTES_PER_MS = 1;
const PETABYTES_9 = 9e15;

let work: string;
let parsed: ParsedVolumeTorrent;
let ih: string;
let catalogue: CatalogueServer;

interface Answer {
  status: number;
  body: { counted?: boolean; why?: string; claims?: Record<string, number>; hosted?: Record<string, { holders: number; rank: number }>; error?: { code: string; message: string; hint?: string } };
}

/** POSTs a report body from a given loopback address (the catalogue reads the source address). */
function postFrom(localAddress: string, body: unknown): Promise<Answer> {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(`${catalogue.url}/api/seeders/report`, { method: 'POST', localAddress, timeout: 20_000, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }));
    });
    req.on('timeout', () => req.destroy(new Error(`report from ${localAddress} got no answer in 20 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

const fields = (over: Partial<ReportFields> = {}): ReportFields => ({ quotaBytes: PETABYTES_9, usedBytes: 0, volumes: [ih], version: '0.1.0', pollIntervalMs: 60_000, ...over });

async function offeredBytes(): Promise<number> {
  const home = (await (await fetch(`${catalogue.url}/api/view/home`)).json()) as { totals: { offeredBytes: number } };
  return home.totals.offeredBytes;
}

/** The claims another (counted) operator at the seen host is told about. */
async function claimsSeenByOthers(): Promise<Record<string, number>> {
  const a = await postFrom(SEEN_HOST, signSeederReport(observer, fields({ quotaBytes: 0, volumes: [] })));
  expect(a.status, JSON.stringify(a.body)).toBe(200);
  expect(a.body.counted).toBe(true);
  return a.body.claims ?? {};
}

function expectRefused(a: Answer, status: number, code: string, says: RegExp): void {
  expect(a.status, JSON.stringify(a.body)).toBe(status);
  expect(a.body.error?.code).toBe(code);
  expect(a.body.error?.message).toMatch(says);
  expect(a.body.error?.hint?.length ?? 0).toBeGreaterThan(0);
}

let observer: OperatorKey;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-reports-'));
  const content = randomBytes(FILE.length);
  const abs = path.join(work, 'source', 'commons', FILE.path);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, content);
  const built = await createVolumeTorrent({ files: [{ ...FILE, absPath: abs }], pieceLength: PIECE_LENGTH, urlList: [] });
  await closeHashWorkers();
  parsed = parseVolumeTorrent(built.torrent);
  ih = parsed.infoHash;
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: { autoStart: false }, seederReports: { claimAuditGraceMs: CLAIM_GRACE_MS, minProgressBytesPerMs: MIN_PROGRESS_BYTES_PER_MS } });
  await putHandVersion(catalogue.store, { setId: 'forgery', keysDir: path.join(work, 'keys'), torrent: built.torrent, parsed, sha1s: [createHash('sha1').update(content).digest('hex')] });
  // Two hosts seed here (as far as the tracker knows); UNSEEN_HOST never announces.
  await announceFrom(catalogue.url, SEEN_HOST, ih, 6881);
  await announceFrom(catalogue.url, NAT_HOST, ih, 6881);
  await announceFrom(catalogue.url, REPLAY_HOST, ih, 6881);
  await announceFrom(catalogue.url, PROGRESS_HOST, ih, 6881);
  expect(catalogue.tracker.swarmStore.seenRecently(SEEN_HOST)).toBe(true);
  expect(catalogue.tracker.swarmStore.seenRecently(UNSEEN_HOST)).toBe(false);
  observer = newOperatorKey();
}, 120_000);

afterAll(async () => {
  await catalogue?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('forged seeder reports', () => {
  it('refuses an unsigned (format 1) report, telling the seeder to update', async () => {
    const v1 = { seederId: 'ab'.repeat(16), quotaBytes: PETABYTES_9, usedBytes: 0, volumes: [ih], version: '0.1.0', pollIntervalMs: 60_000 };
    const a = await postFrom(SEEN_HOST, v1);
    expectRefused(a, 400, 'REPORT_FORMAT_OLD', /unsigned report/);
    expect(a.body.error?.hint).toMatch(/update the seeder/);
  });

  it('refuses a report whose content was changed after signing, or that names another key', async () => {
    const key = newOperatorKey();
    const signed = signSeederReport(key, fields({ quotaBytes: 1e9 }));
    expectRefused(await postFrom(SEEN_HOST, { ...signed, quotaBytes: PETABYTES_9 }), 403, 'REPORT_SIGNATURE_INVALID', /signature/);
    const other = newOperatorKey();
    expectRefused(await postFrom(SEEN_HOST, { ...signed, operatorKey: other.publicKeyHex }), 403, 'REPORT_SIGNATURE_INVALID', new RegExp(other.publicKeyHex));
    expectRefused(await postFrom(SEEN_HOST, { ...signed, signature: '00'.repeat(64) }), 403, 'REPORT_SIGNATURE_INVALID', /signature/);
  });

  it('refuses a report sent too long ago or too far ahead, and a replay', async () => {
    const key = newOperatorKey();
    expectRefused(await postFrom(REPLAY_HOST, signSeederReport(key, fields(), new Date(Date.now() - 10 * 60_000))), 400, 'REPORT_CLOCK_SKEW', /from the catalogue's clock/);
    expectRefused(await postFrom(REPLAY_HOST, signSeederReport(key, fields(), new Date(Date.now() + 10 * 60_000))), 400, 'REPORT_CLOCK_SKEW', /from the catalogue's clock/);
    const report = signSeederReport(key, fields({ quotaBytes: 0, volumes: [] }));
    expect((await postFrom(REPLAY_HOST, report)).status).toBe(200);
    expectRefused(await postFrom(REPLAY_HOST, report), 409, 'REPORT_REPLAYED', /replay/);
    const older = signSeederReport(key, fields({ quotaBytes: 0, volumes: [] }), new Date(Date.parse(report.sentAt) - 1000));
    expectRefused(await postFrom(REPLAY_HOST, older), 409, 'REPORT_REPLAYED', /replay/);
  });

  it('takes a signed report from a host that never announced, but counts neither its claims nor its space', async () => {
    const before = await offeredBytes();
    const a = await postFrom(UNSEEN_HOST, signSeederReport(newOperatorKey(), fields()));
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.counted).toBe(false);
    expect(a.body.why).toMatch(/announced/);
    expect(a.body.hosted?.[ih]).toMatchObject({ holders: 1, rank: 0 });
    expect((await claimsSeenByOthers())[ih]).toBeUndefined();
    expect(await offeredBytes()).toBe(before);
  });

  it('keeps the space offered on the home page where it was after three forged reports', async () => {
    const before = await offeredBytes();
    const key = newOperatorKey();
    await postFrom(SEEN_HOST, { seederId: 'cd'.repeat(16), quotaBytes: PETABYTES_9, usedBytes: 0, volumes: [ih], version: '0.1.0', pollIntervalMs: 60_000 });
    await postFrom(SEEN_HOST, { ...signSeederReport(key, fields({ quotaBytes: 1 })), quotaBytes: PETABYTES_9 });
    await postFrom(UNSEEN_HOST, signSeederReport(newOperatorKey(), fields()));
    expect(await offeredBytes()).toBe(before);
    const page = await (await fetch(`${catalogue.url}/`)).text();
    expect(page).not.toMatch(/PB/);
  });

  it('counts a seen host\'s space only up to what it holds plus its free disk', async () => {
    const before = await offeredBytes();
    const a = await postFrom(SEEN_HOST, signSeederReport(newOperatorKey(), fields({ quotaBytes: PETABYTES_9, usedBytes: 2e6, freeBytes: 3e9, volumes: [] })));
    expect(a.body.counted).toBe(true);
    expect(await offeredBytes()).toBe(before + 2e6 + 3e9);
  });

  it('counts at most four operators per host', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await postFrom(NAT_HOST, signSeederReport(newOperatorKey(), fields({ quotaBytes: 1e9, volumes: [] }))));
    expect(answers.map((a) => a.body.counted)).toEqual([true, true, true, true, false, false]);
    expect(answers[4]!.body.why).toMatch(/other operators already report from 127\.0\.0\.4/);
  });

  it('lets a claim the census never confirms lapse after its grace', async () => {
    const claimer = newOperatorKey();
    const a = await postFrom(SEEN_HOST, signSeederReport(claimer, fields({ quotaBytes: 1e9 })));
    expect(a.body.counted).toBe(true);
    expect((await claimsSeenByOthers())[ih]).toBe(1);
    // The claimer keeps reporting, but nothing at its host ever passes an audit.
    await waitFor(`the unconfirmed claim to lapse after ${CLAIM_GRACE_MS} ms`, async () => {
      await postFrom(SEEN_HOST, signSeederReport(claimer, fields({ quotaBytes: 1e9 })));
      return (await claimsSeenByOthers())[ih] === undefined;
    }, CLAIM_GRACE_MS + 30_000, 500);
  });

  it('keeps a claim past its grace while its download moves, and lets it lapse a grace after progress stops', async () => {
    const claimer = newOperatorKey();
    const started = Date.now();
    let bytes = 0;
    const post = async () => {
      const a = await postFrom(PROGRESS_HOST, signSeederReport(claimer, fields({ quotaBytes: 1e9, progress: { [ih]: bytes } })));
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body.counted).toBe(true);
    };
    // 1 kB more every report, for the grace and 3 s more: a slow download that moves.
    while (Date.now() - started < CLAIM_GRACE_MS + 3_000) {
      bytes += 1_000;
      await post();
      expect((await claimsSeenByOthers())[ih], `claim ${Date.now() - started} ms after it was made, progress ${bytes} bytes`).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(bytes).toBeLessThan(parsed.totalBytes);
    // Now it stalls: the seeder still says it downloads, with the same bytes.
    const stalledAt = Date.now();
    await waitFor(`the stalled claim to lapse about ${CLAIM_GRACE_MS} ms after its last progress`, async () => {
      await post();
      return (await claimsSeenByOthers())[ih] === undefined;
    }, CLAIM_GRACE_MS + 30_000, 500);
    expect(Date.now() - stalledAt).toBeGreaterThanOrEqual(CLAIM_GRACE_MS - 1_000);
  }, 90_000);

  it('refuses progress beyond the volume\'s size or of a volume the report does not list, and the last report stands', async () => {
    const claimer = newOperatorKey();
    expect((await postFrom(PROGRESS_HOST, signSeederReport(claimer, fields({ quotaBytes: 1e9, progress: { [ih]: 1 } })))).body.counted).toBe(true);
    expect((await claimsSeenByOthers())[ih]).toBe(1);
    const beyond = await postFrom(PROGRESS_HOST, signSeederReport(claimer, fields({ quotaBytes: 1e9, progress: { [ih]: parsed.totalBytes + 1 } })));
    expectRefused(beyond, 400, 'REPORT_INVALID', new RegExp(`${parsed.totalBytes + 1} verified bytes of volume ${ih}, which holds ${parsed.totalBytes} bytes`));
    const other = 'ee'.repeat(20);
    const unlisted = await postFrom(PROGRESS_HOST, signSeederReport(claimer, fields({ quotaBytes: 1e9, progress: { [ih]: 2, [other]: 5 } })));
    expectRefused(unlisted, 400, 'REPORT_INVALID', /do not list/);
    // Neither refusal touched the claim the last good report made.
    expect((await claimsSeenByOthers())[ih]).toBe(1);
  });
});
