/**
 * The UDP tracker protocol (BEP 15): connect, announce, scrape and error packets, answered from
 * the same swarms as HTTP. Packets reach it through the UdpGuard, which has already checked the
 * connection id (and put the protocol magic in its place) and cleared the announce's IP field;
 * connect replies go out through the guard's reply socket, which stamps the real id. The peer
 * is recorded at the address the packet came from, and a reply lists peers of that address
 * family only (6-byte entries to IPv4 clients, 18-byte ones to IPv6 clients).
 */
import type { RemoteInfo } from 'node:dgram';
import { DEFAULT_NUMWANT, type QueryFailure } from './announce-query.ts';
import type { AnnounceAnswer, PeerRequest, SwarmTotals, TrackerEvent } from './swarm-store.ts';
import { normalizeIp } from './peer-address.ts';
import { ACTION_ANNOUNCE, ACTION_CONNECT, ACTION_ERROR, ACTION_SCRAPE, PROTOCOL_MAGIC } from './udp-protocol.ts';

const HEADER_BYTES = 16;
const ANNOUNCE_BYTES = 98;
const HASH_BYTES = 20;
/** BEP 15: a scrape asks for at most about 74 torrents. */
const MAX_SCRAPE_HASHES = 74;
/** Keep replies within 512 bytes, the datagram size every path carries: 82 IPv4 or 27 IPv6 peers. */
const MAX_REPLY_BYTES = 512;
const ANNOUNCE_HEADER_BYTES = 20;
const EVENTS: readonly TrackerEvent[] = ['update', 'completed', 'started', 'stopped', 'update' /* 4: paused */];

/** What the UDP side needs from the tracker. */
export interface UdpAnnouncer {
  intervalS: number;
  announcePeer(r: PeerRequest): AnnounceAnswer | QueryFailure;
  /** Totals of a tracked torrent; zeros for anything else. */
  counts(infoHash: string): SwarmTotals;
}

function header(action: number, transactionId: number, extra: number): Buffer {
  const out = Buffer.allocUnsafe(8 + extra);
  out.writeUInt32BE(action, 0);
  out.writeUInt32BE(transactionId, 4);
  return out;
}

function errorPacket(transactionId: number, reason: string): Buffer {
  return Buffer.concat([header(ACTION_ERROR, transactionId, 0), Buffer.from(reason, 'utf8')]);
}

function announce(msg: Buffer, from: RemoteInfo, tx: number, t: UdpAnnouncer): Buffer {
  if (msg.length < ANNOUNCE_BYTES) return errorPacket(tx, `announce packet too short: ${msg.length} bytes, BEP 15 announces are ${ANNOUNCE_BYTES}`);
  const event = EVENTS[msg.readUInt32BE(80)];
  if (!event) return errorPacket(tx, 'invalid event: expected 0 (none), 1 (completed), 2 (started) or 3 (stopped)');
  const ip = normalizeIp(from.address);
  const addressBytes = ip.includes(':') ? 16 : 4;
  const numwantField = msg.readInt32BE(92);
  const numwant = Math.min(numwantField < 0 ? DEFAULT_NUMWANT : numwantField, Math.floor((MAX_REPLY_BYTES - ANNOUNCE_HEADER_BYTES) / (addressBytes + 2)));
  const answer = t.announcePeer({
    infoHash: msg.toString('hex', 16, 36),
    peerId: msg.toString('latin1', 36, 56),
    left: Number(msg.readBigUInt64BE(64)),
    event,
    ip,
    port: msg.readUInt16BE(96) || from.port,
    numwant,
    addressBytes,
  });
  if ('failure' in answer) return errorPacket(tx, answer.failure);
  const peers = addressBytes === 4 ? answer.peers4 : answer.peers6;
  const out = header(ACTION_ANNOUNCE, tx, 12 + peers.length);
  out.writeUInt32BE(t.intervalS, 8);
  out.writeUInt32BE(answer.incomplete, 12);
  out.writeUInt32BE(answer.complete, 16);
  peers.copy(out, ANNOUNCE_HEADER_BYTES);
  return out;
}

function scrape(msg: Buffer, tx: number, t: UdpAnnouncer): Buffer {
  const n = (msg.length - HEADER_BYTES) / HASH_BYTES;
  if (!Number.isInteger(n) || n < 1) return errorPacket(tx, 'invalid scrape: expected one or more 20-byte info hashes after the header');
  if (n > MAX_SCRAPE_HASHES) return errorPacket(tx, `too many info hashes in one scrape: ${n}, at most ${MAX_SCRAPE_HASHES}`);
  const out = header(ACTION_SCRAPE, tx, n * 12);
  for (let i = 0; i < n; i++) {
    const c = t.counts(msg.toString('hex', HEADER_BYTES + i * HASH_BYTES, HEADER_BYTES + (i + 1) * HASH_BYTES));
    out.writeUInt32BE(c.complete, 8 + i * 12);
    out.writeUInt32BE(c.downloaded, 12 + i * 12);
    out.writeUInt32BE(c.incomplete, 16 + i * 12);
  }
  return out;
}

/** The reply to one packet that passed the guard, or null when it deserves none (not BEP 15). */
export function udpAnswer(msg: Buffer, from: RemoteInfo, t: UdpAnnouncer): Buffer | null {
  if (msg.length < HEADER_BYTES || !msg.subarray(0, 8).equals(PROTOCOL_MAGIC)) return null;
  const action = msg.readUInt32BE(8);
  const tx = msg.readUInt32BE(12);
  switch (action) {
    case ACTION_CONNECT: {
      const out = header(ACTION_CONNECT, tx, 8);
      PROTOCOL_MAGIC.copy(out, 8); // the guard's reply socket replaces it with the client's id
      return out;
    }
    case ACTION_ANNOUNCE:
      return announce(msg, from, tx, t);
    case ACTION_SCRAPE:
      return scrape(msg, tx, t);
    default:
      return errorPacket(tx, `unknown action ${action}: expected 0 (connect), 1 (announce) or 2 (scrape)`);
  }
}
