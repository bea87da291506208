// The UDP tracker's BEP 15 guard on real loopback sockets: a connect reply carries an id bound
// to the client's address and minute; announces with any other id (the protocol magic the
// library would accept, or another client's id) are dropped; the announce's IP field is cleared.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UdpGuard } from '../../services/tracker-web/tracker/udp-guard.ts';

const MAGIC = Buffer.from('0000041727101980', 'hex');
const REPLY_TIMEOUT_MS = 10_000;
let server: Socket;
let client: Socket;
let clientInfo: RemoteInfo;

function bind(s: Socket): Promise<void> {
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
}

function announcePacket(connectionId: Buffer, ip: number): Buffer {
  const p = Buffer.alloc(98);
  connectionId.copy(p, 0);
  p.writeUInt32BE(1, 8); // announce
  p.writeUInt32BE(42, 12);
  p.writeUInt32BE(ip, 84);
  return p;
}

beforeAll(async () => {
  server = createSocket('udp4');
  client = createSocket('udp4');
  await Promise.all([bind(server), bind(client)]);
  const a = client.address();
  clientInfo = { address: a.address, port: a.port, family: 'IPv4', size: 0 };
});

afterAll(() => {
  server?.close();
  client?.close();
});

describe('UDP tracker guard', () => {
  it('issues an address-bound connection id and only lets announces with it through, IP field cleared', async () => {
    let now = 1_000_000;
    const guard = new UdpGuard(() => now);
    const reply = guard.replySocket(server);
    const connectReply = Buffer.concat([Buffer.alloc(4), Buffer.from([0, 0, 0, 7]), MAGIC]);
    const received = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connect reply within ${REPLY_TIMEOUT_MS} ms`)), REPLY_TIMEOUT_MS);
      client.once('message', (m) => (clearTimeout(timer), resolve(m)));
    });
    reply.send(connectReply, 0, connectReply.length, clientInfo.port, clientInfo.address);
    const got = await received;
    const id = got.subarray(8, 16);
    expect(id.equals(MAGIC)).toBe(false);

    expect(guard.inbound(announcePacket(MAGIC, 0), clientInfo)).toBeNull();
    expect(guard.inbound(announcePacket(id, 0), { ...clientInfo, address: '127.0.0.2' })).toBeNull();
    const passed = guard.inbound(announcePacket(id, 0x01020304), clientInfo)!;
    expect(passed.subarray(0, 8).equals(MAGIC)).toBe(true);
    expect(passed.readUInt32BE(84)).toBe(0);

    now += 30_000; // the next minute: still accepted
    expect(guard.inbound(announcePacket(id, 0), clientInfo)).not.toBeNull();
    now += 60_000; // two minutes on: expired
    expect(guard.inbound(announcePacket(id, 0), clientInfo)).toBeNull();
    expect(guard.dropped).toBe(3);
  });
});
