/**
 * BEP 15 hardening in front of bittorrent-tracker's UDP handler. The library hands every client
 * the protocol's fixed magic as its connection id and accepts it back, so a spoofed source
 * address could announce, or use the tracker to reflect traffic; and it takes the announce's
 * optional IP field at face value. Here each connection id is an HMAC of the client's address
 * and the current minute (valid two minutes, as BEP 15 suggests), checked before the library
 * sees a packet, and the IP field is cleared so the tracker records the address the packet
 * came from.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';

/** The protocol id a client sends in its connect request (and the library expects). */
const PROTOCOL_MAGIC = Buffer.from('0000041727101980', 'hex');
const ACTION_CONNECT = 0;
const ACTION_ANNOUNCE = 1;
const CONNECTION_ID_BYTES = 8;
/** A connection id is good for the minute it was issued in and the next one. */
const CONNECTION_ID_WINDOW_MS = 60_000;
/** Offset and size of the announce's optional IPv4 field. */
const ANNOUNCE_IP_OFFSET = 84;
const ANNOUNCE_IP_BYTES = 4;
/** Smallest packet that carries an action and a transaction id. */
const MIN_PACKET_BYTES = 16;

/** The socket interface the library sends its replies through. */
export interface UdpReplySocket {
  send(buf: Uint8Array, offset: number, length: number, port: number, address: string): void;
  close(): void;
}

export class UdpGuard {
  private readonly secret = randomBytes(32);
  dropped = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private idFor(address: string, window: number): Buffer {
    return createHmac('sha256', this.secret).update(`${address}|${window}`).digest().subarray(0, CONNECTION_ID_BYTES);
  }

  /**
   * Checks an incoming packet; returns the packet rewritten for the library (magic id, no IP
   * field), or null to drop it (unknown connection id).
   */
  inbound(msg: Buffer, rinfo: RemoteInfo): Buffer | null {
    if (msg.length < MIN_PACKET_BYTES) return msg; // the library refuses it and answers nothing
    const action = msg.readUInt32BE(8);
    if (action === ACTION_CONNECT) return msg;
    const id = msg.subarray(0, CONNECTION_ID_BYTES);
    const window = Math.floor(this.now() / CONNECTION_ID_WINDOW_MS);
    const ok = [window, window - 1].some((w) => timingSafeEqual(this.idFor(rinfo.address, w), id));
    if (!ok) {
      this.dropped++;
      return null;
    }
    const out = Buffer.from(msg);
    PROTOCOL_MAGIC.copy(out, 0);
    if (action === ACTION_ANNOUNCE && out.length >= ANNOUNCE_IP_OFFSET + ANNOUNCE_IP_BYTES) out.fill(0, ANNOUNCE_IP_OFFSET, ANNOUNCE_IP_OFFSET + ANNOUNCE_IP_BYTES);
    return out;
  }

  /** Wraps the real socket so the library's connect replies carry our connection id. */
  replySocket(socket: Socket): UdpReplySocket {
    return {
      send: (buf, offset, length, port, address) => {
        const out = Buffer.from(buf.subarray(offset, offset + length));
        if (out.length === MIN_PACKET_BYTES && out.readUInt32BE(0) === ACTION_CONNECT) {
          this.idFor(address, Math.floor(this.now() / CONNECTION_ID_WINDOW_MS)).copy(out, 8);
        }
        socket.send(out, port, address);
      },
      // The server owns the socket's life; the library's close() must not end it early.
      close: () => undefined,
    };
  }
}
