// The seeder's seed server over real TCP on 127.0.0.1, with bittorrent-protocol's Wire as the
// remote peer: handshake routing, have-all, unchoke slots, block answers checked byte for byte,
// rejects, hostile frames, and connections for other torrents handed on with their bytes intact.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net, { type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-ignore -- untyped package (see clients/seeder/swarm/seed-peer.ts)
import Wire from 'bittorrent-protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../shared/log.ts';
import { Seeder } from '../../clients/seeder/index.ts';
import { PieceCache } from '../../clients/seeder/swarm/piece-cache.ts';
import { SeedServer } from '../../clients/seeder/swarm/seed-server.ts';
import type { ServedVolume } from '../../clients/seeder/swarm/seed-peer.ts';

const PIECE = 64 * 1024;
const WAIT_MS = 5_000;

interface TestWire extends EventEmitter {
  handshake(ih: string, peerId: Buffer, ext: { fast: boolean }): void;
  interested(): void;
  uninterested(): void;
  request(index: number, offset: number, length: number, cb: (err: Error | null, buf?: Buffer) => void): void;
  peerChoking: boolean;
  hasFast: boolean;
  pipe(dest: Socket): Socket;
  destroy(): void;
}

/** A volume held in memory: `count` random pieces, all had except `missing`. */
function memoryVolume(count: number, missing: number[] = []): ServedVolume & { pieces: Buffer[]; reads: number } {
  const pieces = Array.from({ length: count }, () => randomBytes(PIECE));
  const infoHash = createHash('sha1').update(Buffer.concat(pieces.slice(0, 1))).digest('hex');
  const bits = new Uint8Array(Math.ceil(count / 8));
  for (let i = 0; i < count; i++) if (!missing.includes(i)) bits[i >> 3]! |= 0x80 >> (i & 7);
  const v = {
    infoHash,
    pieceCount: count,
    metadata: Buffer.from('d4:name7:commonse'),
    pieces,
    reads: 0,
    pieceSize: () => PIECE,
    has: (i: number) => i < count && !missing.includes(i),
    hasAll: () => missing.length === 0,
    bitfield: () => bits,
    readRange: async (i: number, offset: number, length: number, target?: Buffer) => {
      v.reads++;
      if (!target) return pieces[i]!.subarray(offset, offset + length);
      pieces[i]!.copy(target, 0, offset, offset + length);
      return target.subarray(0, length);
    },
  };
  return v;
}

function waitEvent<T extends unknown[]>(em: EventEmitter, event: string, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
    em.once(event, (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    });
  });
}

const closers: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function startServer(o: { uploadSlots?: number; slotIdleMs?: number; passOn?: (s: Socket) => void } = {}): Promise<SeedServer> {
  const server = await SeedServer.listen({
    port: 0,
    host: '127.0.0.1',
    peerId: Buffer.from('-SB0001-seedserver01'),
    uploadSlots: o.uploadSlots,
    slotIdleMs: o.slotIdleMs,
    passOn: o.passOn ?? ((s) => s.destroy()),
    logger: silentLogger,
  });
  closers.push(() => server.close());
  return server;
}

/** Connects a Wire to the server and completes the handshake; resolves after the server's handshake. */
async function connectPeer(server: SeedServer, infoHash: string, localAddress = '127.0.0.1'): Promise<{ wire: TestWire; socket: Socket }> {
  const socket = net.connect({ host: '127.0.0.1', port: server.port, localAddress });
  await waitEvent(socket, 'connect', 'TCP connection');
  const wire = new (Wire as unknown as new () => TestWire)();
  socket.pipe(wire as unknown as NodeJS.WritableStream);
  wire.pipe(socket);
  closers.push(() => {
    wire.destroy();
    socket.destroy();
  });
  const handshake = waitEvent(wire, 'handshake', "the server's handshake");
  wire.handshake(infoHash, Buffer.from('-TS0001-testpeer0001'), { fast: true });
  await handshake;
  return { wire, socket };
}

function requestBlock(wire: TestWire, index: number, offset: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`block ${index}/${offset} not answered within ${WAIT_MS} ms`)), WAIT_MS);
    wire.request(index, offset, length, (err, buf) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(Buffer.from(buf!));
    });
  });
}

async function unchoked(wire: TestWire): Promise<void> {
  const unchoke = waitEvent(wire, 'unchoke', 'unchoke');
  wire.interested();
  await unchoke;
}

