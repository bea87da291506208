/**
 * Peer addresses in the tracker's compact form: the address bytes (4 for IPv4, 16 for IPv6)
 * and the port's 2 bytes, big-endian, held as a latin1 string. That string is both the key a
 * swarm remembers a peer by (one entry per ip:port, as bittorrent-tracker keyed them, which is
 * also what the census dials) and the peer's entry in a compact reply (BEP 23 `peers`, BEP 7
 * `peers6`, BEP 15), so a reply is a concatenation and nothing is packed per announce.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Addresses parsed recently; clients re-announce from the same few addresses. */
const CACHE_MAX = 4096;
const cache = new Map<string, string | null>();

/** "::ffff:1.2.3.4" (an IPv4 client on a dual-stack socket) becomes "1.2.3.4"; anything else is kept. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

function ipv4Bytes(ip: string): string {
  const q = ip.split('.').map(Number);
  return String.fromCharCode(q[0]!, q[1]!, q[2]!, q[3]!);
}

/** The eight 16-bit groups of a valid IPv6 address (zone dropped, embedded IPv4 and "::" expanded). */
function ipv6Groups(ip: string): number[] {
  let s = ip.split('%', 1)[0]!;
  if (s.includes('.')) {
    const colon = s.lastIndexOf(':');
    const q = s.slice(colon + 1).split('.').map(Number);
    s = `${s.slice(0, colon + 1)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const split = s.split('::');
  const head = split[0] ? split[0].split(':') : [];
  const tail = split.length > 1 && split[1] ? split[1].split(':') : [];
  const groups = split.length > 1 ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  return groups.map((g) => parseInt(g, 16));
}

/** The address bytes of an IP (4 or 16, as latin1), or null when it is not an IP address. */
export function addressBytes(ip: string): string | null {
  const hit = cache.get(ip);
  if (hit !== undefined) return hit;
  let bytes: string | null = null;
  if (isIPv4(ip)) bytes = ipv4Bytes(ip);
  else if (isIPv6(ip)) bytes = String.fromCharCode(...ipv6Groups(ip).flatMap((g) => [g >> 8, g & 0xff]));
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(ip, bytes);
  return bytes;
}

/** A peer's compact entry and key: address bytes then port bytes (6 or 18 latin1 characters). */
export function compactPeer(address: string, port: number): string {
  return address + String.fromCharCode(port >>> 8, port & 0xff);
}
