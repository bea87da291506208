// The files the parts persist, read back through shared/fs: a missing file starts afresh, a
// damaged one is refused with an error naming it when starting afresh would lose something
// (pinned keys, the takedown list), and is skipped when it is only a shortcut (volume state).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FollowState } from '../../clients/seeder/follow/follow-state.ts';
import { readStatus } from '../../clients/seeder/status-file.ts';
import { VolumeStateFile } from '../../clients/seeder/store/volume-state.ts';
import { readTakedownList, updateTakedownList } from '../../services/tracker-web/takedown/takedown-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-persisted-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('follow state', () => {
  it('starts afresh when missing, and fills fields an older file lacks', async () => {
    const fresh = await FollowState.load(dir);
    expect(fresh.data.seederId).toMatch(/^[0-9a-f]{32}$/);
    await writeFile(path.join(dir, 'follow.json'), JSON.stringify({ seederId: 'abcd', setKeys: { paris: 'k' } }));
    const old = await FollowState.load(dir);
    expect(old.data).toMatchObject({ seederId: 'abcd', setKeys: { paris: 'k' }, takedownSerial: -1, takenDown: [], versions: {}, auto: {} });
  });

  it('refuses a damaged file instead of forgetting its pinned keys', async () => {
    const file = path.join(dir, 'follow.json');
    await writeFile(file, '{"seederId": "abcd", "setKeys": {"paris": "k"');
    await expect(FollowState.load(dir)).rejects.toMatchObject({ code: 'FILE_NOT_JSON', message: expect.stringContaining(file) });
    await writeFile(file, JSON.stringify({ seederId: 'abcd', setKeys: { paris: 7 } }));
    await expect(FollowState.load(dir)).rejects.toMatchObject({ code: 'FILE_INVALID', message: expect.stringContaining('setKeys.paris') });
    expect(await readFile(file, 'utf8')).toContain('"paris":7');
  });
});

describe('takedown list', () => {
  it('refuses a damaged list instead of starting an empty one', async () => {
    const sha1 = 'a'.repeat(40);
    await updateTakedownList(dir, { add: { sha1, reason: 'test', addedAt: new Date().toISOString() } });
    expect((await readTakedownList(dir)).entries.map((e) => e.sha1)).toEqual([sha1]);
    const file = path.join(dir, 'takedown.json');
    await writeFile(file, (await readFile(file, 'utf8')).slice(0, 50));
    await expect(readTakedownList(dir)).rejects.toMatchObject({ code: 'TAKEDOWN_CORRUPT', message: expect.stringContaining(file) });
  });
});

describe('seeder status file', () => {
  it('says no seeder ran when it is missing, and names the bad field when it is damaged', async () => {
    await expect(readStatus(dir)).rejects.toMatchObject({ code: 'STATUS_MISSING' });
    await mkdir(path.join(dir, '.seedbank'));
    await writeFile(path.join(dir, '.seedbank', 'status.json'), JSON.stringify({ pid: 1, startedAt: 'x', updatedAt: 'x', storage: dir, port: 'nope' }));
    await expect(readStatus(dir)).rejects.toMatchObject({ code: 'FILE_INVALID', message: expect.stringContaining('port') });
  });
});

describe('volume state', () => {
  it('reads back what it saved, and treats a damaged one as absent (every piece is re-checked)', async () => {
    const ih = 'b'.repeat(40);
    const file = new VolumeStateFile(dir, ih);
    await file.saveTorrent(new Uint8Array([1]));
    await file.flush(() => VolumeStateFile.record(ih, '2026-01-01T00:00:00Z', new Uint8Array([0xff]), 8, 3));
    expect(await file.load()).toMatchObject({ infoHash: ih, pieces: 8, scrubCursor: 3 });
    await writeFile(file.stateFile, '{"format":1,');
    expect(await file.load()).toBeNull();
  });
});