describe('seed server', () => {
  it('says have-all, unchokes an interested peer and answers blocks byte for byte from one read per piece', async () => {
    const server = await startServer();
    const v = memoryVolume(4);
    server.serve(v);
    expect(server.isServed(v.infoHash)).toBe(true);
    const { wire } = await connectPeer(server, v.infoHash);
    expect(wire.hasFast).toBe(true);
    await unchoked(wire);
    const blocks = await Promise.all([0, 16384, 32768, 49152].map((off) => requestBlock(wire, 2, off, 16384)));
    expect(Buffer.concat(blocks).equals(v.pieces[2]!)).toBe(true);
    expect(v.reads, 'the whole piece read once for four blocks').toBe(1);
    expect(server.traffic(v.infoHash)).toMatchObject({ peers: 1, uploadedBytes: PIECE });
  });

  it('rejects a request for a piece it lacks, and drops a peer asking for more than 128 KiB', async () => {
    const server = await startServer();
    const v = memoryVolume(4, [1]);
    server.serve(v);
    const { wire, socket } = await connectPeer(server, v.infoHash);
    await unchoked(wire);
    await expect(requestBlock(wire, 1, 0, 16384)).rejects.toThrow();
    expect((await requestBlock(wire, 0, 0, 16384)).equals(v.pieces[0]!.subarray(0, 16384))).toBe(true);
    const closed = waitEvent(socket, 'close', 'the connection to close');
    wire.request(0, 0, 256 * 1024, () => undefined);
    await closed;
  });

  it('gives upload slots in turn: a second peer waits until the first loses interest', async () => {
    const server = await startServer({ uploadSlots: 1 });
    const v = memoryVolume(2);
    server.serve(v);
    const a = await connectPeer(server, v.infoHash);
    await unchoked(a.wire);
    const b = await connectPeer(server, v.infoHash);
    const bUnchoked = waitEvent(b.wire, 'unchoke', 'unchoke of the waiting peer');
    b.wire.interested();
    await expect(requestBlock(b.wire, 0, 0, 16384)).rejects.toThrow(/choking/);
    a.wire.uninterested();
    await bUnchoked;
    expect((await requestBlock(b.wire, 1, 0, 16384)).equals(v.pieces[1]!.subarray(0, 16384))).toBe(true);
  });

  it('keeps serving a real peer while 200 connections from one address handshake, say interested and nothing else', async () => {
    const server = await startServer();
    const v = memoryVolume(4);
    server.serve(v);
    let accepted = 0;
    let refused = 0;
    const flood = Array.from({ length: 200 }, async () => {
      const socket = net.connect({ host: '127.0.0.1', port: server.port, localAddress: '127.0.0.2' });
      closers.push(() => void socket.destroy());
      const wire = new (Wire as unknown as new () => TestWire)();
      socket.pipe(wire as unknown as NodeJS.WritableStream);
      wire.pipe(socket);
      socket.on('error', () => undefined);
      wire.on('error', () => undefined);
      const outcome = new Promise<'handshake' | 'closed'>((resolve) => {
        wire.once('handshake', () => resolve('handshake'));
        socket.once('close', () => resolve('closed'));
      });
      wire.handshake(v.infoHash, randomBytes(20), { fast: true });
      if ((await outcome) === 'handshake') {
        accepted++;
        wire.interested();
      } else refused++;
    });
    await Promise.all(flood);
    expect(accepted).toBe(4); // DEFAULT_CONNECTIONS_PER_ADDRESS_PER_VOLUME
    expect(refused).toBe(196);
    expect(server.refusedPerAddress).toBe(196);
    const real = await connectPeer(server, v.infoHash);
    await unchoked(real.wire);
    const blocks = await Promise.all([0, 1, 2, 3].flatMap((i) => [0, 16384, 32768, 49152].map((off) => requestBlock(real.wire, i, off, 16384))));
    expect(Buffer.concat(blocks).equals(Buffer.concat(v.pieces))).toBe(true);
  });

  it('lets one address hold a connection for each of many volumes (a seeder sharing them with us)', async () => {
    const server = await startServer();
    const volumes = Array.from({ length: 20 }, () => memoryVolume(1));
    for (const v of volumes) server.serve(v);
    const peers = await Promise.all(volumes.map((v) => connectPeer(server, v.infoHash, '127.0.0.3')));
    expect(peers).toHaveLength(20);
    expect(server.refusedPerAddress).toBe(0);
    await unchoked(peers[19]!.wire);
    expect((await requestBlock(peers[19]!.wire, 0, 0, 16384)).equals(volumes[19]!.pieces[0]!.subarray(0, 16384))).toBe(true);
  });

  it('drops peers that hold an upload slot without requesting, so a waiting peer gets it', async () => {
    const server = await startServer({ uploadSlots: 2, slotIdleMs: 300 });
    const v = memoryVolume(2);
    server.serve(v);
    const squatters = [await connectPeer(server, v.infoHash, '127.0.0.2'), await connectPeer(server, v.infoHash, '127.0.0.3')];
    for (const s of squatters) await unchoked(s.wire);
    const closedSquatters = squatters.map((s) => waitEvent(s.socket, 'close', 'an idle slot holder to be dropped'));
    const real = await connectPeer(server, v.infoHash);
    await unchoked(real.wire); // only once a squatter is dropped
    await Promise.all(closedSquatters);
    expect((await requestBlock(real.wire, 1, 0, 16384)).equals(v.pieces[1]!.subarray(0, 16384))).toBe(true);
  });

  it('answers every block right while a tiny cache evicts and reuses its buffers under two peers', async () => {
    const server = await SeedServer.listen({
      port: 0, host: '127.0.0.1', peerId: Buffer.from('-SB0001-seedserver02'), pieceCacheBytes: 128 * 1024,
      passOn: (s) => s.destroy(), logger: silentLogger,
    });
    closers.push(() => server.close());
    const pieces = 12;
    const v = memoryVolume(pieces);
    server.serve(v);
    const peers = [await connectPeer(server, v.infoHash), await connectPeer(server, v.infoHash)];
    for (const p of peers) await unchoked(p.wire);
    // Every block of every piece once, in a scattered order (7 is coprime with 48).
    const order = Array.from({ length: pieces * 4 }, (_, k) => (k * 7) % (pieces * 4)).map((j) => [j % pieces, Math.floor(j / pieces) * 16384] as const);
    const answers = await Promise.all(peers.flatMap((p, n) => order.map(([i, off]) => requestBlock(p.wire, (i + n) % pieces, off, 16384).then((b) => [(i + n) % pieces, off, b] as const))));
    for (const [i, off, b] of answers) expect(b.equals(v.pieces[i]!.subarray(off, off + 16384)), `piece ${i} at ${off}`).toBe(true);
  });

  it('drops a peer announcing a 2 GiB message and keeps serving the others', async () => {
    const server = await startServer();
    const v = memoryVolume(2);
    server.serve(v);
    const hostile = await connectPeer(server, v.infoHash);
    const closed = waitEvent(hostile.socket, 'close', 'the hostile connection to close');
    hostile.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 7]));
    await closed;
    const honest = await connectPeer(server, v.infoHash);
    await unchoked(honest.wire);
    expect((await requestBlock(honest.wire, 1, 16384, 16384)).equals(v.pieces[1]!.subarray(16384, 32768))).toBe(true);
  });

  it('hands a connection for another torrent on unread: the receiver sees the whole handshake', async () => {
    let passed: (s: Socket) => void = () => undefined;
    const handedOn = new Promise<Socket>((resolve) => (passed = resolve));
    const server = await startServer({ passOn: (s) => passed(s) });
    server.serve(memoryVolume(1));
    const other = randomBytes(20);
    const handshake = Buffer.concat([Buffer.from([19]), Buffer.from('BitTorrent protocol'), Buffer.alloc(8), other, Buffer.from('-TS0001-testpeer0002')]);
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    closers.push(() => void socket.destroy());
    await waitEvent(socket, 'connect', 'TCP connection');
    socket.write(handshake);
    const received = await handedOn;
    closers.push(() => void received.destroy());
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      let got = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error(`only ${got.length} handshake bytes handed on`)), WAIT_MS);
      received.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.length >= handshake.length) {
          clearTimeout(timer);
          resolve(got);
        }
      });
      received.resume(); // handed on paused, as a pipe (webtorrent's) expects
    });
    expect(bytes.equals(handshake)).toBe(true);
  });
});

