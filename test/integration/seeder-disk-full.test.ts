// A full disk, for real: a 20 MB tmpfs (mounted here as root, unmounted in afterAll whatever
// happens). The volume state saver on a full disk reports once, keeps its snapshot, retries, and
// saves again once space is freed (it used to reject inside a timer, killing the process, and
// then fail every later save). Then a real seeder process whose second volume fills the disk:
// it stays up, keeps seeding the complete volume to libtorrent, and saves again after space is freed.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpMirror, type HttpMirror } from '../../clients/seeder/http-mirror.ts';
import { STATE_SAVE_INTERVAL_MS, VolumeStateFile, type VolumeStateData } from '../../clients/seeder/store/volume-state.ts';
import { createVolumeTorrent } from '../../shared/torrent/index.ts';
import { startChildSeeder, type ChildSeeder } from '../helpers/peers/child-seeder.ts';
import { libtorrentDownload } from '../helpers/peers/other-clients.ts';

const TMPFS_SIZE = '20m';
const FILLER_CHUNK_BYTES = 64 * 1024;
const WAIT_MS = 60_000;
const POLL_MS = 100;

let work: string;
let disk: string;
let mounted = false;
let mountRefused = '';
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-diskfull-'));
  disk = path.join(work, 'disk');
  await mkdir(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', disk], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    mountRefused = String((err as { stderr?: Buffer }).stderr ?? err);
  }
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  if (mounted) execFileSync('umount', ['-l', disk]);
  if (work) await rm(work, { recursive: true, force: true });
});

/** Writes to `file` until the filesystem refuses with ENOSPC. */
async function fillDisk(file: string): Promise<void> {
  const chunk = Buffer.alloc(FILLER_CHUNK_BYTES, 1);
  for (;;) {
    try {
      await appendFile(file, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
      throw err;
    }
  }
  // Whatever is left is smaller than a chunk; take it in small bites.
  for (const size of [4096, 512, 1]) {
    for (;;) {
      try {
        await appendFile(file, Buffer.alloc(size, 1));
      } catch {
        break;
      }
    }
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

describe('a full disk', () => {
  it('the state saver reports once, keeps the snapshot, and saves again when space is freed', async (ctx) => {
    if (!mounted) return ctx.skip(`mount -t tmpfs was refused (${mountRefused.trim()}); run as root to test a real full disk`);
    const meta = path.join(disk, 'meta');
    const ih = 'ab'.repeat(20);
    const failed: unknown[] = [];
    let resumed = 0;
    const file = new VolumeStateFile(meta, ih, { onSaveFailed: (e) => void failed.push(e), onSaveResumed: () => void resumed++ });
    await file.saveTorrent(new Uint8Array(10));
    const snap = (cursor: number) => (): VolumeStateData => VolumeStateFile.record(ih, '2026-01-01T00:00:00Z', new Uint8Array(512), 4096, cursor);
    expect(await file.flush(snap(1))).toBe(true);

    const filler = path.join(disk, 'filler');
    await fillDisk(filler);
    expect(await file.flush(snap(2))).toBe(false);
    expect(await file.flush(snap(3))).toBe(false); // reported once, not per attempt
    expect(failed).toHaveLength(1);
    expect(String((failed[0] as NodeJS.ErrnoException).code)).toBe('ENOSPC');
    expect(file.saveFailing).toBe(true);
    file.schedule(snap(4)); // a timer-driven save that fails must not reject anywhere (vitest fails on an unhandled rejection)
    await new Promise((r) => setTimeout(r, STATE_SAVE_INTERVAL_MS + 500));
    expect((await file.load())?.scrubCursor).toBe(1);

    await unlink(filler);
    await until('the retried save to land after space was freed', async () => (await file.load())?.scrubCursor === 4, STATE_SAVE_INTERVAL_MS * 5);
    expect(resumed).toBe(1);
    expect(file.saveFailing).toBe(false);
    expect(await file.flush(snap(5))).toBe(true);
    await file.delete();
  });

  it('a seeder whose download fills the disk stays up, seeds what it has, and saves again after space is freed', async (ctx) => {
    if (!mounted) return ctx.skip(`mount -t tmpfs was refused (${mountRefused.trim()}); run as root to test a real full disk`);
    await rm(path.join(disk, 'meta'), { recursive: true, force: true });
    // Sources outside the small disk: a 1 MB volume that fits and a 40 MB one that cannot.
    const source = path.join(work, 'source');
    const files = { small: 'a/ab/Small.bin', big: 'b/bc/Big.bin' };
    const torrents: Record<string, string> = {};
    let mirror: HttpMirror | null = null;
    for (const [rel, size] of [[files.small, 1 << 20], [files.big, 40 << 20]] as const) {
      const abs = path.join(source, 'commons', ...rel.split('/'));
      await mkdir(path.dirname(abs), { recursive: true });
      await writeFile(abs, randomBytes(size));
    }
    mirror = await startHttpMirror({ storage: source, port: 0 });
    cleanups.push(() => mirror!.close());
    for (const [name, rel] of Object.entries(files)) {
      const abs = path.join(source, 'commons', ...rel.split('/'));
      const t = await createVolumeTorrent({ files: [{ path: rel, length: (await readFile(abs)).length, absPath: abs }], pieceLength: 256 * 1024, urlList: [mirror.url], workers: 1 });
      torrents[name] = path.join(work, `${name}.torrent`);
      await writeFile(torrents[name], t.torrent);
    }
    // Room to free later: a filler the test removes once the disk is full.
    await writeFile(path.join(disk, 'filler'), Buffer.alloc(2 << 20, 1));
    const storage = path.join(disk, 'storage');
    const seeder: ChildSeeder = startChildSeeder(storage, ['--quota', '1GB', '--torrent', torrents.small!, '--torrent', torrents.big!, '--port', '0']);
    cleanups.push(() => seeder.stop('SIGKILL'));
    const status = await seeder.waitForStatus('the small volume complete', (s) => s.volumes.some((v) => v.progress === 1), WAIT_MS);
    // Fails at once, with the seeder's output, if the process dies while we wait.
    const alive = (what: string, check: () => boolean) => until(what, () => {
      if (seeder.child.exitCode !== null || seeder.child.signalCode !== null) throw new Error(`the seeder died waiting for ${what}:\n${seeder.output().slice(-3000)}`);
      return check();
    });
    await alive('the disk-full log line', () => /the disk is full \(ENOSPC\)/.test(seeder.output()));
    await alive('a failed state save', () => /could not save the volume state/.test(seeder.output()));
    expect(seeder.child.exitCode).toBeNull();

    const got = await libtorrentDownload(torrents.small!, path.join(work, 'leecher'), `127.0.0.1:${status.port}`, 'disabled', WAIT_MS);
    expect(got.seeding).toBe(true);
    expect(seeder.child.exitCode).toBeNull();

    await unlink(path.join(disk, 'filler'));
    await alive('the state saved again', () => /volume state saved again/.test(seeder.output()));
    expect(seeder.child.exitCode).toBeNull();
    await seeder.stop();
    // No raw stack on the console: errors go out as JSON log lines (their stacks inside, escaped).
    expect(seeder.output()).not.toMatch(/Unhandled|^\s+at \S/m);
  });
});
