/**
 * BEP 15 hardening in front of the UDP tracker (udp-tracker.ts). Without real connection ids a
 * spoofed source address could announce, or use the tracker to reflect traffic. Here each
 * connection id is an HMAC of the client's address and the current minute (valid two minutes,
 * as BEP 15 suggests), checked before the tracker sees a packet; a checked packet reaches it
 * with the protocol's fixed magic in place of the id, and with the announce's optional IP field
 * cleared, so the tracker records the address the packet came from. Connect replies go out
 * through `replySocket`, which stamps the client's id into them.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { ACTION_ANNOUNCE, ACTION_CONNECT, PROTOCOL_MAGIC } from './udp-protocol.ts';

const CONNECTION_ID_BYTES = 8;
/** A connection id is good for the minute it was issued in and the next one. */
const CONNECTION_ID_WINDOW_MS = 60_000;
/** Offset and size of the announce's optional IPv4 field. */
const ANNOUNCE_IP_OFFSET = 84;
const ANNOUNCE_IP_BYTES = 4;
/** Smallest packet that carries an action and a transaction id. */
const MIN_PACKET_BYTES = 16;

/** The socket interface the tracker sends its replies through. */
export interface UdpReplySocket {
  send(buf: Uint8Array, offset: number, length: number, port: number, address: string): void;
}

export class UdpGuard {
  private readonly secret = randomBytes(32);
  dropped = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private idFor(address: string, window: number): Buffer {
    return createHmac('sha256', this.secret).update(`${address}|${window}`).digest().subarray(0, CONNECTION_ID_BYTES);
  }

  /**
   * Checks an incoming packet; returns the packet rewritten for the tracker (magic id, no IP
   * field), or null to drop it (unknown connection id).
   */
  inbound(msg: Buffer, rinfo: RemoteInfo): Buffer | null {
    if (msg.length < MIN_PACKET_BYTES) return msg; // the tracker answers nothing to it
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

  /** Wraps the real socket so the tracker's connect replies carry the client's connection id. */
  replySocket(socket: Socket): UdpReplySocket {
    return {
      send: (buf, offset, length, port, address) => {
        const out = Buffer.from(buf.subarray(offset, offset + length));
        if (out.length === MIN_PACKET_BYTES && out.readUInt32BE(0) === ACTION_CONNECT) {
          this.idFor(address, Math.floor(this.now() / CONNECTION_ID_WINDOW_MS)).copy(out, 8);
        }
        socket.send(out, port, address);
      },
    };
  }
}