describe('the seeder with its peer port taken', () => {
  it('refuses to open with PORT_UNAVAILABLE, naming the port, and leaves nothing running', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    closers.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as net.AddressInfo).port;
    const storage = await mkdtemp(path.join(os.tmpdir(), 'seedbank-port-'));
    closers.push(() => rm(storage, { recursive: true, force: true }));
    const err = await Seeder.open({ storage, quotaBytes: 1e6, torrentPort: port, trackers: false, webSeeds: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PORT_UNAVAILABLE' });
    expect(String((err as Error).message)).toContain(`port ${port}`);
  });
});

describe('piece cache', () => {
  it('shares one read among concurrent misses, stays within its byte bound and forgets a volume', async () => {
    const cache = new PieceCache(3 * 100);
    let reads = 0;
    const read = async (i: number) => {
      reads++;
      return Buffer.alloc(100, i);
    };
    const [a, b] = await Promise.all([cache.get(1, 0, () => read(0)), cache.get(1, 0, () => read(0))]);
    expect(a).toBe(b);
    expect(reads).toBe(1);
    for (const i of [1, 2, 3]) await cache.get(1, i, () => read(i));
    expect(cache.size).toBe(300);
    expect(cache.peek(1, 0), 'least recently used went first').toBeUndefined();
    expect(cache.peek(1, 3)?.data[0]).toBe(3);
    cache.drop(1);
    expect(cache.size).toBe(0);
  });

  it('reuses a stretch buffer only once its stretch has left and every block from it is written', async () => {
    const cache = new PieceCache(100, 100);
    const fill = (n: number) => async (target: Buffer | undefined) => target!.fill(n);
    const first = await cache.get(1, 0, fill(1));
    cache.acquire(first);
    const block = first.data.subarray(0, 10);
    await cache.get(1, 1, fill(2)); // evicts stretch 0, whose block is still out
    expect(cache.pooled).toBe(0);
    const third = await cache.get(1, 2, fill(3)); // must not overwrite the block still being written
    expect(block[0]).toBe(1);
    expect(third.data.buffer).not.toBe(first.data.buffer);
    expect(cache.pooled, 'stretch 1, evicted with no block out, went back at once').toBe(1);
    cache.release(block);
    expect(cache.pooled, 'the evicted stretch returns to the pool once released').toBe(2);
  });
});
