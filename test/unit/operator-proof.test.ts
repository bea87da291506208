// Operator identity: the key file, the sb_operator challenge and proof (every way a proof
// must fail), the census's side of the exchange, and how proven keys turn into copy figures.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeChallenge, encodeChallenge, loadOrCreateOperatorKey, newNonce, operatorKeyPath, PROOF_BYTES, PROOF_MAX_SKEW_MS,
  signProof, verifyProof, type OperatorKey,
} from '../../shared/operator/index.ts';
import { CensusOperatorProof } from '../../services/tracker-web/census/operator-proof.ts';
import { copyFigures } from '../../services/tracker-web/operators/copy-figures.ts';
import { addOperator, ApprovedOperators, OperatorRegistry, readOperatorList, removeOperator } from '../../services/tracker-web/operators/operator-list.ts';

const INFO_HASH = 'ab'.repeat(20);
const OTHER_INFO_HASH = 'cd'.repeat(20);
const NOW = Date.UTC(2026, 11, 5, 4, 0, 0);

let work: string;
let key: OperatorKey;
let other: OperatorKey;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-operator-'));
  key = await loadOrCreateOperatorKey(path.join(work, 'storage-a'));
  other = await loadOrCreateOperatorKey(path.join(work, 'storage-b'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the operator key file', () => {
  it('is created once in STORAGE/.seedbank/operator-key, owner-only, and read back the same', async () => {
    const storage = path.join(work, 'storage-a');
    const file = operatorKeyPath(storage);
    expect(file).toBe(path.join(storage, '.seedbank', 'operator-key'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(key.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    expect((await loadOrCreateOperatorKey(storage)).publicKeyHex).toBe(key.publicKeyHex);
    expect(other.publicKeyHex).not.toBe(key.publicKeyHex);
  });

  it('refuses a damaged key file with a hint instead of making a new identity', async () => {
    const storage = path.join(work, 'storage-damaged');
    await loadOrCreateOperatorKey(storage);
    await writeFile(operatorKeyPath(storage), 'not a key');
    await expect(loadOrCreateOperatorKey(storage)).rejects.toMatchObject({ code: 'KEY_INVALID', hint: expect.stringMatching(/backup/) });
  });
});

describe('the sb_operator challenge', () => {
  const nonce = newNonce();
  const expectFor = { nonce, infoHash: INFO_HASH, nowMs: NOW };

  it('accepts the proof of the key, for this nonce, volume and time', () => {
    expect(decodeChallenge(encodeChallenge(nonce))).toEqual(nonce);
    const proof = signProof(key, nonce, INFO_HASH, NOW - 1000);
    expect(proof.length).toBe(PROOF_BYTES);
    expect(verifyProof(proof, expectFor)).toEqual({ ok: true, operatorKey: key.publicKeyHex });
  });

  it('refuses a bad signature', () => {
    const proof = signProof(key, nonce, INFO_HASH, NOW);
    proof[proof.length - 1]! ^= 0x01;
    expect(verifyProof(proof, expectFor)).toMatchObject({ ok: false, reason: /signature does not match/ });
  });

  it('refuses a proof carrying someone else\'s key with this key\'s signature', () => {
    const proof = signProof(key, nonce, INFO_HASH, NOW);
    Buffer.from(other.publicKeyHex, 'hex').copy(proof, 1);
    expect(verifyProof(proof, expectFor)).toMatchObject({ ok: false });
  });

  it('refuses a proof for another nonce (a replay of an earlier answer)', () => {
    const proof = signProof(key, newNonce(), INFO_HASH, NOW);
    expect(verifyProof(proof, expectFor)).toMatchObject({ ok: false, reason: /signature does not match/ });
  });

  it('refuses a stale or future time', () => {
    for (const t of [NOW - PROOF_MAX_SKEW_MS - 1000, NOW + PROOF_MAX_SKEW_MS + 1000]) {
      expect(verifyProof(signProof(key, nonce, INFO_HASH, t), expectFor)).toMatchObject({ ok: false, reason: /away from the census clock/ });
    }
  });

  it('refuses a proof made for another info hash', () => {
    const proof = signProof(key, nonce, OTHER_INFO_HASH, NOW);
    expect(verifyProof(proof, expectFor)).toMatchObject({ ok: false, reason: /signature does not match/ });
  });

  it('refuses messages of the wrong size or type', () => {
    expect(verifyProof(Buffer.alloc(3), expectFor)).toMatchObject({ ok: false, reason: /not a \d+-byte proof/ });
    expect(verifyProof(encodeChallenge(nonce), expectFor)).toMatchObject({ ok: false });
    expect(decodeChallenge(Buffer.alloc(33))).toBeNull();
  });
});

describe("the census's side of the exchange", () => {
  const handshake = (body: string) => Buffer.concat([Buffer.from([0]), Buffer.from(body, 'latin1')]);

  it('challenges a peer that offers sb_operator and records the key it proves', async () => {
    const sent: Array<{ id: number; payload: Buffer }> = [];
    const p = new CensusOperatorProof(INFO_HASH, (id, payload) => sent.push({ id, payload }));
    p.onExtended(handshake('d1:md11:sb_operatori3e11:ut_metadatai1eee'));
    expect(p.state).toBe('challenged');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.id).toBe(3);
    const nonce = decodeChallenge(sent[0]!.payload)!;
    const waited = p.settled(5_000);
    p.onExtended(Buffer.concat([Buffer.from([1]), signProof(key, nonce, INFO_HASH)]));
    await waited;
    expect(p).toMatchObject({ state: 'proven', operatorKey: key.publicKeyHex });
  });

  it('records why a wrong proof failed, and challenges only once per connection', () => {
    const sent: Buffer[] = [];
    const p = new CensusOperatorProof(INFO_HASH, (_id, payload) => sent.push(payload));
    p.onExtended(handshake('d1:md11:sb_operatori2eee'));
    p.onExtended(handshake('d1:md11:sb_operatori2eee'));
    expect(sent).toHaveLength(1);
    p.onExtended(Buffer.concat([Buffer.from([1]), signProof(key, decodeChallenge(sent[0]!)!, OTHER_INFO_HASH)]));
    expect(p.state).toBe('failed');
    expect(p.operatorKey).toBeNull();
    expect(p.error).toMatch(/signature does not match/);
  });

  it('sends nothing to peers without the extension or with an unreadable handshake, and gives up on a silent one', async () => {
    for (const body of ['d1:md11:ut_metadatai1eee', 'd1:md11:sb_operatori0eee', 'd1:md11:sb_operatori-3eee', 'l-3:e', 'd1:m']) {
      const sent: Buffer[] = [];
      const p = new CensusOperatorProof(INFO_HASH, (_id, payload) => sent.push(payload));
      p.onExtended(handshake(body));
      expect(sent, body).toHaveLength(0);
      expect(p.state, body).toBe('not-offered');
    }
    const silent = new CensusOperatorProof(INFO_HASH, () => undefined);
    silent.onExtended(handshake('d1:md11:sb_operatori2eee'));
    await silent.settled(20);
    expect(silent).toMatchObject({ state: 'failed', error: /no operator proof within 20 ms/ });
  });
});

describe('copy figures from proven keys', () => {
  const K1 = '11'.repeat(32);
  const K2 = '22'.repeat(32);
  const none = new ApprovedOperators([]);

  it('counts one seeder reached through three relays once, and names the relays as not independent', () => {
    const hosts = ['127.0.0.2', '127.0.5.1', '127.0.6.1', '127.0.7.1'];
    const keys = new Map(hosts.map((h) => [h, [K1]]));
    const f = copyFigures(hosts, keys, none, 'any');
    expect(f).toMatchObject({ copies: 1, anyCopies: 1, approvedCopies: 0, unproven: [] });
    expect(f.notIndependent).toEqual(['127.0.5.1', '127.0.6.1', '127.0.7.1']);
    expect(f.operators).toEqual([{ operatorKey: K1, name: null, hosts }]);
  });

  it('counts hosts that prove no key once per address, and an address proving two keys joins both', () => {
    const keys = new Map([['10.0.0.1', [K1]], ['10.0.0.2', [K1, K2]], ['10.0.0.3', [K2]]]);
    const f = copyFigures(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.1.9', '10.0.2.9'], keys, none, 'any');
    expect(f.anyCopies).toBe(3); // {.1,.2,.3} by their keys, and the two unproven addresses
    expect(f.unproven).toEqual(['10.0.1.9', '10.0.2.9']);
  });

  it('in approved mode counts distinct approved operators, by key or by network', () => {
    const approved = new ApprovedOperators([
      { name: 'Archive A', operatorKey: K1, networks: [], addedAt: '' },
      { name: 'Library B', networks: ['192.0.2.0/24'], addedAt: '' },
      { name: 'Museum C', operatorKey: K2, networks: ['198.51.100.0/24'], addedAt: '' },
    ]);
    const hosts = ['127.0.0.2', '127.0.5.1', '192.0.2.10', '192.0.2.11', '198.51.100.4', '203.0.113.5'];
    const keys = new Map([['127.0.0.2', [K1]], ['127.0.5.1', [K1]]]);
    const f = copyFigures(hosts, keys, approved, 'approved');
    expect(f).toMatchObject({ copies: 3, approvedCopies: 3, anyCopies: 5, notApproved: ['203.0.113.5'] });
    expect(f.operators[0]).toMatchObject({ operatorKey: K1, name: 'Archive A' });
  });
});

describe('the approved operator list', () => {
  it('adds by key or network, refuses bad input clearly, removes by name or key, and the server sees changes', async () => {
    const dir = path.join(work, 'catalogue');
    const changes: number[] = [];
    let clock = 0;
    const registry = new OperatorRegistry(dir, { onChange: () => changes.push(clock), now: () => clock });
    expect(registry.current().list).toEqual([]);
    await addOperator(dir, { name: 'Archive A', operatorKey: key.publicKeyHex.toUpperCase() });
    await addOperator(dir, { name: 'Library B', networks: ['192.0.2.7/24'] });
    await expect(addOperator(dir, { name: 'X', operatorKey: 'abc' })).rejects.toMatchObject({ code: 'OPERATOR_KEY_INVALID', hint: /64 hex/ });
    await expect(addOperator(dir, { name: 'X', networks: ['192.0.2.0/33'] })).rejects.toMatchObject({ code: 'OPERATOR_NETWORK_INVALID' });
    await expect(addOperator(dir, { name: 'X' })).rejects.toMatchObject({ code: 'OPERATOR_EMPTY' });
    await expect(addOperator(dir, { name: 'Y', operatorKey: key.publicKeyHex })).rejects.toMatchObject({ code: 'OPERATOR_KEY_TAKEN' });
    expect(readOperatorList(dir).map((o) => [o.name, o.operatorKey ?? null, o.networks])).toEqual([
      ['Archive A', key.publicKeyHex, []],
      ['Library B', null, ['192.0.2.7/24']],
    ]);
    clock += 5_000;
    const approved = registry.current();
    expect(approved.match('192.0.2.200', [])?.name).toBe('Library B');
    expect(approved.match('::ffff:192.0.2.1', [])?.name).toBe('Library B');
    expect(approved.match('127.0.0.1', [key.publicKeyHex])?.name).toBe('Archive A');
    expect(approved.match('127.0.0.1', [other.publicKeyHex])).toBeNull();
    await removeOperator(dir, key.publicKeyHex);
    await expect(removeOperator(dir, 'nobody')).rejects.toMatchObject({ code: 'OPERATOR_NOT_LISTED' });
    expect(readOperatorList(dir).map((o) => o.name)).toEqual(['Library B']);
    expect(changes.length).toBeGreaterThanOrEqual(1);
  });
});
