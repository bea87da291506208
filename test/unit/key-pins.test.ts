// Keys pinned up front: the config file and flag grammar, the operator's pins over first-contact
// ones, and the takedown sync against a real catalogue (in process, port 0): a catalogue whose
// key differs from the pinned one is refused with a clear error; first contact over plain HTTP
// to another machine warns.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeederConfigFile } from '../../clients/seeder/config-file.ts';
import { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import type { FollowContext } from '../../clients/seeder/follow/follow-context.ts';
import { FollowState } from '../../clients/seeder/follow/follow-state.ts';
import { applyKeyPins, isPlainHttpToOtherHost, parseKeyHex } from '../../clients/seeder/follow/key-pins.ts';
import { syncTakedown } from '../../clients/seeder/follow/takedown-sync.ts';
import { silentLogger } from '../../shared/log.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

let work: string;
let catalogue: CatalogueServer;
let realKey: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-pins-'));
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: null, sampleIntervalMs: 60_000 });
  realKey = ((await (await fetch(`${catalogue.url}/api/catalogue-key`)).json()) as { publicKey: string }).publicKey;
});

afterAll(async () => {
  await catalogue?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A follow context for the takedown step alone (it reaches the seeder only to apply a verified list). */
async function context(name: string, o: Partial<FollowContext> = {}): Promise<{ ctx: FollowContext; logs: Array<{ level: number; msg: string }> }> {
  const logs: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  await mkdir(path.join(work, name), { recursive: true });
  const state = await FollowState.load(path.join(work, name));
  const seeder = { takeDown: async () => [] } as unknown as FollowContext['seeder'];
  const ctx: FollowContext = { seeder, state, meta: null as never, log: pino({ level: 'info' }, sink), keepVersions: 2, manifests: new Map(), out: () => undefined, pins: {}, plainHttpRemote: false, ...o };
  return { ctx, logs };
}

describe('key pins', () => {
  it('reads keys from the flag and the config file, refusing anything but 64 hex digits', async () => {
    expect(parseKeyHex(` ${KEY_A.toUpperCase()} `)).toBe(KEY_A);
    expect(() => parseKeyHex('abc')).toThrow(/not an ed25519 public key: expected 64 hex digits/);
    const good = path.join(work, 'good.yaml');
    await writeFile(good, `catalogueKey: ${KEY_A}\nsetKeys:\n  paris: ${KEY_B}\n`);
    expect(await loadSeederConfigFile(good)).toMatchObject({ catalogueKey: KEY_A, setKeys: { paris: KEY_B } });
    const bad = path.join(work, 'bad.yaml');
    await writeFile(bad, `catalogueKey: nope\nsetKeys:\n  paris: 1234\n`);
    await expect(loadSeederConfigFile(bad)).rejects.toThrow(/catalogueKey: an ed25519 public key[\s\S]*setKeys\.paris/);
  });

  it("puts the operator's pins over first-contact ones", () => {
    const data = { seederId: 'x', setKeys: { paris: KEY_A, birds: KEY_A }, takedownSerial: -1, takenDown: [], versions: {}, auto: {}, catalogueKey: KEY_A };
    applyKeyPins(data, { catalogueKey: KEY_B, setKeys: { paris: KEY_B } }, silentLogger);
    expect(data).toMatchObject({ catalogueKey: KEY_B, setKeys: { paris: KEY_B, birds: KEY_A } });
  });

  it('tells plain HTTP to another machine from loopback and HTTPS', () => {
    expect(isPlainHttpToOtherHost('http://catalogue.example.org')).toBe(true);
    expect(isPlainHttpToOtherHost('http://192.0.2.10:8080')).toBe(true);
    expect(isPlainHttpToOtherHost('http://[2001:db8::1]:8080')).toBe(true);
    expect(isPlainHttpToOtherHost('https://catalogue.example.org')).toBe(false);
    expect(isPlainHttpToOtherHost('http://127.0.0.1:8080')).toBe(false);
    expect(isPlainHttpToOtherHost('http://[::1]:8080')).toBe(false);
    expect(isPlainHttpToOtherHost('http://localhost:8080')).toBe(false);
  });

  it('refuses a catalogue whose key is not the pinned one, and accepts the right one', async () => {
    const client = new CatalogueApi(catalogue.url, 'test');
    const wrong = await context('wrong', { pins: { catalogueKey: KEY_A } });
    applyKeyPins(wrong.ctx.state.data, wrong.ctx.pins, silentLogger);
    await expect(syncTakedown(wrong.ctx, client)).rejects.toMatchObject({ code: 'CATALOGUE_KEY_MISMATCH', message: expect.stringMatching(/but you pinned aaaaaaaaaaaaaaaa…: takedown lists are refused/) });
    expect(wrong.ctx.state.data.catalogueKey).toBe(KEY_A);

    const right = await context('right', { pins: { catalogueKey: realKey } });
    applyKeyPins(right.ctx.state.data, right.ctx.pins, silentLogger);
    await syncTakedown(right.ctx, client);
    expect(right.ctx.state.data.takedownSerial).toBe(0);
  });

  it('warns when it trusts a key on first contact over plain HTTP to another machine, and not on loopback', async () => {
    const client = new CatalogueApi(catalogue.url, 'test');
    const remote = await context('remote', { plainHttpRemote: true });
    await syncTakedown(remote.ctx, client);
    expect(remote.ctx.state.data.catalogueKey).toBe(realKey);
    expect(remote.logs.some((l) => /first contact over plain HTTP/.test(l.msg))).toBe(true);
    const local = await context('local');
    await syncTakedown(local.ctx, client);
    expect(local.logs.some((l) => /plain HTTP/.test(l.msg))).toBe(false);
  });
});
